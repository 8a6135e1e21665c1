/**
 * The CI tutorials, word for word with `vault` replaced by `keep`, against a real `keep server`
 * and the real dev issuer, driven only through the CLI:
 * - CircleCI: a role bound on the literal claim `oidc.circleci.com/vcs-ref` (dots and slashes):
 *   a prod-branch job reads the prod secret, a feature-branch job is refused (KEEP_E_CLAIM_MISMATCH);
 * - GitHub Actions: `bound_claims_type=glob` on `sub` = `repo:acme/*`;
 * - GitLab CI: a role bound on project_id, ref and ref_type; the token passed on stdin.
 * Logins use `keep login -method=jwt role=R jwt=TOKEN` (also `jwt=@file`, `jwt=-`) and Vault's
 * `keep write -field=token auth/jwt/login ...`; secrets are read with `keep kv get`.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { closeIssuers, loadFixture, startTestIssuer, waitDevReady } from '../helpers/issuer.ts';
import type { TestIssuer } from '../helpers/issuer.ts';
import type { CliResult, KeepServer } from '../helpers/server.ts';
import { describeCli, expectExit, runCli, startKeep, tempDir, useKeepHooks } from '../helpers/server.ts';

useKeepHooks();

const T = { timeout: 90_000 };

let iss: TestIssuer;
let server: KeepServer;

/** A CLI run as the operator (root token in KEEP_TOKEN). */
function admin(args: string[], stdin?: string): Promise<CliResult> {
  return runCli(args, { addr: server.addr, token: 'root', stdin });
}

/** A CLI run as the job (no KEEP_TOKEN: the token helper file written by `keep login`). */
function job(args: string[], stdin?: string): Promise<CliResult> {
  return runCli(args, { addr: server.addr, stdin });
}

/** A CLI run with an explicit token. */
function withToken(token: string, args: string[]): Promise<CliResult> {
  return runCli(args, { addr: server.addr, token });
}

function expectRefused(r: CliResult, reason: string, claim: string, hidden: string[]): void {
  assert.notEqual(r.code, 0, `the login must fail: ${describeCli(r)}`);
  assert.match(r.stderr, /Error authenticating/, describeCli(r));
  assert.ok(r.stderr.includes(reason), `stderr names ${reason}: ${describeCli(r)}`);
  assert.ok(r.stderr.includes(`claim "${claim}"`), `stderr names the claim ${claim}: ${describeCli(r)}`);
  for (const h of hidden) assert.ok(!`${r.stdout}${r.stderr}`.includes(h), `the output reveals the expected value ${h}: ${describeCli(r)}`);
}

before(async () => {
  iss = await startTestIssuer();
  server = await startKeep({ dev: true, args: ['-dev-issuer-address=127.0.0.1:0'] });
  // auth/jwt/ is the dev server's own (mounted during its dev setup).
  await waitDevReady(server);
});

after(closeIssuers);

const CIRCLE = loadFixture('circleci').claims;
const ORG_ID = String(CIRCLE['oidc.circleci.com/org-id']);
const PROJECT_ID = String(CIRCLE['oidc.circleci.com/project-id']);

test('CircleCI: a role bound on oidc.circleci.com/vcs-ref lets prod jobs read prod secrets and refuses feature branches', T, async () => {
  // The tutorial's setup (auth/jwt/ exists on a dev server; the config write replaces its config).
  expectExit(await admin(['write', 'auth/jwt/config', `oidc_discovery_url=${iss.url('circleci')}`, `bound_issuer=${iss.url('circleci')}`]), 0, 'config');
  expectExit(await admin(['policy', 'write', 'circleci-prod', '-'], 'path "secret/data/prod/*" {\n  capabilities = ["read"]\n}\n'), 0, 'policy');
  expectExit(await admin(['kv', 'put', 'secret/prod/db', 'password=prod-db-s3cret']), 0, 'kv put');
  const role = {
    role_type: 'jwt',
    user_claim: 'sub',
    bound_audiences: ORG_ID,
    bound_claims: { 'oidc.circleci.com/project-id': PROJECT_ID, 'oidc.circleci.com/vcs-ref': 'refs/heads/prod' },
    token_policies: 'circleci-prod',
    token_ttl: '15m',
  };
  expectExit(await admin(['write', 'auth/jwt/role/circleci-prod', '-'], JSON.stringify(role)), 0, 'role');
  const read = expectExit(await admin(['read', '-format=json', 'auth/jwt/role/circleci-prod']), 0, 'role read');
  const data = (JSON.parse(read.stdout) as { data: Record<string, unknown> }).data;
  assert.deepEqual(data.bound_claims, role.bound_claims);
  assert.deepEqual(data.bound_audiences, [ORG_ID]);

  // A job on the prod branch: `keep login -method=jwt role=circleci-prod jwt=$CIRCLE_OIDC_TOKEN_V2`.
  const prodToken = await iss.mint('circleci', { claimArgs: ['oidc.circleci.com/vcs-ref=refs/heads/prod'] });
  const login = expectExit(await job(['login', '-method=jwt', 'role=circleci-prod', `jwt=${prodToken}`]), 0, 'prod login');
  assert.match(login.stdout, /Success! You are now authenticated/, describeCli(login));
  assert.match(login.stdout, /circleci-prod/, describeCli(login));
  const got = expectExit(await job(['kv', 'get', '-field=password', 'secret/prod/db']), 0, 'kv get');
  assert.equal(got.stdout.trim(), 'prod-db-s3cret');
  // The policy is the prod path only.
  expectExit(await admin(['kv', 'put', 'secret/staging/db', 'password=staging']), 0, 'kv put staging');
  const staging = await job(['kv', 'get', 'secret/staging/db']);
  assert.notEqual(staging.code, 0, describeCli(staging));
  assert.match(staging.stderr, /permission denied/, describeCli(staging));

  // A job on a feature branch is refused, with the reason and the claim, not the expected value.
  const featureToken = await iss.mint('circleci', { claimArgs: ['oidc.circleci.com/vcs-ref=refs/heads/feature/new-ui'] });
  expectRefused(await job(['login', '-method=jwt', 'role=circleci-prod', `jwt=${featureToken}`]), 'KEEP_E_CLAIM_MISMATCH', 'oidc.circleci.com/vcs-ref', ['refs/heads/prod']);
  // So is a custom-webhook trigger (the claim is absent).
  const webhookToken = await iss.mint('circleci', { variant: 'custom_webhook_trigger' });
  expectRefused(await job(['login', '-method=jwt', 'role=circleci-prod', `jwt=${webhookToken}`]), 'KEEP_E_CLAIM_MISSING', 'oidc.circleci.com/vcs-ref', ['refs/heads/prod']);

  // Vault's spelling: `keep write -field=token auth/jwt/login role=... jwt=...`, then KEEP_TOKEN.
  const prodToken2 = await iss.mint('circleci', { claimArgs: ['oidc.circleci.com/vcs-ref=refs/heads/prod'] });
  const w = expectExit(await admin(['write', '-field=token', 'auth/jwt/login', 'role=circleci-prod', `jwt=${prodToken2}`]), 0, 'write login');
  const token = w.stdout.trim();
  assert.match(token, /^hvs\./, describeCli(w));
  assert.equal(expectExit(await withToken(token, ['kv', 'get', '-field=password', 'secret/prod/db']), 0, 'kv get').stdout.trim(), 'prod-db-s3cret');

  // jwt=@file (a token file ending with a newline, as `circleci run oidc get > file` leaves it).
  const file = path.join(tempDir(), 'oidc-token');
  writeFileSync(file, `${await iss.mint('circleci', { claimArgs: ['oidc.circleci.com/vcs-ref=refs/heads/prod'] })}\n`);
  const fromFile = expectExit(await job(['login', '-method=jwt', '-token-only', 'role=circleci-prod', `jwt=@${file}`]), 0, 'login jwt=@file');
  assert.match(fromFile.stdout.trim(), /^hvs\./, describeCli(fromFile));
});

test('GitHub Actions: bound_claims_type=glob on sub "repo:acme/*"', T, async () => {
  expectExit(await admin(['auth', 'enable', '-path=gha', 'jwt']), 0, 'auth enable');
  expectExit(await admin(['write', 'auth/gha/config', `oidc_discovery_url=${iss.url('github')}`, `bound_issuer=${iss.url('github')}`]), 0, 'config');
  expectExit(await admin(['policy', 'write', 'acme-read', '-'], 'path "secret/data/acme/*" {\n  capabilities = ["read"]\n}\n'), 0, 'policy');
  expectExit(await admin(['kv', 'put', 'secret/acme/deploy', 'api_key=acme-k3y']), 0, 'kv put');
  const role = {
    role_type: 'jwt',
    user_claim: 'repository',
    bound_audiences: ['https://github.com/acme'],
    bound_claims_type: 'glob',
    bound_claims: { sub: 'repo:acme/*' },
    token_policies: ['acme-read'],
    token_ttl: '10m',
  };
  expectExit(await admin(['write', 'auth/gha/role/acme', '-'], JSON.stringify(role)), 0, 'role');

  // vault-action without jwtGithubAudience: aud = https://github.com/<owner>.
  const mint = (repo: string, extra: string[] = []) =>
    iss.mint('github', { aud: `https://github.com/${repo.split('/')[0]}`, claimArgs: [`repository=${repo}`, `repository_owner=${repo.split('/')[0]}`, ...extra] });

  for (const repo of ['acme/api', 'acme/infra']) {
    const l = expectExit(await job(['login', '-method=jwt', '-path=gha', 'role=acme', `jwt=${await mint(repo)}`]), 0, `login ${repo}`);
    assert.match(l.stdout, /acme-read/, describeCli(l));
    const got = expectExit(await job(['kv', 'get', '-mount=secret', '-field=api_key', 'acme/deploy']), 0, 'kv get');
    assert.equal(got.stdout.trim(), 'acme-k3y');
  }
  // `*` crosses `:` and `/`: a tag build of acme/api matches too.
  expectExit(await job(['login', '-method=jwt', '-path=gha', 'role=acme', `jwt=${await mint('acme/api', ['ref=refs/tags/v2.0.0'])}`]), 0, 'tag login');

  // Another owner whose name starts with "acme" does not match `repo:acme/*`.
  const evil = iss.mint('github', { aud: 'https://github.com/acme', claimArgs: ['repository=acme-evil/api', 'repository_owner=acme-evil'] });
  expectRefused(await job(['login', '-method=jwt', '-path=gha', 'role=acme', `jwt=${await evil}`]), 'KEEP_E_CLAIM_MISMATCH', 'sub', ['repo:acme/*']);
});

test('GitLab CI: a role bound on project_id, ref and ref_type; the ID token read from stdin', T, async () => {
  expectExit(await admin(['auth', 'enable', '-path=gitlab', 'jwt']), 0, 'auth enable');
  expectExit(await admin(['write', 'auth/gitlab/config', `oidc_discovery_url=${iss.url('gitlab')}`, `bound_issuer=${iss.url('gitlab')}`]), 0, 'config');
  expectExit(await admin(['policy', 'write', 'payments-main', '-'], 'path "secret/data/payments/*" {\n  capabilities = ["read"]\n}\n'), 0, 'policy');
  expectExit(await admin(['kv', 'put', 'secret/payments/db', 'password=gitlab-main-pw']), 0, 'kv put');
  const role = {
    role_type: 'jwt',
    user_claim: 'user_login',
    bound_audiences: 'https://keep.example.com',
    bound_claims: { project_id: '55000111', ref: 'main', ref_type: 'branch' },
    token_policies: 'payments-main',
    token_explicit_max_ttl: 3600,
  };
  expectExit(await admin(['write', 'auth/gitlab/role/payments-main', '-'], JSON.stringify(role)), 0, 'role');

  // `echo "$KEEP_ID_TOKEN" | keep login -method=jwt -path=gitlab role=payments-main jwt=-`
  const main = await iss.mint('gitlab', { aud: 'https://keep.example.com' });
  expectExit(await job(['login', '-method=jwt', '-path=gitlab', 'role=payments-main', 'jwt=-'], `${main}\n`), 0, 'login jwt=-');
  const got = expectExit(await job(['kv', 'get', '-field=password', 'secret/payments/db']), 0, 'kv get');
  assert.equal(got.stdout.trim(), 'gitlab-main-pw');

  // A merge-request pipeline on a feature branch, and a tag pipeline, are refused.
  const mr = await iss.mint('gitlab', { aud: 'https://keep.example.com', variant: 'merge_request_pipeline' });
  expectRefused(await job(['login', '-method=jwt', '-path=gitlab', 'role=payments-main', 'jwt=-'], mr), 'KEEP_E_CLAIM_MISMATCH', 'ref', []);
  const tag = await iss.mint('gitlab', { aud: 'https://keep.example.com', claimArgs: ['ref=main', 'ref_type=tag'] });
  expectRefused(await job(['login', '-method=jwt', '-path=gitlab', 'role=payments-main', 'jwt=-'], tag), 'KEEP_E_CLAIM_MISMATCH', 'ref_type', []);
  // A fork's project (another project_id) is refused even on "main".
  const fork = await iss.mint('gitlab', { aud: 'https://keep.example.com', variant: 'fork_merge_request_pipeline', claimArgs: ['ref=main'] });
  expectRefused(await job(['login', '-method=jwt', '-path=gitlab', 'role=payments-main', 'jwt=-'], fork), 'KEEP_E_CLAIM_MISMATCH', 'project_id', ['55000111']);
});
