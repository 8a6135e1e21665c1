/**
 * Every CI platform's job token logs in to a real `keep server` through the real dev issuer:
 * one `auth/ci/` mount trusts all nine platforms (Keep's `issuers`, with the platform presets),
 * each platform has a role binding the claims ci-platforms.md recommends, the issued token
 * carries the platform's `ci_*` attribution in its metadata (also on lookup-self), and a
 * templated policy `secret/data/ci/{{token.metadata.ci_repository}}/*` lets the job read its own
 * repository's secret and nothing else.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Api, dataOf, obj, show } from '../helpers/http.ts';
import type { HttpResult } from '../helpers/http.ts';
import { PLATFORMS, authOf, closeIssuers, issuerEntry, loadFixture, startTestIssuer } from '../helpers/issuer.ts';
import type { IssuerPlatform, MintOptions, TestIssuer } from '../helpers/issuer.ts';
import type { KeepServer } from '../helpers/server.ts';
import { startKeep, useKeepHooks } from '../helpers/server.ts';

useKeepHooks();

const T = { timeout: 90_000 };
const AUD = 'https://keep.example.com';

let iss: TestIssuer;
let server: KeepServer;
let root: Api;
let anon: Api;

const claim = (p: IssuerPlatform, name: string): unknown => loadFixture(p).claims[name];
/** Azure is recognised by its issuer shape: its tokens keep the real `iss` (keys from the dev issuer). */
const AZURE_ISS = String(loadFixture('azure').claims.iss);

interface PlatformCase {
  /** Audience the job requests (or the platform's fixed/default one). */
  aud: string | string[];
  /** Role fields beyond role_type, user_claim, token_policies. */
  role: Record<string, unknown>;
  mint?: MintOptions;
  /** The ci_* metadata expected (exact for these keys; ci_job_url only where given). */
  attribution?: Record<string, string>;
  /** ci_repository is a path segment the templated policy can use. */
  readsSecret: boolean;
}

function platformCases(): Record<IssuerPlatform, PlatformCase> {
  return {
    github: {
      aud: AUD,
      role: { bound_audiences: [AUD], bound_claims: { repository_id: claim('github', 'repository_id'), repository_owner_id: claim('github', 'repository_owner_id'), ref: 'refs/heads/main' } },
      attribution: {
        ci_platform: 'github',
        ci_repository: 'keepdemo/payments-api',
        ci_ref: 'refs/heads/main',
        ci_workflow: 'keepdemo/payments-api/.github/workflows/deploy.yml@refs/heads/main',
        ci_run_id: '11223344556',
        ci_run_attempt: '1',
        ci_sha: '2f7c9e4b1a8d3f6e0c5b9a7d4e1f8c2b6a3d0e9f',
        ci_actor: 'dev-alice',
      },
      readsSecret: true,
    },
    gitlab: {
      aud: AUD,
      role: { bound_audiences: [AUD], bound_claims: { project_id: claim('gitlab', 'project_id'), ref_protected: 'true', ref_type: 'branch', ref: 'main' } },
      attribution: {
        ci_platform: 'gitlab',
        ci_repository: 'keepdemo/payments-api',
        ci_ref: 'refs/heads/main',
        ci_workflow: 'gitlab.com/keepdemo/payments-api//.gitlab-ci.yml@refs/heads/main',
        ci_run_id: '1400000001',
        ci_sha: '714c2e9f0b3d5a7c9e1f2a4b6c8d0e2f4a6b8c0d',
        ci_actor: 'dev-alice',
        // GitLab's iss is the instance URL: the job URL is built on it.
        ci_job_url: '{{gitlab}}/keepdemo/payments-api/-/jobs/8200000001',
      },
      readsSecret: true,
    },
    circleci: {
      aud: String(claim('circleci', 'aud')),
      role: {
        bound_audiences: [claim('circleci', 'aud')],
        bound_claims: {
          'oidc.circleci.com/project-id': claim('circleci', 'oidc.circleci.com/project-id'),
          'oidc.circleci.com/vcs-ref': 'refs/heads/main',
          'oidc.circleci.com/ssh-rerun': false,
        },
      },
      attribution: {
        ci_platform: 'circleci',
        ci_repository: 'github.com/keepdemo/payments-api',
        ci_ref: 'refs/heads/main',
        ci_workflow: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e',
        ci_run_id: '9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f',
        ci_actor: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
      },
      readsSecret: true,
    },
    buildkite: {
      aud: String(claim('buildkite', 'aud')),
      role: { bound_audiences: [claim('buildkite', 'aud')], bound_claims: { organization_slug: 'keepdemo', pipeline_slug: 'payments-api', build_branch: 'main' } },
      attribution: {
        ci_platform: 'buildkite',
        ci_repository: 'keepdemo/payments-api',
        ci_ref: 'refs/heads/main',
        ci_run_id: '318',
        ci_sha: '9f3c82a61f1e2cca4702c368cbc039b7dc9d4485',
      },
      readsSecret: true,
    },
    bitbucket: {
      aud: String(claim('bitbucket', 'aud')),
      role: {
        bound_audiences: [claim('bitbucket', 'aud')],
        bound_claims: { repositoryUuid: claim('bitbucket', 'repositoryUuid'), deploymentEnvironmentUuid: claim('bitbucket', 'deploymentEnvironmentUuid'), branchName: 'main' },
      },
      attribution: {
        ci_platform: 'bitbucket',
        ci_repository: '{1de489be-ce6a-42a0-a8c8-eadbf1174ac7}',
        ci_ref: 'refs/heads/main',
        ci_run_id: '{c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f}',
      },
      readsSecret: true,
    },
    azure: {
      aud: 'api://AzureADTokenExchange',
      mint: { claims: { iss: AZURE_ISS } },
      role: {
        bound_audiences: ['api://AzureADTokenExchange'],
        bound_claims: { org_id: claim('azure', 'org_id'), prj_id: claim('azure', 'prj_id'), def_id: '42', rpo_ref: 'refs/heads/main' },
      },
      attribution: {
        ci_platform: 'azure',
        ci_repository: 'https://dev.azure.com/keepdemo/Payments/_git/payments-api',
        ci_ref: 'refs/heads/main',
        ci_run_id: '1207',
        ci_sha: 'c291ea713801eb300054d353d279e7b02331f671',
        ci_workflow: 'keepdemo/Payments/payments-api-ci',
        ci_job_url: 'https://dev.azure.com/keepdemo/Payments/_build/results?buildId=1207',
      },
      // ci_repository is a URL (`https://…`): `//` is collapsed in request paths, so it cannot
      // name a KV path through a template.
      readsSecret: false,
    },
    jenkins: {
      aud: AUD,
      role: { bound_audiences: [AUD], bound_claims_type: 'glob', bound_claims: { sub: 'https://jenkins.keepdemo.example/job/payments/job/payments-api/*' } },
      readsSecret: false,
    },
    gcb: {
      aud: AUD,
      role: { bound_audiences: [AUD], bound_claims: { email: claim('gcb', 'email'), email_verified: true } },
      readsSecret: false,
    },
    kubernetes: {
      aud: AUD,
      role: { bound_audiences: [AUD], bound_claims: { '/kubernetes.io/namespace': 'ci-pipelines', '/kubernetes.io/serviceaccount/name': 'payments-deployer' } },
      readsSecret: false,
    },
  };
}

const CI_POLICY = 'path "secret/data/ci/{{token.metadata.ci_repository}}/*" {\n  capabilities = ["read"]\n}\n';

function entryFor(p: IssuerPlatform): Record<string, unknown> {
  if (p === 'azure') return { issuer: AZURE_ISS, jwks_url: iss.jwksUrl('azure') };
  return issuerEntry(iss, p);
}

function ciMeta(meta: Record<string, unknown> | null | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(meta ?? {}).filter(([k]) => k.startsWith('ci_')));
}

function expectedAttribution(c: PlatformCase): Record<string, string> {
  return Object.fromEntries(Object.entries(c.attribution ?? {}).map(([k, v]) => [k, v.replace('{{gitlab}}', iss.url('gitlab'))]));
}

async function login(p: IssuerPlatform, c: PlatformCase): Promise<HttpResult> {
  const jwt = await iss.mint(p, { aud: c.aud, ...c.mint });
  return anon.post('auth/ci/login', { role: p, jwt });
}

before(async () => {
  iss = await startTestIssuer();
  server = await startKeep({ dev: true, args: ['-dev-issuer-address=127.0.0.1:0'] });
  root = new Api(server.addr, 'root');
  anon = new Api(server.addr);
  const en = await root.post('sys/auth/ci', { type: 'jwt' });
  assert.equal(en.status, 204, show(en));
  const cfg = await root.post('auth/ci/config', { issuers: PLATFORMS.map(entryFor) });
  assert.equal(cfg.status, 204, show(cfg));
  const pol = await root.put('sys/policies/acl/ci-repo', { policy: CI_POLICY });
  assert.equal(pol.status, 204, show(pol));
  const cases = platformCases();
  for (const p of PLATFORMS) {
    const r = await root.post(`auth/ci/role/${p}`, { role_type: 'jwt', user_claim: 'sub', token_policies: ['ci-repo'], token_ttl: '10m', ...cases[p].role });
    assert.ok(r.status === 204 || r.status === 200, `role ${p}: ${show(r)}`);
    const repo = cases[p].attribution?.ci_repository;
    if (cases[p].readsSecret && repo) {
      const w = await root.post(`secret/data/ci/${repo}/deploy`, { data: { owner: repo } });
      assert.equal(w.status, 200, `secret for ${p}: ${show(w)}`);
    }
  }
  const other = await root.post('secret/data/ci/other-org/other-repo/deploy', { data: { owner: 'someone else' } });
  assert.equal(other.status, 200, show(other));
});

after(closeIssuers);

for (const p of PLATFORMS) {
  test(`${p}: the job token logs in through a role binding the recommended claims`, T, async () => {
    const c = platformCases()[p];
    const auth = authOf(await login(p, c));
    assert.deepEqual(auth.token_policies, ['ci-repo', 'default']);
    assert.equal(auth.renewable, true);
    assert.equal(auth.lease_duration, 600);
    assert.equal(auth.metadata?.role, p);
    const job = new Api(server.addr, auth.client_token);

    // Attribution: in the login answer and on the token itself.
    const self = await job.get('auth/token/lookup-self');
    assert.equal(self.status, 200, show(self));
    const meta = obj(dataOf(self).meta, 'lookup-self meta');
    assert.deepEqual(ciMeta(meta), ciMeta(auth.metadata), 'lookup-self shows the same attribution as the login');
    if (c.attribution) {
      const want = expectedAttribution(c);
      const got = ciMeta(auth.metadata);
      if (want.ci_job_url === undefined) delete got.ci_job_url;
      assert.deepEqual(got, want, `${p} attribution`);
    }
    for (const [k, v] of Object.entries(auth.metadata ?? {})) assert.equal(typeof v, 'string', `metadata ${k} is a string`);

    // The templated policy: its own repository, nothing else.
    if (c.readsSecret) {
      const repo = String(auth.metadata?.ci_repository);
      const own = await job.get(`secret/data/ci/${repo}/deploy`);
      assert.equal(own.status, 200, `${p} reads its own secret: ${show(own)}`);
      assert.equal(obj(obj(dataOf(own).data)).owner, repo);
    }
    const foreign = await job.get('secret/data/ci/other-org/other-repo/deploy');
    assert.equal(foreign.status, 403, `${p} must not read another repository's secret: ${show(foreign)}`);
  });
}

test('a token of one platform cannot log in through another platform role', T, async () => {
  // A GitLab job token presented to the GitHub role: the signature is fine (trusted issuer), the claims are not.
  const jwt = await iss.mint('gitlab', { aud: AUD });
  const res = await anon.post('auth/ci/login', { role: 'github', jwt });
  assert.equal(res.status, 400, show(res));
  assert.match(String(obj(res.json).reason_code), /^KEEP_E_CLAIM_(MISSING|MISMATCH)$/, show(res));
  // A GitHub token from another repository is refused by the GitHub role.
  const other = await iss.mint('github', { aud: AUD, claimArgs: ['repository_id=999999', 'repository=evil/payments-api'] });
  const res2 = await anon.post('auth/ci/login', { role: 'github', jwt: other });
  assert.equal(res2.status, 400, show(res2));
  assert.equal(obj(res2.json).reason_code, 'KEEP_E_CLAIM_MISMATCH', show(res2));
  assert.equal(obj(res2.json).claim, 'repository_id', show(res2));
  assert.ok(!res2.text.includes(String(claim('github', 'repository_id'))), 'the answer reveals the bound repository_id');
});

test(
  'jenkins, gcb and kubernetes are attributed when the issuers entry names the platform',
  {
    ...T,
    todo:
      'server gap: attribution.ts recognises these platforms only by name (preset), but the config refuses ' +
      'preset "jenkins" | "gcb" | "kubernetes" (unknown preset); with any accepted config their logins carry no ci_* metadata',
  },
  async () => {
    const en = await root.post('sys/auth/named', { type: 'jwt' });
    assert.equal(en.status, 204, show(en));
    const named = (['jenkins', 'gcb', 'kubernetes'] as const).map((p) => issuerEntry(iss, p, { preset: p }));
    const cfg = await root.post('auth/named/config', { issuers: named });
    assert.equal(cfg.status, 204, `config with preset names: ${show(cfg)}`);
    const want: Record<string, Record<string, string>> = {
      jenkins: {
        ci_platform: 'jenkins',
        ci_run_id: '57',
        ci_workflow: 'payments/payments-api/main',
        ci_job_url: 'https://jenkins.keepdemo.example/job/payments/job/payments-api/job/main/57/',
      },
      gcb: { ci_platform: 'gcb', ci_actor: 'keep-ci@keepdemo-prod.iam.gserviceaccount.com' },
      kubernetes: { ci_platform: 'kubernetes', ci_actor: 'system:serviceaccount:ci-pipelines:payments-deployer' },
    };
    const cases = platformCases();
    for (const p of ['jenkins', 'gcb', 'kubernetes'] as const) {
      const r = await root.post(`auth/named/role/${p}`, { role_type: 'jwt', user_claim: 'sub', token_policies: ['ci-repo'], ...cases[p].role });
      assert.ok(r.status === 204 || r.status === 200, show(r));
      const jwt = await iss.mint(p, { aud: cases[p].aud });
      const auth = authOf(await anon.post('auth/named/login', { role: p, jwt }));
      assert.deepEqual(ciMeta(auth.metadata), want[p], `${p} attribution`);
    }
  },
);
