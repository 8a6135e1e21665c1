import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { REASONS } from './reasons.ts';
import { T0, assertError, claimsAt, jwtMount, login, makeKey, sign, type Fixture, type TestKey } from './test-setup.ts';
import type { TraceEntry } from './trace.ts';

let key: TestKey;
let other: TestKey;
before(async () => {
  key = await makeKey('RS256');
  other = await makeKey('RS256');
});

interface RoleExplain {
  role: string;
  accepted: boolean;
  reason_code: string | null;
  error: string | null;
  checks: TraceEntry[];
  policies: string[];
  metadata?: Record<string, string>;
  rendered_policies?: unknown;
  replay?: string;
}

async function mount(opts: Parameters<typeof jwtMount>[0] = {}): Promise<Fixture> {
  const f = await jwtMount(opts);
  await f.call('update', 'config', { jwt_validation_pubkeys: [key.publicPem] });
  await f.call('update', 'role/main', {
    role_type: 'jwt',
    user_claim: 'sub',
    bound_audiences: 'https://keep.example',
    bound_claims: { ref: 'refs/heads/main', repository: 'acme/api' },
    claim_mappings: { repository: 'repository' },
    token_policies: 'deploy',
    jti_single_use: true,
  });
  await f.call('update', 'role/prod', {
    role_type: 'jwt',
    user_claim: 'sub',
    bound_audiences: 'https://keep.example',
    bound_claims: { environment: 'production' },
    token_policies: 'prod',
    token_no_default_policy: true,
  });
  return f;
}

async function explain(f: Fixture, body: Record<string, unknown>): Promise<RoleExplain[]> {
  const r = await f.call('update', 'explain', body);
  return (r?.data?.roles ?? []) as RoleExplain[];
}

const check = (r: RoleExplain, name: string, claim?: string) => r.checks.find((c) => c.check === name && (claim === undefined || c.claim === claim));

describe('explain', () => {
  it('needs sudo', async () => {
    const f = await mount();
    assert.deepEqual(f.backend.special?.root, ['explain']);
    assert.equal(f.backend.special?.unauthenticated?.includes('explain'), false);
  });

  it('{jwt}: every role, with each check, expected and actual values, and policies', async () => {
    const f = await mount();
    const roles = await explain(f, { jwt: await sign(key, claimsAt(T0, { jti: 'j1' })) });
    assert.deepEqual(roles.map((r) => [r.role, r.accepted, r.reason_code]), [
      ['main', true, null],
      ['prod', false, REASONS.CLAIM_MISSING],
    ]);
    const [main, prod] = roles;
    assert.equal(check(main, 'signature')?.passed, true);
    assert.deepEqual(check(main, 'bound_claim', 'ref'), { check: 'bound_claim', claim: 'ref', expected: 'refs/heads/main', actual: 'refs/heads/main', passed: true });
    assert.deepEqual(main.policies, ['default', 'deploy']);
    assert.deepEqual(main.metadata, { repository: 'acme/api', role: 'main' });
    assert.equal(main.replay, 'not checked: explain consumes nothing');
    const failed = check(prod, 'bound_claim', 'environment');
    assert.equal(failed?.passed, false);
    assert.equal(failed?.expected, 'production');
    assert.equal(failed?.reason_code, REASONS.CLAIM_MISSING);
    assert.equal(prod.error, 'error validating claims: claim "environment" is missing');
    assert.deepEqual(prod.policies, ['prod']);
    for (const name of ['signature', 'algorithm', 'audience', 'not_before', 'expiration', 'issued_at', 'user_claim']) {
      assert.ok(check(main, name), `check ${name} present`);
    }
  });

  it('records every failure, not only the first', async () => {
    const f = await mount();
    const [main] = await explain(f, { role: 'main', jwt: await sign(key, claimsAt(T0, { ref: 'refs/heads/dev', repository: 'evil/api', aud: 'x' })) });
    assert.equal(main.accepted, false);
    assert.equal(main.reason_code, REASONS.AUDIENCE);
    const failed = main.checks.filter((c) => !c.passed).map((c) => `${c.check}:${c.claim ?? ''}`);
    assert.deepEqual(failed, ['audience:aud', 'bound_claim:ref', 'bound_claim:repository']);
  });

  it('a bad signature is reported, and the claims are still evaluated (unverified)', async () => {
    const f = await mount();
    const [main] = await explain(f, { role: 'main', jwt: await sign(other, claimsAt(T0)) });
    assert.equal(main.accepted, false);
    assert.equal(main.reason_code, REASONS.SIGNATURE);
    assert.equal(check(main, 'signature')?.passed, false);
    assert.equal(check(main, 'bound_claim', 'ref')?.passed, true);
  });

  it('{claims}: evaluated as given, no signature check', async () => {
    const f = await mount();
    const roles = await explain(f, { claims: claimsAt(T0, { environment: 'production' }) });
    assert.deepEqual(roles.map((r) => r.accepted), [true, true]);
    assert.equal(check(roles[0], 'signature'), undefined);
    const [expired] = await explain(f, { role: 'prod', claims: claimsAt(T0, { environment: 'production', exp: T0 - 3600 }) });
    assert.equal(expired.reason_code, REASONS.EXPIRED);
  });

  it('consumes nothing: a single-use token still logs in after explain', async () => {
    const f = await mount();
    const jwt = await sign(key, claimsAt(T0, { jti: 'j2' }));
    await explain(f, { role: 'main', jwt });
    await explain(f, { role: 'main', jwt });
    await login(f, jwt, 'main');
    const [after] = await explain(f, { role: 'main', jwt });
    assert.equal(after.accepted, true, 'explain does not look at replay records');
  });

  it('an unknown role and bad input', async () => {
    const f = await mount();
    const [r] = await explain(f, { role: 'Nope', claims: {} });
    assert.equal(r.role, 'nope');
    assert.equal(r.reason_code, REASONS.ROLE_NOT_FOUND);
    assertError(await f.fail('update', 'explain', {}), 400, "exactly one of 'jwt' or 'claims' must be set");
    assertError(await f.fail('update', 'explain', { jwt: 'x', claims: {} }), 400, "exactly one of 'jwt' or 'claims' must be set");
    const g = await jwtMount();
    assertError(await g.fail('update', 'explain', { claims: {} }), 400, 'could not load configuration', REASONS.CONFIG_MISSING);
  });

  it('a malformed token stops the trace', async () => {
    const f = await mount();
    const [main] = await explain(f, { role: 'main', jwt: 'a.b' });
    assert.equal(main.reason_code, REASONS.MALFORMED);
    assert.equal(main.checks.at(-1)?.check, 'signature');
    assert.equal(main.metadata, undefined);
  });

  it('renders policies through the optional hook', async () => {
    const seen: unknown[] = [];
    const f = await mount({
      renderPolicies: async (policies, metadata) => {
        seen.push([policies, metadata]);
        return { rendered: policies.length };
      },
    });
    const [main] = await explain(f, { role: 'main', claims: claimsAt(T0) });
    assert.deepEqual(main.rendered_policies, { rendered: 2 });
    assert.deepEqual(seen, [[['default', 'deploy'], { repository: 'acme/api', role: 'main' }]]);
  });
});
