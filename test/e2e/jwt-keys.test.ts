/**
 * Keys, roles and the operator's view of CI logins against a real `keep server` and the real
 * dev issuer:
 * - the issuer rotates its key mid-run (its `POST /rotate`): tokens signed by the new key log in
 *   at once, nothing restarted; keys the issuer dropped stop verifying;
 * - the JWKS endpoint goes down: cached keys still verify, an unknown kid gets a clear error;
 * - `default_role` with an empty or absent `role` (vault-action, GitLab runner);
 * - `token_expires_with_jwt` caps the token's lifetime at the job token's `exp`;
 * - `POST auth/<mount>/explain` (sudo) returns the decision trace for {jwt} and {claims}, issues
 *   nothing (no token; a jti_single_use token still logs in afterwards), and needs sudo.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Api, dataOf, obj, show } from '../helpers/http.ts';
import type { HttpResult } from '../helpers/http.ts';
import { attackerKey, authOf, closeIssuers, issuerEntry, payloadOf, rejectionMismatch, signWith, startKeyServer, startTestIssuer } from '../helpers/issuer.ts';
import type { KeyServer, TestIssuer } from '../helpers/issuer.ts';
import type { KeepServer } from '../helpers/server.ts';
import { startKeep, useKeepHooks } from '../helpers/server.ts';

useKeepHooks();

const T = { timeout: 90_000 };
const AUD = 'https://keep.example.com';
const REPO = 'keepdemo/payments-api';

let iss: TestIssuer;
let server: KeepServer;
let root: Api;
let anon: Api;
let proxy: KeyServer;

async function ok(res: HttpResult, what: string): Promise<void> {
  assert.ok(res.status === 200 || res.status === 204, `${what}: ${show(res)}`);
}

async function mount(path: string, config: Record<string, unknown>): Promise<void> {
  await ok(await root.post(`sys/auth/${path}`, { type: 'jwt' }), `enable ${path}`);
  await ok(await root.post(`auth/${path}/config`, config), `config ${path}`);
}

async function role(path: string, name: string, body: Record<string, unknown>): Promise<void> {
  await ok(await root.post(`auth/${path}/role/${name}`, { role_type: 'jwt', user_claim: 'sub', bound_audiences: [AUD], ...body }), `role ${path}/${name}`);
}

function header(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString('utf8')) as Record<string, unknown>;
}

before(async () => {
  iss = await startTestIssuer();
  server = await startKeep({ dev: true, args: ['-dev-issuer-address=127.0.0.1:0'] });
  root = new Api(server.addr, 'root');
  anon = new Api(server.addr);

  await mount('rot', { issuers: [issuerEntry(iss, 'gitlab')] });
  await role('rot', 'main', { bound_claims: { project_id: '55000111', ref: 'main' } });

  proxy = await startKeyServer(() => iss.jwks('github'));
  await mount('proxied', { issuers: [{ issuer: iss.url('github'), jwks_url: proxy.url }] });
  await role('proxied', 'gh', { bound_claims: { repository: REPO } });

  await mount('dflt', { issuers: [issuerEntry(iss, 'github')], default_role: 'gha' });
  await role('dflt', 'gha', { bound_claims: { repository: REPO } });

  await mount('ci', { issuers: [issuerEntry(iss, 'github')] });
  await ok(await root.put('sys/policies/acl/ci-repo', { policy: 'path "secret/data/ci/{{token.metadata.ci_repository}}/*" {\n  capabilities = ["read"]\n}\n' }), 'policy');
  await role('ci', 'main', { bound_claims: { repository: REPO, ref: 'refs/heads/main' }, token_policies: ['ci-repo'], jti_single_use: true });
  await role('ci', 'release', { bound_claims_type: 'glob', bound_claims: { ref: 'refs/heads/release/*' } });
  await role('ci', 'short', { bound_claims: { repository: REPO }, token_ttl: '1h', token_max_ttl: '2h', token_expires_with_jwt: true });
  await role('ci', 'long', { bound_claims: { repository: REPO }, token_ttl: '1h', token_max_ttl: '2h' });
});

after(async () => {
  await proxy?.close();
  await closeIssuers();
});

test('key rotation mid-run: a token signed by the new key logs in without restarting anything', T, async () => {
  const login = (jwt: string) => anon.post('auth/rot/login', { role: 'main', jwt });
  const kid1 = iss.currentKid('gitlab');
  authOf(await login(await iss.mint('gitlab', { aud: AUD })));
  const oldToken = await iss.mint('gitlab', { aud: AUD });

  const kid2 = await iss.rotateHttp('gitlab');
  assert.notEqual(kid2, kid1);
  const newToken = await iss.mintHttp('gitlab', { aud: AUD });
  assert.equal(header(newToken).kid, kid2, 'the issuer signs with the new key');
  authOf(await login(newToken));
  // The previous key is still published: tokens minted before the rotation keep working.
  authOf(await login(oldToken));

  // Tokens with unknown kids (forgeries) arrive in quick succession; each costs at most one
  // refetch and is refused.
  for (let i = 0; i < 2; i++) {
    const forged = await signWith(await attackerKey(), iss.claims('gitlab', { aud: AUD }));
    const res = await login(forged);
    assert.equal(obj(res.json).reason_code, 'KEEP_E_KEY_NOT_FOUND', show(res));
  }

  // The issuer rotates again (and drops the old keys): the next rotation is picked up too.
  const kid3 = await iss.rotateHttp('gitlab', true);
  assert.equal(iss.currentKid('gitlab'), kid3);
  const newest = await login(await iss.mint('gitlab', { aud: AUD }));
  assert.equal(newest.status, 200, `a token signed by the key of the second rotation (kid ${kid3}): ${show(newest)}`);
  // kid1 is no longer published: its tokens stop verifying.
  const retired = await login(oldToken);
  assert.deepEqual(rejectionMismatch(retired, { status: 400, reason: 'KEEP_E_KEY_NOT_FOUND', role: 'main' }), [], show(retired));
});

test('JWKS endpoint down: cached keys still verify; an unknown kid gets a clear error; recovery', T, async () => {
  const login = (jwt: string) => anon.post('auth/proxied/login', { role: 'gh', jwt });
  authOf(await login(await iss.mint('github', { aud: AUD })));
  const fetched = proxy.hits;
  proxy.mode = 'down';
  // A new job token signed by the cached key: no fetch needed.
  authOf(await login(await iss.mint('github', { aud: AUD })));
  assert.equal(proxy.hits, fetched, 'a cached kid needs no JWKS fetch');

  // An unknown kid needs a fetch, which fails: a clear error naming the cause.
  const forged = await signWith(await attackerKey(), iss.claims('github', { aud: AUD }));
  const res = await login(forged);
  assert.deepEqual(
    rejectionMismatch(res, {
      status: 400,
      reason: 'KEEP_E_JWKS_UNAVAILABLE',
      role: 'gh',
      message: 'error validating token: error verifying token signature: fetching keys oidc: get keys failed: 503 Service Unavailable issuer down for maintenance',
    }),
    [],
    show(res),
  );
  // The failed refresh did not throw the cached keys away.
  authOf(await login(await iss.mint('github', { aud: AUD })));

  // The endpoint is back: the next unknown kid is fetched again (and is still unknown).
  proxy.mode = 'serve';
  authOf(await login(await iss.mint('github', { aud: AUD })));
  const hitsBefore = proxy.hits;
  const again = await login(await signWith(await attackerKey(), iss.claims('github', { aud: AUD })));
  assert.equal(obj(again.json).reason_code, 'KEEP_E_KEY_NOT_FOUND', `after recovery: ${show(again)}`);
  assert.equal(proxy.hits, hitsBefore + 1, 'the JWKS is fetched again once the endpoint is back');
});

test('default_role: an empty role (vault-action) and an absent role (GitLab runner) use it', T, async () => {
  // vault-action: POST {"jwt": ..., "role": ""}
  const a = authOf(await anon.post('auth/dflt/login', { jwt: await iss.mint('github', { aud: AUD }), role: '' }));
  assert.equal(a.metadata?.role, 'gha');
  // GitLab runner: PUT {"jwt": ...} without role.
  const b = authOf(await anon.put('auth/dflt/login', { jwt: await iss.mint('github', { aud: AUD }) }));
  assert.equal(b.metadata?.role, 'gha');
  // Role names are case-insensitive.
  const c = authOf(await anon.post('auth/dflt/login', { jwt: await iss.mint('github', { aud: AUD }), role: 'GHA' }));
  assert.equal(c.metadata?.role, 'gha');
  // A rejection through the default role names it.
  const bad = await anon.post('auth/dflt/login', { jwt: await iss.mint('github', { aud: AUD, claimArgs: ['repository=evil/repo'] }), role: '' });
  assert.deepEqual(rejectionMismatch(bad, { status: 400, reason: 'KEEP_E_CLAIM_MISMATCH', role: 'gha', claim: 'repository', hidden: [REPO] }), [], show(bad));

  // Without default_role (a config write replaces the whole config), an empty role is refused.
  await ok(await root.post('auth/dflt/config', { issuers: [issuerEntry(iss, 'github')] }), 'config without default_role');
  const none = await anon.post('auth/dflt/login', { jwt: await iss.mint('github', { aud: AUD }), role: '' });
  assert.equal(none.status, 400, show(none));
  assert.deepEqual(obj(none.json).errors, ['missing role'], show(none));
  assert.equal(obj(none.json).reason_code, 'KEEP_E_ROLE_REQUIRED', show(none));
});

test('token_expires_with_jwt caps the token TTL at the job token exp', T, async () => {
  const jwt = await iss.mint('github', { aud: AUD, ttl: 120 });
  const exp = Number(payloadOf(jwt).exp);
  const a = authOf(await anon.post('auth/ci/login', { role: 'short', jwt }));
  const left = exp - Math.floor(Date.now() / 1000);
  assert.ok(a.lease_duration > 0 && a.lease_duration <= left + 1, `lease_duration ${a.lease_duration}, the JWT has ${left}s left`);
  const job = new Api(server.addr, a.client_token);
  const self = dataOf(await job.get('auth/token/lookup-self'));
  assert.ok(Number(self.explicit_max_ttl) > 0 && Number(self.explicit_max_ttl) <= 120, `explicit_max_ttl ${String(self.explicit_max_ttl)}`);
  // A renew cannot extend it past the JWT's exp.
  const renew = await job.post('auth/token/renew-self', { increment: '1h' });
  assert.equal(renew.status, 200, show(renew));
  const renewed = Number(obj(obj(renew.json).auth).lease_duration);
  assert.ok(renewed <= left + 1, `renewed to ${renewed}s, past the JWT's exp (${left}s left)`);

  // Without the flag, the role's token_ttl applies.
  const b = authOf(await anon.post('auth/ci/login', { role: 'long', jwt: await iss.mint('github', { aud: AUD, ttl: 120 }) }));
  assert.equal(b.lease_duration, 3600);
});

interface Check {
  check: string;
  claim: string | null;
  expected: unknown;
  actual: unknown;
  passed: boolean;
  reason_code?: string;
}

function rolesOf(res: HttpResult): Record<string, unknown>[] {
  const roles = dataOf(res).roles;
  assert.ok(Array.isArray(roles), `data.roles: ${show(res)}`);
  return roles as Record<string, unknown>[];
}

async function accessorCount(): Promise<number> {
  const res = await root.list('auth/token/accessors');
  assert.equal(res.status, 200, show(res));
  return (dataOf(res).keys as unknown[]).length;
}

test('explain (sudo): decision trace for {jwt} and {claims}, issues nothing, refused without sudo', T, async () => {
  const feature = await iss.mint('github', { aud: AUD, claimArgs: ['ref=refs/heads/feature-x'] });
  const before = await accessorCount();

  // One role, a JWT that fails it.
  const one = await root.post('auth/ci/explain', { jwt: feature, role: 'main' });
  assert.equal(one.status, 200, show(one));
  const [r] = rolesOf(one);
  assert.equal(r.role, 'main');
  assert.equal(r.accepted, false);
  assert.equal(r.reason_code, 'KEEP_E_CLAIM_MISMATCH');
  assert.equal(r.error, 'error validating claims: claim "ref" does not match any associated bound claim values');
  const checks = r.checks as Check[];
  assert.ok(checks.some((c) => c.check === 'signature' && c.passed), `signature check: ${JSON.stringify(checks)}`);
  const ref = checks.find((c) => c.claim === 'ref' && !c.passed);
  assert.ok(ref, `a failed check on ref: ${JSON.stringify(checks)}`);
  assert.equal(ref.expected, 'refs/heads/main');
  assert.equal(ref.actual, 'refs/heads/feature-x');
  assert.equal(ref.reason_code, 'KEEP_E_CLAIM_MISMATCH');
  assert.ok(checks.some((c) => c.claim === 'repository' && c.passed), 'the other bound claim is checked too');
  assert.deepEqual(r.policies, ['ci-repo', 'default']);

  // Every role, for a release-branch JWT: only `release` accepts it.
  const release = await iss.mint('github', { aud: AUD, claimArgs: ['ref=refs/heads/release/2026.1'] });
  const all = rolesOf(await root.post('auth/ci/explain', { jwt: release }));
  assert.deepEqual(all.map((x) => x.role).sort(), ['long', 'main', 'release', 'short']);
  for (const x of all) assert.equal(x.accepted, x.role !== 'main', `${String(x.role)}: ${JSON.stringify(x)}`);

  // {claims}: evaluated as given, no signature.
  const claims = iss.claims('github', { aud: AUD });
  const byClaims = rolesOf(await root.post('auth/ci/explain', { claims, role: 'main' }));
  assert.equal(byClaims[0].accepted, true, JSON.stringify(byClaims[0]));
  assert.ok((byClaims[0].checks as Check[]).every((c) => c.passed), JSON.stringify(byClaims[0].checks));
  assert.equal(obj(byClaims[0].metadata).ci_repository, REPO, 'the metadata (and so the rendered policies) a login would get');
  // The policies the token would get, with the templated path rendered for this job.
  const rendered = byClaims[0].rendered_policies as Array<{ policy: string; paths: Array<{ path: string }> }>;
  assert.ok(Array.isArray(rendered), `rendered_policies: ${JSON.stringify(byClaims[0])}`);
  const ciRepo = rendered.find((p) => p.policy === 'ci-repo');
  assert.deepEqual(ciRepo?.paths.map((x) => x.path), [`secret/data/ci/${REPO}/*`], JSON.stringify(rendered));

  // Nothing issued, nothing consumed: the jti_single_use role still accepts the token explained.
  const good = await iss.mint('github', { aud: AUD });
  const ex = rolesOf(await root.post('auth/ci/explain', { jwt: good, role: 'main' }));
  assert.equal(ex[0].accepted, true, JSON.stringify(ex[0]));
  assert.equal(await accessorCount(), before, 'explain created a token');
  authOf(await anon.post('auth/ci/login', { role: 'main', jwt: good }));
  assert.equal(await accessorCount(), before + 1);

  // Bad requests.
  const neither = await root.post('auth/ci/explain', { role: 'main' });
  assert.equal(neither.status, 400, show(neither));

  // Sudo is required: update alone is refused (403); update + sudo is allowed.
  await ok(await root.put('sys/policies/acl/explain-nosudo', { policy: 'path "auth/ci/explain" {\n  capabilities = ["update"]\n}\n' }), 'policy');
  await ok(await root.put('sys/policies/acl/explain-sudo', { policy: 'path "auth/ci/explain" {\n  capabilities = ["update", "sudo"]\n}\n' }), 'policy');
  const mk = async (policy: string) => {
    const res = await root.post('auth/token/create', { policies: [policy], ttl: '10m' });
    assert.equal(res.status, 200, show(res));
    return String(obj(obj(res.json).auth).client_token);
  };
  const noSudo = await new Api(server.addr, await mk('explain-nosudo')).post('auth/ci/explain', { jwt: feature, role: 'main' });
  assert.equal(noSudo.status, 403, show(noSudo));
  assert.ok(!noSudo.text.includes('refs/heads/main'), 'a refused explain reveals nothing');
  const withSudo = await new Api(server.addr, await mk('explain-sudo')).post('auth/ci/explain', { jwt: feature, role: 'main' });
  assert.equal(withSudo.status, 200, show(withSudo));
  // Unauthenticated: refused as well.
  assert.equal((await anon.post('auth/ci/explain', { jwt: feature })).status, 403);
});
