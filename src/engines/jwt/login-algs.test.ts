import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, createSign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CompactSign } from 'jose';
import { REASONS } from './reasons.ts';
import { ALL_ALGS } from './token.ts';
import { KeyServer, T0, assertError, b64, claimsAt, jwtMount, login, makeKey, sign, type Fixture, type TestKey } from './test-setup.ts';

const keys = new Map<string, TestKey>();
let server: KeyServer;

before(async () => {
  for (const alg of ALL_ALGS) keys.set(alg, await makeKey(alg));
  server = await new KeyServer().start();
  server.keys = [...keys.values()].map((k) => k.jwk);
});
after(() => server.close());

const role = { role_type: 'jwt', user_claim: 'sub', bound_audiences: ['https://keep.example'], bound_claims: { repository: 'acme/api' } };

async function staticMount(pems: string[], config: Record<string, unknown> = {}): Promise<Fixture> {
  const f = await jwtMount();
  await f.call('update', 'config', { jwt_validation_pubkeys: pems, ...config });
  await f.call('update', 'role/ci', role);
  return f;
}

async function jwksMount(): Promise<Fixture> {
  const f = await jwtMount();
  await f.call('update', 'config', { jwks_url: server.jwksUrl });
  await f.call('update', 'role/ci', role);
  return f;
}

describe('algorithms', () => {
  for (const alg of ALL_ALGS) {
    it(`${alg} with a static key and with a JWKS`, async () => {
      const k = keys.get(alg) as TestKey;
      const token = await sign(k, claimsAt(T0));
      const s = await staticMount([...keys.values()].map((x) => x.publicPem));
      await login(s, token, 'ci');
      const j = await jwksMount();
      await login(j, token, 'ci');
    });
  }

  it('jwt_supported_algs restricts the accepted algorithms', async () => {
    const f = await staticMount([...keys.values()].map((x) => x.publicPem), { jwt_supported_algs: ['ES256', 'EdDSA'] });
    await login(f, await sign(keys.get('ES256') as TestKey, claimsAt(T0)), 'ci');
    await login(f, await sign(keys.get('EdDSA') as TestKey, claimsAt(T0)), 'ci');
    const err = await f.fail('update', 'login', { role: 'ci', jwt: await sign(keys.get('PS384') as TestKey, claimsAt(T0)) });
    assertError(err, 400, 'error validating token: invalid algorithm (alg) header parameter: token signed with unexpected algorithm', REASONS.ALGORITHM);
  });

  it('an X.509 certificate PEM works as a static key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keep-jwt-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', '/CN=jwt', '-days', '1'], { stdio: 'ignore' });
      const cert = readFileSync(join(dir, 'c.pem'), 'utf8');
      const priv = readFileSync(join(dir, 'k.pem'), 'utf8');
      const header = b64({ alg: 'RS256', typ: 'JWT' });
      const payload = b64(claimsAt(T0));
      const sig = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(priv).toString('base64url');
      const f = await staticMount([cert]);
      await login(f, `${header}.${payload}.${sig}`, 'ci');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PKCS#1 RSA public keys are accepted', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const header = b64({ alg: 'RS512' });
    const payload = b64(claimsAt(T0));
    const sig = createSign('RSA-SHA512').update(`${header}.${payload}`).sign(privateKey).toString('base64url');
    await login(await staticMount([pem]), `${header}.${payload}.${sig}`, 'ci');
  });
});

describe('refused tokens', () => {
  it('alg none is never accepted (static keys and JWKS)', async () => {
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claimsAt(T0))}.`;
    for (const f of [await staticMount([(keys.get('RS256') as TestKey).publicPem]), await jwksMount()]) {
      const err = await f.fail('update', 'login', { role: 'ci', jwt: token });
      assert.equal(err.extra?.reason_code, REASONS.SIGNATURE);
      assert.match(err.message, /^error validating token: error verifying token signature: /);
    }
  });

  it('HS256 signed with the public key as the HMAC secret is refused', async () => {
    const k = keys.get('RS256') as TestKey;
    const forged = await new CompactSign(new TextEncoder().encode(JSON.stringify(claimsAt(T0))))
      .setProtectedHeader({ alg: 'HS256', kid: k.kid })
      .sign(new TextEncoder().encode(k.publicPem));
    const s = await staticMount([k.publicPem]);
    assertError(await s.fail('update', 'login', { role: 'ci', jwt: forged }), 400, 'error validating token: error verifying token signature: no known key successfully validated the token signature', REASONS.SIGNATURE);
    const j = await jwksMount();
    const hits = server.jwksHits;
    assertError(await j.fail('update', 'login', { role: 'ci', jwt: forged }), 400, 'error validating token: error verifying token signature: failed to verify id token signature', REASONS.SIGNATURE);
    assert.equal(server.jwksHits, hits, 'an HMAC token must not trigger a JWKS fetch');
  });

  it('a key of the wrong curve does not verify', async () => {
    const es384 = keys.get('ES384') as TestKey;
    const token = await sign(es384, claimsAt(T0), { alg: 'ES256' }).catch(() => undefined);
    assert.equal(token, undefined, 'jose refuses to sign ES256 with a P-384 key');
    const f = await staticMount([(keys.get('ES256') as TestKey).publicPem]);
    const err = await f.fail('update', 'login', { role: 'ci', jwt: await sign(es384, claimsAt(T0)) });
    assert.equal(err.extra?.reason_code, REASONS.SIGNATURE);
  });

  it('a 1 MB token is refused before parsing', async () => {
    const f = await staticMount([(keys.get('RS256') as TestKey).publicPem]);
    const big = await sign(keys.get('RS256') as TestKey, claimsAt(T0, { pad: 'x'.repeat(1024 * 1024) }));
    const err = await f.fail('update', 'login', { role: 'ci', jwt: big });
    assert.equal(err.status, 400);
    assert.equal(err.extra?.reason_code, REASONS.TOKEN_TOO_LARGE);
    assert.match(err.message, /^token is too large: \d+ bytes, the limit is 65536$/);
    // The server is unharmed: a normal login still works.
    await login(f, await sign(keys.get('RS256') as TestKey, claimsAt(T0)), 'ci');
  });

  it('a JWE (five parts) and a non-object payload are malformed', async () => {
    const f = await staticMount([(keys.get('RS256') as TestKey).publicPem]);
    assertError(await f.fail('update', 'login', { role: 'ci', jwt: 'a.b.c.d.e' }), 400, 'error validating token: error verifying token signature: oidc: malformed jwt: JWE tokens are not supported', REASONS.MALFORMED);
    const arr = await sign(keys.get('RS256') as TestKey, [1, 2]);
    const err = await f.fail('update', 'login', { role: 'ci', jwt: arr });
    assert.equal(err.extra?.reason_code, REASONS.MALFORMED);
  });

  it('claims of the wrong JSON type are refused', async () => {
    const f = await staticMount([(keys.get('RS256') as TestKey).publicPem]);
    const k = keys.get('RS256') as TestKey;
    assertError(await f.fail('update', 'login', { role: 'ci', jwt: await sign(k, claimsAt(T0, { exp: 'soon' })) }), 400, 'error validating token: claim "exp" has an invalid type', REASONS.MALFORMED);
    assertError(await f.fail('update', 'login', { role: 'ci', jwt: await sign(k, claimsAt(T0, { aud: 7 })) }), 400, 'error validating token: claim "aud" has an invalid type', REASONS.MALFORMED);
  });
});
