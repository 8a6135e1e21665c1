/**
 * CI login rejections against a real `keep server` and the real dev issuer: every way a job
 * token can be wrong (signature, keys, times, issuer, audience, claim typing and matching, user
 * claim, conditions, replay, CIDRs, role, size) is refused with the right HTTP status, Vault's
 * message (spec/auth.md 3.5), Keep's `reason_code`, the `role`, the `claim` to blame, and never
 * the role's expected value. Positive controls sit beside the cases they bound. Replay records
 * survive a restart on SQLite; a 1 MB token and a hanging JWKS endpoint leave the server serving.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Api, obj, show } from '../helpers/http.ts';
import type { HttpResult } from '../helpers/http.ts';
import {
  attackerKey,
  authOf,
  closeIssuers,
  hmacToken,
  issuerEntry,
  publicPem,
  rejectionMismatch,
  signWith,
  startKeyServer,
  startTestIssuer,
  tamperPayload,
  unsignedToken,
} from '../helpers/issuer.ts';
import type { KeyServer, Rejection, TestIssuer } from '../helpers/issuer.ts';
import type { KeepServer } from '../helpers/server.ts';
import { sleep, startKeep, tempDir, useKeepHooks } from '../helpers/server.ts';

useKeepHooks();

const T = { timeout: 120_000 };
const AUD = 'https://keep.example.com';
const REPO = 'keepdemo/payments-api';
const MAIN = 'refs/heads/main';

let iss: TestIssuer;
let server: KeepServer;
let root: Api;
let anon: Api;
let keySrv: KeyServer;
let hangSrv: KeyServer;

const now = () => Math.floor(Date.now() / 1000);

async function ok(res: HttpResult, what: string): Promise<void> {
  assert.ok(res.status === 200 || res.status === 204, `${what}: ${show(res)}`);
}

async function role(mount: string, name: string, body: Record<string, unknown>): Promise<void> {
  await ok(await root.post(`auth/${mount}/role/${name}`, { role_type: 'jwt', user_claim: 'sub', token_policies: ['default'], ...body }), `role ${name}`);
}

function login(mount: string, roleName: string | undefined, jwt: string | undefined): Promise<HttpResult> {
  const body: Record<string, unknown> = {};
  if (roleName !== undefined) body.role = roleName;
  if (jwt !== undefined) body.jwt = jwt;
  return anon.post(`auth/${mount}/login`, body);
}

before(async () => {
  iss = await startTestIssuer();
  server = await startKeep({ dev: true, args: ['-dev-issuer-address=127.0.0.1:0'] });
  root = new Api(server.addr, 'root');
  anon = new Api(server.addr);

  // auth/ci: several trusted issuers (Keep's `issuers`), one per platform used below.
  await ok(await root.post('sys/auth/ci', { type: 'jwt' }), 'enable ci');
  await ok(
    await root.post('auth/ci/config', { issuers: [issuerEntry(iss, 'github'), issuerEntry(iss, 'gitlab'), issuerEntry(iss, 'kubernetes')] }),
    'config ci',
  );
  // auth/vault: Vault's own shape (discovery + bound_issuer at the top level).
  await ok(await root.post('sys/auth/vault', { type: 'jwt' }), 'enable vault');
  await ok(await root.post('auth/vault/config', { oidc_discovery_url: iss.url('github'), bound_issuer: iss.url('github') }), 'config vault');
  // auth/keysrv and auth/hang: jwks_url on key servers the test controls.
  keySrv = await startKeyServer(() => iss.jwks('github'));
  hangSrv = await startKeyServer(() => iss.jwks('github'));
  for (const [mount, ks] of [
    ['keysrv', keySrv],
    ['hang', hangSrv],
  ] as const) {
    await ok(await root.post(`sys/auth/${mount}`, { type: 'jwt' }), `enable ${mount}`);
    await ok(await root.post(`auth/${mount}/config`, { issuers: [{ issuer: iss.url('github'), jwks_url: ks.url }] }), `config ${mount}`);
    await role(mount, 'gh', { bound_audiences: [AUD], bound_claims: { repository: REPO } });
  }

  const gh = { bound_audiences: [AUD], bound_claims: { repository: REPO, ref: MAIN } };
  await role('ci', 'gh', gh);
  await role('vault', 'gh', gh);
  await role('ci', 'gh-noaud', { bound_claims: { repository: REPO } });
  await role('ci', 'gh-noskew', { ...gh, clock_skew_leeway: -1 });
  await role('ci', 'gh-sub', { bound_audiences: [AUD], bound_subject: `repo:${REPO}:environment:production` });
  await role('ci', 'gh-glob', { bound_audiences: [AUD], bound_claims_type: 'glob', bound_claims: { ref: MAIN } });
  await role('ci', 'gh-glob-star', { bound_audiences: [AUD], bound_claims_type: 'glob', bound_claims: { ref: `${MAIN}*` } });
  await role('ci', 'gh-glob-release', { bound_audiences: [AUD], bound_claims_type: 'glob', bound_claims: { ref: 'refs/heads/release/*' } });
  await role('ci', 'gh-bool', { bound_audiences: [AUD], bound_claims: { deploy_ok: 'true' } });
  await role('ci', 'gl-bool', { bound_audiences: [AUD], bound_claims: { ref_protected: true } });
  await role('ci', 'gl-runner-str', { bound_audiences: [AUD], bound_claims: { runner_id: '12270835' } });
  await role('ci', 'gl-runner-num', { bound_audiences: [AUD], bound_claims: { runner_id: 12270835 } });
  await role('ci', 'gh-user-env', { bound_audiences: [AUD], user_claim: 'environment', bound_claims: { repository: REPO } });
  await role('ci', 'gl-user-num', { bound_audiences: [AUD], user_claim: 'runner_id', bound_claims: { project_id: '55000111' } });
  await role('ci', 'k8s-ns', { bound_audiences: [AUD], bound_claims: { '/kubernetes.io/namespace': 'ci-pipelines' } });
  await role('ci', 'k8s-ns-prod', { bound_audiences: [AUD], bound_claims: { '/kubernetes.io/namespace': 'prod-deployers' } });
  await role('ci', 'k8s-label', { bound_audiences: [AUD], bound_claims: { '/kubernetes.io/pod/labels/team': 'payments-team' } });
  await role('ci', 'k8s-object', { bound_audiences: [AUD], bound_claims: { 'kubernetes.io': 'some-namespace' } });
  await role('ci', 'gl-groups', { bound_audiences: [AUD], bound_claims: { groups_direct: ['other-group', 'another-group'] } });
  await role('ci', 'gl-groups-ok', { bound_audiences: [AUD], bound_claims: { groups_direct: ['nope-group', 'keepdemo/platform'] } });
  await role('ci', 'gh-env', { bound_audiences: [AUD], bound_claims: { environment: 'production-eu' } });
  await role('ci', 'gh-once', { ...gh, jti_single_use: true });
  await role('ci', 'gh-gitlab-only', { ...gh, bound_issuers: [iss.url('gitlab')] });
  await role('ci', 'gh-cond', { ...gh, claims_condition: 'claims.ref == "refs/heads/release-2026"' });
  await role('ci', 'gh-cond-err', { ...gh, claims_condition: 'claims.environment == "production"' });
  await role('ci', 'gh-cidr', { ...gh, token_bound_cidrs: ['10.20.0.0/16'] });
  await ok(
    await root.post('auth/ci/role/web', { role_type: 'oidc', user_claim: 'sub', allowed_redirect_uris: ['https://keep.example.com/ui/callback'] }),
    'role web',
  );
});

after(async () => {
  await keySrv?.close();
  await hangSrv?.close();
  await closeIssuers();
});

interface Case extends Partial<Rejection> {
  name: string;
  mount?: string;
  /** The role sent (`role` of the expected answer defaults to it). */
  login: string;
  jwt: () => Promise<string> | string;
  /** A positive control: the login must succeed. */
  accept?: boolean;
}

const VALIDATING = 'error validating token: ';
const SIG = `${VALIDATING}error verifying token signature: failed to verify id token signature`;
const MISMATCH = (c: string) => `error validating claims: claim "${c}" does not match any associated bound claim values`;
const MISSING = (c: string) => `error validating claims: claim "${c}" is missing`;
const AUD_MISMATCH = `${VALIDATING}invalid audience (aud) claim: audience claim does not match any expected audience`;

const gh = (opts: Parameters<TestIssuer['mint']>[1] = {}) => iss.mint('github', { aud: AUD, ...opts });
const gl = (opts: Parameters<TestIssuer['mint']>[1] = {}) => iss.mint('gitlab', { aud: AUD, ...opts });
const k8s = (opts: Parameters<TestIssuer['mint']>[1] = {}) => iss.mint('kubernetes', { aud: AUD, ...opts });

function cases(): Case[] {
  return [
    // Signature and keys (step 8)
    { name: 'alg none', login: 'gh', jwt: () => unsignedToken(iss.claims('github', { aud: AUD }), { kid: iss.currentKid('github') }), status: 400, reason: 'KEEP_E_SIGNATURE', message: SIG, claim: null },
    {
      name: 'HS256 signed with the issuer public key (key confusion)',
      login: 'gh',
      jwt: async () => hmacToken(iss.claims('github', { aud: AUD }), await publicPem(iss.jwks('github').keys[0]), { kid: iss.currentKid('github') }),
      status: 400,
      reason: 'KEEP_E_SIGNATURE',
      message: SIG,
      claim: null,
    },
    {
      name: 'tampered payload (feature branch token rewritten to main)',
      login: 'gh',
      jwt: async () => tamperPayload(await gh({ claimArgs: ['ref=refs/heads/feature-x'] }), { ref: MAIN }),
      status: 400,
      reason: 'KEEP_E_SIGNATURE',
      message: SIG,
    },
    {
      name: 'unknown kid (attacker key)',
      login: 'gh',
      jwt: async () => signWith(await attackerKey(), iss.claims('github', { aud: AUD })),
      status: 400,
      reason: 'KEEP_E_KEY_NOT_FOUND',
      message: SIG,
    },
    {
      name: "attacker key presenting the issuer's kid",
      login: 'gh',
      jwt: async () => signWith(await attackerKey(), iss.claims('github', { aud: AUD }), { kid: iss.currentKid('github') }),
      status: 400,
      reason: 'KEEP_E_SIGNATURE',
      message: SIG,
    },
    { name: 'malformed JWT', login: 'gh', jwt: () => 'this-is.not-a.jwt!', status: 400, reason: 'KEEP_E_MALFORMED', message: /^error validating token: error verifying token signature: oidc: malformed jwt: / },
    { name: 'two-part token', login: 'gh', jwt: () => 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0', status: 400, reason: 'KEEP_E_MALFORMED', message: /oidc: malformed jwt: / },
    // Registered claims (step 9)
    {
      name: 'claim key case-folding onto sub',
      login: 'gh',
      jwt: () => gh({ claims: { SUB: 'repo:evil/evil:ref:refs/heads/main' } }),
      status: 400,
      reason: 'KEEP_E_AMBIGUOUS_CLAIM',
      message: `${VALIDATING}ambiguous claim: key "SUB" collides with registered claim "sub" under case folding`,
      claim: 'SUB',
    },
    // Issuer (step 11 and Keep's issuers / bound_issuers)
    {
      name: 'wrong iss (bound_issuer)',
      mount: 'vault',
      login: 'gh',
      jwt: () => gh({ claims: { iss: 'https://token.actions.githubusercontent.com.evil.example' } }),
      status: 400,
      reason: 'KEEP_E_ISSUER',
      message: `${VALIDATING}invalid issuer (iss) claim`,
      claim: 'iss',
      hidden: [iss.url('github')],
    },
    {
      name: 'iss not among issuers (signed by a trusted key)',
      login: 'gh',
      jwt: () => gh({ claims: { iss: 'https://evil.example/github' } }),
      status: 400,
      reason: 'KEEP_E_ISSUER',
      message: `${VALIDATING}invalid issuer (iss) claim`,
      claim: 'iss',
      hidden: [iss.url('github')],
    },
    {
      name: 'an issuer the role does not allow (bound_issuers)',
      login: 'gh-gitlab-only',
      jwt: () => gh(),
      status: 400,
      reason: 'KEEP_E_ISSUER',
      message: `${VALIDATING}invalid issuer (iss) claim`,
      claim: 'iss',
      hidden: [iss.url('gitlab')],
    },
    // Subject (step 12)
    { name: 'sub differs from bound_subject', login: 'gh-sub', jwt: () => gh(), status: 400, reason: 'KEEP_E_SUBJECT', message: `${VALIDATING}invalid subject (sub) claim`, claim: 'sub', hidden: ['environment:production'] },
    // Audience (steps 13 and 18)
    { name: 'aud missing on a role with bound_audiences', login: 'gh', jwt: () => gh({ remove: ['aud'] }), status: 400, reason: 'KEEP_E_AUDIENCE', message: AUD_MISMATCH, claim: 'aud', hidden: [AUD] },
    { name: 'aud mismatch', login: 'gh', jwt: () => gh({ aud: 'https://other.example' }), status: 400, reason: 'KEEP_E_AUDIENCE', message: AUD_MISMATCH, claim: 'aud', hidden: [AUD] },
    {
      name: 'aud present on a role with no bound_audiences',
      login: 'gh-noaud',
      jwt: () => gh(),
      status: 400,
      reason: 'KEEP_E_AUDIENCE',
      message: 'audience claim found in JWT but no audiences bound to the role',
      claim: 'aud',
    },
    // Times (3.6)
    { name: 'expired beyond the clock skew', login: 'gh', jwt: () => gh({ ttl: -120 }), status: 400, reason: 'KEEP_E_EXPIRED', message: `${VALIDATING}invalid expiration time (exp) claim: token is expired`, claim: 'exp' },
    { name: 'exp within the clock skew (positive control)', login: 'gh', jwt: () => gh({ ttl: -30 }), accept: true },
    { name: 'expired by 5 s with clock_skew_leeway -1 (no skew)', login: 'gh-noskew', jwt: () => gh({ ttl: -5 }), status: 400, reason: 'KEEP_E_EXPIRED', claim: 'exp' },
    {
      name: 'nbf in the future',
      login: 'gh',
      jwt: () => gh({ claims: { nbf: now() + 600 } }),
      status: 400,
      reason: 'KEEP_E_NOT_YET_VALID',
      message: `${VALIDATING}invalid not before (nbf) claim: token not yet valid`,
      claim: 'nbf',
    },
    {
      name: 'iat in the future',
      login: 'gh',
      jwt: () => gh({ claims: { iat: now() + 600 } }),
      status: 400,
      reason: 'KEEP_E_NOT_YET_VALID',
      message: `${VALIDATING}invalid issued at (iat) claim: token issued in the future`,
      claim: 'iat',
    },
    {
      name: 'no time claims',
      login: 'gh',
      jwt: () => gh({ remove: ['iat', 'nbf', 'exp'] }),
      status: 400,
      reason: 'KEEP_E_NO_TIME_CLAIMS',
      message: `${VALIDATING}no issued at (iat), not before (nbf), or expiration time (exp) claims in token`,
    },
    // User claim (steps 19-20)
    { name: 'missing user_claim', login: 'gh-user-env', jwt: () => gh(), status: 400, reason: 'KEEP_E_CLAIM_MISSING', message: 'claim "environment" not found in token', claim: 'environment' },
    {
      name: 'user_claim is a number, not a string',
      login: 'gl-user-num',
      jwt: () => gl(),
      status: 400,
      reason: 'KEEP_E_CLAIM_TYPE',
      message: 'claim "runner_id" could not be converted to string',
      claim: 'runner_id',
    },
    // Bound claims (3.7)
    { name: 'bound claim value mismatch (ref)', login: 'gh', jwt: () => gh({ claimArgs: ['ref=refs/heads/feature-x'] }), status: 400, reason: 'KEEP_E_CLAIM_MISMATCH', message: MISMATCH('ref'), claim: 'ref', hidden: [MAIN] },
    { name: 'bound claim missing', login: 'gh-env', jwt: () => gh(), status: 400, reason: 'KEEP_E_CLAIM_MISSING', message: MISSING('environment'), claim: 'environment', hidden: ['production-eu'] },
    {
      name: 'glob without * is exact: refs/heads/main vs refs/heads/main-evil',
      login: 'gh-glob',
      jwt: () => gh({ claimArgs: ['ref=refs/heads/main-evil'] }),
      status: 400,
      reason: 'KEEP_E_CLAIM_MISMATCH',
      message: MISMATCH('ref'),
      claim: 'ref',
    },
    // 3.7: `*` matches any run of characters, so `refs/heads/main*` is not a branch boundary.
    { name: 'glob refs/heads/main* matches refs/heads/main-evil (Vault semantics)', login: 'gh-glob-star', jwt: () => gh({ claimArgs: ['ref=refs/heads/main-evil'] }), accept: true },
    {
      name: 'glob refs/heads/release/* does not match refs/heads/release',
      login: 'gh-glob-release',
      jwt: () => gh({ claimArgs: ['ref=refs/heads/release'] }),
      status: 400,
      reason: 'KEEP_E_CLAIM_MISMATCH',
      claim: 'ref',
      hidden: ['refs/heads/release/*'],
    },
    { name: 'glob * crosses / (refs/heads/release/v1/hotfix)', login: 'gh-glob-release', jwt: () => gh({ claimArgs: ['ref=refs/heads/release/v1/hotfix'] }), accept: true },
    { name: 'bool claim true vs bound string "true"', login: 'gh-bool', jwt: () => gh({ claims: { deploy_ok: true } }), status: 400, reason: 'KEEP_E_CLAIM_MISMATCH', message: MISMATCH('deploy_ok'), claim: 'deploy_ok' },
    { name: 'string claim "true" (GitLab ref_protected) vs bound bool true', login: 'gl-bool', jwt: () => gl(), status: 400, reason: 'KEEP_E_CLAIM_MISMATCH', message: MISMATCH('ref_protected'), claim: 'ref_protected' },
    { name: 'number claim (runner_id) vs bound string', login: 'gl-runner-str', jwt: () => gl(), status: 400, reason: 'KEEP_E_CLAIM_MISMATCH', message: MISMATCH('runner_id'), claim: 'runner_id' },
    { name: 'number claim vs bound number (positive control)', login: 'gl-runner-num', jwt: () => gl(), accept: true },
    { name: 'JSON pointer /kubernetes.io/namespace (positive control)', login: 'k8s-ns', jwt: () => k8s(), accept: true },
    {
      name: 'JSON pointer value mismatch',
      login: 'k8s-ns-prod',
      jwt: () => k8s(),
      status: 400,
      reason: 'KEEP_E_CLAIM_MISMATCH',
      message: MISMATCH('/kubernetes.io/namespace'),
      claim: '/kubernetes.io/namespace',
      hidden: ['prod-deployers'],
    },
    {
      name: 'nested JSON pointer miss',
      login: 'k8s-label',
      jwt: () => k8s(),
      status: 400,
      reason: 'KEEP_E_CLAIM_MISSING',
      message: MISSING('/kubernetes.io/pod/labels/team'),
      claim: '/kubernetes.io/pod/labels/team',
      hidden: ['payments-team'],
    },
    {
      name: 'object claim',
      login: 'k8s-object',
      jwt: () => k8s(),
      status: 400,
      reason: 'KEEP_E_CLAIM_TYPE',
      message: /^error validating claims: received claim is not a string, bool, int or list: /,
      claim: 'kubernetes.io',
      hidden: ['some-namespace'],
    },
    {
      name: 'list claim with no matching element',
      login: 'gl-groups',
      jwt: () => gl({ variant: 'optional_groups_direct_ff' }),
      status: 400,
      reason: 'KEEP_E_CLAIM_MISMATCH',
      message: MISMATCH('groups_direct'),
      claim: 'groups_direct',
      hidden: ['other-group', 'another-group'],
    },
    { name: 'list claim with one matching element (positive control)', login: 'gl-groups-ok', jwt: () => gl({ variant: 'optional_groups_direct_ff' }), accept: true },
    // claims_condition (Keep)
    {
      name: 'false claims_condition',
      login: 'gh-cond',
      jwt: () => gh(),
      status: 400,
      reason: 'KEEP_E_CONDITION',
      message: 'error validating claims: claims_condition is not satisfied',
      hidden: ['refs/heads/release-2026'],
    },
    {
      name: 'claims_condition runtime error (missing key)',
      login: 'gh-cond-err',
      jwt: () => gh(),
      status: 400,
      reason: 'KEEP_E_CONDITION',
      message: 'error validating claims: claims_condition could not be evaluated',
      hidden: ['"production"'],
    },
    // Role and request (steps 3-6)
    { name: 'token_bound_cidrs from a disallowed address', login: 'gh-cidr', jwt: () => gh(), status: 403, reason: 'KEEP_E_CIDR', message: 'permission denied', hidden: ['10.20.0.0/16'] },
    { name: 'unknown role', login: 'no-such-role', jwt: () => gh(), status: 400, reason: 'KEEP_E_ROLE_NOT_FOUND', message: 'role "no-such-role" could not be found' },
    { name: 'role_type oidc', login: 'web', jwt: () => gh(), status: 400, reason: 'KEEP_E_ROLE_TYPE', message: 'role with oidc role_type is not allowed' },
    { name: 'missing token', login: 'gh', jwt: () => '', status: 400, reason: 'KEEP_E_TOKEN_MISSING', message: 'missing token' },
  ];
}

test('rejections: each case answers its status, message, reason_code, role and claim, and hides the expected value', T, async () => {
  const all = cases();
  const rejections = all.filter((c) => !c.accept);
  assert.ok(rejections.length >= 30, `only ${rejections.length} rejection cases`);
  const failures: string[] = [];
  for (const c of all) {
    const res = await login(c.mount ?? 'ci', c.login, await c.jwt());
    if (c.accept) {
      if (res.status !== 200) failures.push(`${c.name}: expected acceptance, got ${show(res)}`);
      continue;
    }
    const want: Rejection = {
      status: c.status ?? 400,
      reason: c.reason ?? '?',
      message: c.message,
      role: c.role ?? c.login,
      claim: c.claim,
      hidden: c.hidden,
    };
    const bad = rejectionMismatch(res, want);
    if (bad.length > 0) failures.push(`${c.name}: ${bad.join('; ')}\n    answer: ${show(res)}`);
  }
  assert.equal(failures.length, 0, `${failures.length} of ${all.length} cases failed:\n${failures.join('\n')}`);
});

test('replay under jti_single_use: the second login with the same job token is refused', T, async () => {
  const jwt = await gh();
  authOf(await login('ci', 'gh-once', jwt));
  const again = await login('ci', 'gh-once', jwt);
  assert.deepEqual(rejectionMismatch(again, { status: 400, reason: 'KEEP_E_REPLAY', role: 'gh-once', claim: 'jti' }), [], show(again));
  // Another job token (another jti) of the same job is fine.
  authOf(await login('ci', 'gh-once', await gh()));
  // A token without jti is keyed by its hash: also once.
  const noJti = await gh({ remove: ['jti'] });
  authOf(await login('ci', 'gh-once', noJti));
  const noJtiAgain = await login('ci', 'gh-once', noJti);
  assert.equal(obj(noJtiAgain.json).reason_code, 'KEEP_E_REPLAY', show(noJtiAgain));
});

test('unknown kid: Keep refetches the JWKS once, then refuses; a repeat does not refetch', T, async () => {
  authOf(await login('keysrv', 'gh', await gh()));
  const before = keySrv.hits;
  const forged = await signWith(await attackerKey(), iss.claims('github', { aud: AUD }));
  const first = await login('keysrv', 'gh', forged);
  assert.deepEqual(rejectionMismatch(first, { status: 400, reason: 'KEEP_E_KEY_NOT_FOUND', message: SIG, role: 'gh' }), [], show(first));
  assert.equal(keySrv.hits, before + 1, 'an unknown kid triggers exactly one JWKS refetch');
  const second = await login('keysrv', 'gh', forged);
  assert.equal(obj(second.json).reason_code, 'KEEP_E_KEY_NOT_FOUND', show(second));
  assert.equal(keySrv.hits, before + 1, 'a kid still unknown after the latest fetch does not refetch again at once');
  // The server still verifies good tokens.
  authOf(await login('keysrv', 'gh', await gh()));
});

test('a 1 MB token is refused and the server serves the next request', T, async () => {
  const big = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${'A'.repeat(1024 * 1024)}.sig`;
  const res = await login('ci', 'gh', big);
  assert.ok(res.status === 400 || res.status === 413, show(res));
  if (res.status === 400) {
    assert.deepEqual(rejectionMismatch(res, { status: 400, reason: 'KEEP_E_TOKEN_TOO_LARGE', role: 'gh' }), [], show(res));
  }
  assert.ok(!res.text.includes('A'.repeat(1000)), 'the answer echoes the token');
  const health = await anon.get('sys/health');
  assert.equal(health.status, 200, show(health));
  authOf(await login('ci', 'gh', await gh()));
});

test('a JWKS endpoint that hangs: the login fails with a clear error in bounded time, the server is unharmed', T, async () => {
  // The config write probed the endpoint while it answered; now it accepts and never answers.
  hangSrv.mode = 'hang';
  // A config write that points at an endpoint hanging from the start fails the same way.
  const silent = await startKeyServer(() => iss.jwks('github'));
  silent.mode = 'hang';
  await ok(await root.post('sys/auth/silent', { type: 'jwt' }), 'enable silent');
  const [res, cfg] = await Promise.all([
    login('hang', 'gh', await gh()),
    root.post('auth/silent/config', { issuers: [{ issuer: iss.url('github'), jwks_url: silent.url }] }),
  ]);
  await silent.close();
  assert.equal(cfg.status, 400, show(cfg));
  assert.deepEqual(obj(cfg.json).errors, [`invalid issuers[0]: error checking jwks URL ${silent.url}`], show(cfg));
  assert.deepEqual(
    rejectionMismatch(res, {
      status: 400,
      reason: 'KEEP_E_JWKS_UNAVAILABLE',
      role: 'gh',
      message: /^error validating token: error verifying token signature: fetching keys oidc: get keys failed .*(deadline|timeout|timed out)/i,
    }),
    [],
    show(res),
  );
  assert.ok(hangSrv.hits >= 1);
  // Meanwhile and afterwards the server serves: health, and a login on another mount.
  assert.equal((await anon.get('sys/health')).status, 200);
  authOf(await login('ci', 'gh', await gh()));
});

// ---------------------------------------------------------------------------------------------
// Replay records survive a restart (SQLite storage, static seal)

const SEAL_KEY = randomBytes(32).toString('hex');
const SQLITE_CONFIG = `
storage "sqlite" {
  path = "{{dataDir}}/keep.db"
}
seal "static" {
  current_key_id = "k1"
  current_key = "env://KEEP_TEST_SEAL_KEY"
}
log_level = "warn"
`;

async function waitActive(api: Api): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const h = await api.get('sys/health');
    if (h.status === 200) return;
    if (Date.now() > deadline) assert.fail(`server never became active: ${show(h)}`);
    await sleep(150);
  }
}

test('jti_single_use replay is refused after a server restart (SQLite)', T, async () => {
  const dataDir = tempDir();
  const env = { KEEP_TEST_SEAL_KEY: SEAL_KEY };
  const s1 = await startKeep({ config: SQLITE_CONFIG, dataDir, env });
  const init = await new Api(s1.addr).put('sys/init', { recovery_shares: 1, recovery_threshold: 1 });
  assert.equal(init.status, 200, show(init));
  const rootToken = String(obj(init.json).root_token);
  const api1 = new Api(s1.addr, rootToken);
  await waitActive(api1);
  await ok(await api1.post('sys/auth/jwt', { type: 'jwt' }), 'enable jwt');
  await ok(await api1.post('auth/jwt/config', { issuers: [issuerEntry(iss, 'github')] }), 'config');
  await ok(await api1.post('auth/jwt/role/once', { role_type: 'jwt', user_claim: 'sub', bound_audiences: [AUD], bound_claims: { repository: REPO }, jti_single_use: true }), 'role');
  const jwt = await gh();
  const noJti = await gh({ remove: ['jti'] });
  authOf(await new Api(s1.addr).post('auth/jwt/login', { role: 'once', jwt }));
  authOf(await new Api(s1.addr).post('auth/jwt/login', { role: 'once', jwt: noJti }));
  assert.equal(await s1.stop(), 0, 'clean shutdown');

  const s2 = await startKeep({ config: SQLITE_CONFIG, dataDir, env, port: s1.port });
  await waitActive(new Api(s2.addr));
  for (const [what, token] of [
    ['with jti', jwt],
    ['without jti', noJti],
  ] as const) {
    const res = await new Api(s2.addr).post('auth/jwt/login', { role: 'once', jwt: token });
    assert.deepEqual(rejectionMismatch(res, { status: 400, reason: 'KEEP_E_REPLAY', role: 'once' }), [], `${what}: ${show(res)}`);
  }
  // A fresh job token still logs in after the restart.
  authOf(await new Api(s2.addr).post('auth/jwt/login', { role: 'once', jwt: await gh() }));
  await s2.stop();
});
