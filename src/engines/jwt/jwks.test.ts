import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { UNKNOWN_KID_COOLDOWN_MS, BAD_SIGNATURE_COOLDOWN_MS } from './jwks.ts';
import { REASONS } from './reasons.ts';
import { KeyServer, assertError, claimsAt, jwtMount, login, makeKey, sign, type Fixture, type TestKey } from './test-setup.ts';

let a: TestKey;
let b: TestKey;
let server: KeyServer;

before(async () => {
  a = await makeKey('RS256', 'key-a');
  b = await makeKey('RS256', 'key-b');
  server = await new KeyServer().start();
});
after(() => server.close());
beforeEach(() => {
  server.keys = [a.jwk];
  server.failStatus = 0;
  server.hang = false;
  server.delayMs = 0;
  server.issuerOverride = undefined;
});

const role = { role_type: 'jwt', user_claim: 'sub', bound_audiences: ['https://keep.example'] };

async function mount(config: Record<string, unknown> = { jwks_url: '' }, opts: Parameters<typeof jwtMount>[0] = {}): Promise<Fixture> {
  const f = await jwtMount(opts);
  await f.call('update', 'config', config.jwks_url === '' ? { jwks_url: server.jwksUrl } : config);
  await f.call('update', 'role/ci', role);
  return f;
}

const token = (k: TestKey, f: Fixture, extra: Record<string, unknown> = {}) => sign(k, claimsAt(Math.floor(f.clock.now / 1000), extra));

describe('JWKS cache', () => {
  it('fetches lazily, once, and keeps the keys', async () => {
    const f = await mount();
    const hits = server.jwksHits; // the config write probed once
    await login(f, await token(a, f), 'ci');
    await login(f, await token(a, f), 'ci');
    assert.equal(server.jwksHits, hits + 1);
  });

  it('picks up a rotated key on the first token with an unknown kid (no restart)', async () => {
    const f = await mount();
    await login(f, await token(a, f), 'ci');
    f.clock.now += UNKNOWN_KID_COOLDOWN_MS;
    server.keys = [b.jwk];
    const hits = server.jwksHits;
    await login(f, await token(b, f), 'ci');
    assert.equal(server.jwksHits, hits + 1);
    // The old key is gone from the issuer and from the cache.
    f.clock.now += UNKNOWN_KID_COOLDOWN_MS;
    const err = await f.fail('update', 'login', { role: 'ci', jwt: await token(a, f) });
    assertError(err, 400, 'error validating token: error verifying token signature: failed to verify id token signature', REASONS.KEY_NOT_FOUND);
  });

  it('a key rotated right after a fetch is picked up (the refetch waits out the minimum interval)', async () => {
    const f = await mount();
    await login(f, await token(a, f), 'ci');
    server.keys = [a.jwk, b.jwk];
    const hits = server.jwksHits;
    await login(f, await token(b, f), 'ci');
    assert.equal(server.jwksHits, hits + 1);
  });

  it('a delayed refetch does not block later ones (regression: stale in-flight result)', async () => {
    const f = await mount();
    await login(f, await token(a, f), 'ci');
    const hits = server.jwksHits;
    // Unknown kid within the minimum interval: the refetch is delayed, happens, and misses.
    assert.equal((await f.fail('update', 'login', { role: 'ci', jwt: await token(b, f) })).extra?.reason_code, REASONS.KEY_NOT_FOUND);
    assert.equal(server.jwksHits, hits + 1);
    server.keys = [a.jwk, b.jwk];
    f.clock.now += UNKNOWN_KID_COOLDOWN_MS;
    await login(f, await token(b, f), 'ci');
    assert.equal(server.jwksHits, hits + 2);
  });

  it('rate-limits refetches for a kid that stays unknown (cooldown per kid and issuer)', async () => {
    const f = await mount();
    await login(f, await token(a, f), 'ci');
    f.clock.now += UNKNOWN_KID_COOLDOWN_MS;
    const hits = server.jwksHits;
    const err = await f.fail('update', 'login', { role: 'ci', jwt: await token(b, f) });
    assert.equal(err.extra?.reason_code, REASONS.KEY_NOT_FOUND);
    assert.equal(server.jwksHits, hits + 1, 'one refetch for the unknown kid');
    const again = await f.fail('update', 'login', { role: 'ci', jwt: await token(b, f) });
    assert.equal(again.extra?.reason_code, REASONS.KEY_NOT_FOUND);
    assert.equal(server.jwksHits, hits + 1, 'no refetch for the same unknown kid within the cooldown');
    server.keys = [a.jwk, b.jwk];
    f.clock.now += UNKNOWN_KID_COOLDOWN_MS;
    await login(f, await token(b, f), 'ci');
    assert.equal(server.jwksHits, hits + 2);
  });

  it('a bad signature under a known kid refetches only after the longer cooldown', async () => {
    const f = await mount();
    await login(f, await token(a, f), 'ci');
    const forged = await sign(b, claimsAt(Math.floor(f.clock.now / 1000)), { kid: 'key-a' });
    f.clock.now += UNKNOWN_KID_COOLDOWN_MS;
    const hits = server.jwksHits;
    assert.equal((await f.fail('update', 'login', { role: 'ci', jwt: forged })).extra?.reason_code, REASONS.SIGNATURE);
    assert.equal(server.jwksHits, hits);
    f.clock.now += BAD_SIGNATURE_COOLDOWN_MS;
    assert.equal((await f.fail('update', 'login', { role: 'ci', jwt: forged })).extra?.reason_code, REASONS.SIGNATURE);
    assert.equal(server.jwksHits, hits + 1);
  });

  it('concurrent logins share one fetch (single flight)', async () => {
    const f = await mount();
    server.delayMs = 50;
    const hits = server.jwksHits;
    const jwt = await token(a, f);
    const results = await Promise.all(Array.from({ length: 10 }, () => f.call('update', 'login', { role: 'ci', jwt })));
    assert.equal(results.filter((r) => r?.auth).length, 10);
    assert.equal(server.jwksHits, hits + 1);
  });

  it('serves stale keys while the issuer is down', async () => {
    const f = await mount();
    await login(f, await token(a, f), 'ci');
    server.failStatus = 500;
    await login(f, await token(a, f), 'ci');
    f.clock.now += UNKNOWN_KID_COOLDOWN_MS;
    const err = await f.fail('update', 'login', { role: 'ci', jwt: await token(b, f) });
    assertError(
      err,
      400,
      'error validating token: error verifying token signature: fetching keys oidc: get keys failed: 500 Internal Server Error issuer is down',
      REASONS.JWKS_UNAVAILABLE,
    );
    await login(f, await token(a, f), 'ci');
  });

  it('a hanging JWKS endpoint gives a clear error in bounded time', async () => {
    const f = await mount(undefined, { fetchTimeoutMs: 200 });
    server.hang = true;
    const err = await f.fail('update', 'login', { role: 'ci', jwt: await token(a, f) });
    assert.equal(err.extra?.reason_code, REASONS.JWKS_UNAVAILABLE);
    assert.match(err.message, /^error validating token: error verifying token signature: fetching keys oidc: get keys failed Get "http:\/\/127\.0\.0\.1:\d+\/keys": context deadline exceeded/);
    // Within the cooldown, further logins get the same error without waiting again.
    const again = await f.fail('update', 'login', { role: 'ci', jwt: await token(a, f) });
    assert.equal(again.message, err.message);
  });

  it('a JWKS that is not a key set is reported', async () => {
    const f = await jwtMount();
    const err = await f.fail('update', 'config', { jwks_url: `${server.base}/.well-known/openid-configuration` });
    assertError(err, 400, `error checking jwks URL ${server.base}/.well-known/openid-configuration`);
    assert.match(String(err.extra?.cause), /oidc: failed to decode keys: no "keys" array/);
  });
});

describe('discovery', () => {
  it('fetches the discovery document once per config (primed by the write)', async () => {
    const d0 = server.discoveryHits;
    const f = await mount({ oidc_discovery_url: server.base });
    assert.equal(server.discoveryHits, d0 + 1);
    await login(f, await token(a, f), 'ci');
    await login(f, await token(a, f), 'ci');
    assert.equal(server.discoveryHits, d0 + 1);
    // A restart (new backend over the same storage) resolves it again, once.
    const g = await jwtMount({ storage: f.storage, clock: f.clock });
    await login(g, await token(a, g), 'ci');
    await login(g, await token(a, g), 'ci');
    assert.equal(server.discoveryHits, d0 + 2);
  });

  it('a discovery document that no longer matches is a step-7 error at login', async () => {
    const f = await mount({ oidc_discovery_url: server.base });
    server.issuerOverride = 'https://someone-else';
    const g = await jwtMount({ storage: f.storage, clock: f.clock });
    const err = await g.fail('update', 'login', { role: 'ci', jwt: await token(a, g) });
    assert.equal(err.extra?.reason_code, REASONS.JWKS_UNAVAILABLE);
    assert.equal(
      err.message,
      `error configuring token validator: oidc: issuer did not match the issuer returned by provider, expected ${JSON.stringify(server.base)} got "https://someone-else"`,
    );
  });

  it('a config write resets the caches', async () => {
    const f = await mount();
    await login(f, await token(a, f), 'ci');
    const hits = server.jwksHits;
    await f.call('update', 'config', { jwks_url: server.jwksUrl });
    assert.equal(server.jwksHits, hits + 1, 'probe');
    await login(f, await token(a, f), 'ci');
    assert.equal(server.jwksHits, hits + 2, 'fresh cache after the write');
  });
});
