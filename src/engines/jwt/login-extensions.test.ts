import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { FetchResult } from './fetch.ts';
import { GITHUB_ISSUER } from './presets.ts';
import { REASONS } from './reasons.ts';
import { T0, assertError, claimsAt, jwtMount, login, makeKey, sign, type Fixture, type TestKey } from './test-setup.ts';

let k1: TestKey;
let k2: TestKey;
let gh: TestKey;

before(async () => {
  k1 = await makeKey('RS256');
  k2 = await makeKey('ES256');
  gh = await makeKey('RS256', 'gh-key');
});

const role = { role_type: 'jwt', user_claim: 'sub', bound_audiences: ['https://keep.example'], bound_claims: { repository: 'acme/api' } };

async function mount(roleExtra: Record<string, unknown> = {}, config?: Record<string, unknown>, f?: Fixture): Promise<Fixture> {
  const m = f ?? (await jwtMount());
  await m.call('update', 'config', config ?? { jwt_validation_pubkeys: [k1.publicPem] });
  await m.call('update', 'role/ci', { ...role, ...roleExtra });
  return m;
}

describe('jti_single_use', () => {
  it('a token logs in once; the replay is refused, also after a restart', async () => {
    const f = await mount({ jti_single_use: true });
    const jwt = await sign(k1, claimsAt(T0, { jti: 'job-1' }));
    await login(f, jwt, 'ci');
    const err = await f.fail('update', 'login', { role: 'ci', jwt });
    assertError(err, 400, 'error validating token: token has already been used (jti_single_use)', REASONS.REPLAY);
    assert.equal(err.extra?.claim, 'jti');
    const restarted = await jwtMount({ storage: f.storage, clock: f.clock });
    assert.equal((await restarted.fail('update', 'login', { role: 'ci', jwt })).extra?.reason_code, REASONS.REPLAY);
    await login(f, await sign(k1, claimsAt(T0, { jti: 'job-2' })), 'ci');
  });

  it('tokens without jti are keyed by their hash', async () => {
    const f = await mount({ jti_single_use: true });
    const jwt = await sign(k1, claimsAt(T0));
    await login(f, jwt, 'ci');
    assert.equal((await f.fail('update', 'login', { role: 'ci', jwt })).extra?.reason_code, REASONS.REPLAY);
    await login(f, await sign(k1, claimsAt(T0, { iat: T0 + 1 })), 'ci');
  });

  it('a rejected login consumes nothing (the replay check is last)', async () => {
    const f = await mount({ jti_single_use: true, bound_claims: { repository: 'acme/other' } });
    const jwt = await sign(k1, claimsAt(T0, { jti: 'job-3' }));
    assert.equal((await f.fail('update', 'login', { role: 'ci', jwt })).extra?.reason_code, REASONS.CLAIM_MISMATCH);
    await f.call('update', 'role/ci', { ...role, jti_single_use: true });
    await login(f, jwt, 'ci');
  });

  it('without jti_single_use a token may log in again', async () => {
    const f = await mount();
    const jwt = await sign(k1, claimsAt(T0, { jti: 'job-4' }));
    await login(f, jwt, 'ci');
    await login(f, jwt, 'ci');
  });
});

describe('claims_condition', () => {
  it('true passes, false and errors are KEEP_E_CONDITION', async () => {
    const f = await mount({ claims_condition: 'claims.ref == "refs/heads/main" && claims.exp - now <= 3600' });
    await login(f, await sign(k1, claimsAt(T0)), 'ci');
    const no = await f.fail('update', 'login', { role: 'ci', jwt: await sign(k1, claimsAt(T0, { ref: 'refs/heads/dev' })) });
    assertError(no, 400, 'error validating claims: claims_condition is not satisfied', REASONS.CONDITION);
    const broken = await f.fail('update', 'login', { role: 'ci', jwt: await sign(k1, claimsAt(T0, { ref: undefined })) });
    assertError(broken, 400, 'error validating claims: claims_condition could not be evaluated', REASONS.CONDITION);
  });

  it('literal claim names with dots and slashes', async () => {
    const f = await mount({ claims_condition: 'claims["oidc.circleci.com/vcs-ref"] == "refs/heads/main"' });
    await login(f, await sign(k1, claimsAt(T0, { 'oidc.circleci.com/vcs-ref': 'refs/heads/main' })), 'ci');
  });

  it('the condition is checked after the bound claims', async () => {
    const f = await mount({ claims_condition: 'false' });
    const err = await f.fail('update', 'login', { role: 'ci', jwt: await sign(k1, claimsAt(T0, { repository: 'x/y' })) });
    assert.equal(err.extra?.reason_code, REASONS.CLAIM_MISMATCH);
  });
});

describe('issuers and bound_issuers', () => {
  const config = () => ({
    issuers: [
      { issuer: 'https://one.example', jwt_validation_pubkeys: [k1.publicPem] },
      { issuer: 'https://two.example', jwt_validation_pubkeys: [k2.publicPem], bound_audiences: ['two-aud'] },
    ],
  });

  it("the token's iss selects the issuer's keys", async () => {
    const f = await mount({}, config());
    await login(f, await sign(k1, claimsAt(T0, { iss: 'https://one.example' })), 'ci');
    await login(f, await sign(k2, claimsAt(T0, { iss: 'https://two.example', aud: ['https://keep.example', 'two-aud'] })), 'ci');
    // Signed by issuer one's key but claiming issuer two: verified with two's keys, refused.
    const forged = await f.fail('update', 'login', { role: 'ci', jwt: await sign(k1, claimsAt(T0, { iss: 'https://two.example' })) });
    assert.equal(forged.extra?.reason_code, REASONS.SIGNATURE);
  });

  it('an unknown iss is KEEP_E_ISSUER; with top-level keys it falls back to them', async () => {
    const f = await mount({}, config());
    const err = await f.fail('update', 'login', { role: 'ci', jwt: await sign(k1, claimsAt(T0, { iss: 'https://three.example' })) });
    assertError(err, 400, 'error validating token: invalid issuer (iss) claim', REASONS.ISSUER);
    const g = await mount({}, { ...config(), jwt_validation_pubkeys: [k1.publicPem] });
    await login(g, await sign(k1, claimsAt(T0, { iss: 'https://three.example' })), 'ci');
    const h = await mount({}, { ...config(), jwt_validation_pubkeys: [k1.publicPem], bound_issuer: 'https://top.example' });
    assert.equal((await h.fail('update', 'login', { role: 'ci', jwt: await sign(k1, claimsAt(T0, { iss: 'https://three.example' })) })).extra?.reason_code, REASONS.ISSUER);
  });

  it("an issuer entry's bound_audiences must also match", async () => {
    const f = await mount({}, config());
    const err = await f.fail('update', 'login', { role: 'ci', jwt: await sign(k2, claimsAt(T0, { iss: 'https://two.example' })) });
    assertError(err, 400, 'error validating token: invalid audience (aud) claim: audience claim does not match any expected audience', REASONS.AUDIENCE);
  });

  it('bound_issuers restricts a role to some issuers', async () => {
    const f = await mount({ bound_issuers: ['https://one.example'] }, config());
    await login(f, await sign(k1, claimsAt(T0, { iss: 'https://one.example' })), 'ci');
    const err = await f.fail('update', 'login', {
      role: 'ci',
      jwt: await sign(k2, claimsAt(T0, { iss: 'https://two.example', aud: ['https://keep.example', 'two-aud'] })),
    });
    assertError(err, 400, 'error validating token: invalid issuer (iss) claim', REASONS.ISSUER);
  });
});

describe('token_expires_with_jwt', () => {
  it("caps the explicit max TTL at the JWT's remaining life", async () => {
    const f = await mount({ token_expires_with_jwt: true });
    assert.equal((await login(f, await sign(k1, claimsAt(T0, { exp: T0 + 300 })), 'ci')).explicitMaxTTL, 300);
    await f.call('update', 'role/ci', { ...role, token_expires_with_jwt: true, token_explicit_max_ttl: 60 });
    assert.equal((await login(f, await sign(k1, claimsAt(T0, { exp: T0 + 300 })), 'ci')).explicitMaxTTL, 60);
  });

  it('a token inside the clock skew past its exp has nothing left', async () => {
    const f = await mount({ token_expires_with_jwt: true });
    const err = await f.fail('update', 'login', { role: 'ci', jwt: await sign(k1, claimsAt(T0, { exp: T0 - 10, nbf: T0 - 100, iat: T0 - 100 })) });
    assertError(err, 400, 'error validating token: invalid expiration time (exp) claim: token is expired', REASONS.EXPIRED);
    const plain = await mount();
    assert.equal((await login(plain, await sign(k1, claimsAt(T0, { exp: T0 - 10, nbf: T0 - 100, iat: T0 - 100 })), 'ci')).explicitMaxTTL, 0);
  });
});

describe('attribution', () => {
  // From shared/fixtures/claims/github-actions.json.
  const fixture = {
    claims: {
      jti: 'b4f1e7a2-3c9d-4e58-a0b6-5d2c8f1e9a37',
      sub: 'repo:keepdemo/payments-api:ref:refs/heads/main',
      aud: 'https://github.com/keepdemo',
      ref: 'refs/heads/main',
      sha: '2f7c9e4b1a8d3f6e0c5b9a7d4e1f8c2b6a3d0e9f',
      repository: 'keepdemo/payments-api',
      repository_owner: 'keepdemo',
      repository_id: '734500112',
      run_id: '11223344556',
      run_attempt: '1',
      actor: 'dev-alice',
      workflow_ref: 'keepdemo/payments-api/.github/workflows/deploy.yml@refs/heads/main',
      ref_type: 'branch',
      iss: GITHUB_ISSUER,
    },
  };
  const get = async (url: string): Promise<FetchResult> => {
    const body = url.endsWith('/.well-known/openid-configuration') ? { issuer: GITHUB_ISSUER, jwks_uri: `${GITHUB_ISSUER}/.well-known/jwks` } : { keys: [gh.jwk] };
    return { status: 200, statusText: '200 OK', body: JSON.stringify(body) };
  };

  it('adds ci_* metadata for a recognised platform (token metadata only)', async () => {
    const f = await jwtMount({ get });
    await f.call('update', 'config', { preset: 'github' });
    await f.call('update', 'role/ci', {
      role_type: 'jwt',
      user_claim: 'repository',
      bound_audiences: 'https://github.com/keepdemo',
      bound_claims: { repository_id: '734500112' },
      claim_mappings: { repository: 'repository' },
    });
    const claims = { ...fixture.claims, iat: T0, nbf: T0 - 600, exp: T0 + 300 };
    const auth = await login(f, await sign(gh, claims), 'ci');
    assert.equal(auth.metadata.ci_platform, 'github');
    assert.equal(auth.metadata.ci_repository, 'keepdemo/payments-api');
    assert.equal(auth.metadata.ci_ref, 'refs/heads/main');
    assert.equal(auth.metadata.ci_run_id, '11223344556');
    assert.equal(auth.metadata.role, 'ci');
    assert.equal(auth.metadata.repository, 'keepdemo/payments-api');
    assert.deepEqual(auth.alias?.metadata, { repository: 'keepdemo/payments-api', role: 'ci' });
  });

  it('no ci_* keys for an unrecognised issuer', async () => {
    const f = await mount();
    const auth = await login(f, await sign(k1, claimsAt(T0)), 'ci');
    assert.deepEqual(auth.metadata, { role: 'ci' });
  });
});

describe('renewal hook', () => {
  it("re-reads the role: current token_ttl / token_max_ttl / token_period; a deleted role fails", async () => {
    const f = await mount({ token_ttl: 60, token_max_ttl: 600 });
    const auth = await login(f, await sign(k1, claimsAt(T0)), 'ci');
    const renew = f.backend.authRenew;
    assert.ok(renew);
    assert.deepEqual(await renew(auth.internalData), { ttl: 60, maxTTL: 600, period: 0 });
    await f.call('update', 'role/ci', { ...role, token_ttl: 120, token_period: 300 });
    assert.deepEqual(await renew(auth.internalData), { ttl: 120, maxTTL: 600, period: 300 });
    await f.call('delete', 'role/ci');
    await assert.rejects(renew(auth.internalData), { message: 'role ci does not exist during renewal' });
    await assert.rejects(renew({}), { message: 'failed to fetch role_name during renewal' });
  });
});
