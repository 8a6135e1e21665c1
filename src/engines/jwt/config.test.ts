import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FetchResult } from './fetch.ts';
import { GITHUB_ISSUER } from './presets.ts';
import { KeyServer, assertError, jwtMount, makeKey, type TestKey } from './test-setup.ts';

let key: TestKey;
let server: KeyServer;

before(async () => {
  key = await makeKey('RS256');
  server = await new KeyServer().start();
  server.keys = [key.jwk];
});
after(() => server.close());

/** A fetch stub that answers for GitHub's issuer (no real network in tests) and the local server. */
async function fakeGet(url: string): Promise<FetchResult> {
  if (url === `${GITHUB_ISSUER}/.well-known/openid-configuration`) {
    return { status: 200, statusText: '200 OK', body: JSON.stringify({ issuer: GITHUB_ISSUER, jwks_uri: `${GITHUB_ISSUER}/.well-known/jwks` }) };
  }
  if (url === `${GITHUB_ISSUER}/.well-known/jwks`) return { status: 200, statusText: '200 OK', body: JSON.stringify({ keys: [key.jwk] }) };
  const { httpGet } = await import('./fetch.ts');
  return httpGet(url);
}

const EXACTLY_ONE = "exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or 'oidc_discovery_url' must be set";

describe('config validation (Vault order and messages)', () => {
  it('exactly one key source', async () => {
    const f = await jwtMount();
    assertError(await f.fail('update', 'config', {}), 400, EXACTLY_ONE);
    assertError(await f.fail('update', 'config', { jwks_url: server.jwksUrl, jwt_validation_pubkeys: [key.publicPem] }), 400, EXACTLY_ONE);
    assertError(await f.fail('update', 'config', { oidc_discovery_url: server.base, jwks_url: server.jwksUrl }), 400, EXACTLY_ONE);
  });

  it('the exactly-one rule comes before everything else', async () => {
    const f = await jwtMount();
    assertError(await f.fail('update', 'config', { oidc_client_id: 'x', jwt_supported_algs: ['HS256'] }), 400, EXACTLY_ONE);
  });

  it('client id and secret go together (checked before the discovery probe)', async () => {
    const f = await jwtMount();
    const msg = "both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC";
    assertError(await f.fail('update', 'config', { oidc_discovery_url: 'http://127.0.0.1:1', oidc_client_id: 'a' }), 400, msg);
    assertError(await f.fail('update', 'config', { oidc_discovery_url: 'http://127.0.0.1:1', oidc_client_secret: 'a' }), 400, msg);
  });

  it('discovery probe', async () => {
    const f = await jwtMount();
    await f.call('update', 'config', { oidc_discovery_url: server.base });
    const mismatch = await f.fail('update', 'config', { oidc_discovery_url: `${server.base}/` });
    assertError(mismatch, 400, 'error checking oidc discovery URL');
    assert.match(String(mismatch.extra?.cause), /issuer did not match/);
    assertError(await f.fail('update', 'config', { oidc_discovery_url: 'http://127.0.0.1:1' }), 400, 'error checking oidc discovery URL');
    // Client credentials with discovery (OIDC flow mode) are accepted.
    await f.call('update', 'config', { oidc_discovery_url: server.base, oidc_client_id: 'id', oidc_client_secret: 's' });
  });

  it('client credentials need discovery', async () => {
    const f = await jwtMount();
    const err = await f.fail('update', 'config', { jwks_url: 'http://127.0.0.1:1/keys', oidc_client_id: 'a', oidc_client_secret: 'b' });
    assertError(err, 400, "'oidc_discovery_url' must be set for OIDC");
  });

  it('jwks_pairs rules', async () => {
    const f = await jwtMount();
    const pairs = [{ jwks_url: server.jwksUrl }];
    assertError(await f.fail('update', 'config', { jwks_pairs: pairs, jwks_ca_pem: 'x' }), 400, "CA PEMs must be provided as part of the 'jwks_pairs' when using multiple JWKS URLs");
    assertError(await f.fail('update', 'config', { jwks_pairs: pairs, bound_issuer: 'x' }), 400, "Bound issuer is not supported for use with 'jwks_pairs'");
    const err = await f.fail('update', 'config', { jwks_pairs: pairs });
    assert.match(err.message, /^invalid jwks_pairs: /);
  });

  it('JWKS probe and CA', async () => {
    const f = await jwtMount();
    await f.call('update', 'config', { jwks_url: server.jwksUrl });
    assertError(await f.fail('update', 'config', { jwks_url: `${server.base}/nothing` }), 400, `error checking jwks URL ${server.base}/nothing`);
    assertError(await f.fail('update', 'config', { jwks_url: server.jwksUrl, jwks_ca_pem: 'not a pem' }), 400, 'error checking jwks_ca_pem');
  });

  it('public keys are parsed', async () => {
    const f = await jwtMount();
    assertError(await f.fail('update', 'config', { jwt_validation_pubkeys: ['garbage'] }), 400, 'error parsing public key: no data found in PEM block');
    const priv = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    assertError(await f.fail('update', 'config', { jwt_validation_pubkeys: [priv] }), 400, 'error parsing public key: data does not contain any valid public keys');
    const broken = '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----';
    assertError(await f.fail('update', 'config', { jwt_validation_pubkeys: [key.publicPem, broken] }), 400, 'error parsing public key: data does not contain any valid public keys');
  });

  it('key parsing comes before the algorithm check', async () => {
    const f = await jwtMount();
    assertError(await f.fail('update', 'config', { jwt_validation_pubkeys: ['garbage'], jwt_supported_algs: ['HS256'] }), 400, 'error parsing public key: no data found in PEM block');
  });

  it('jwt_supported_algs, response types and mode', async () => {
    const f = await jwtMount();
    const base = { jwt_validation_pubkeys: [key.publicPem] };
    assertError(await f.fail('update', 'config', { ...base, jwt_supported_algs: ['RS256', 'HS256'] }), 400, 'invalid jwt_supported_algs: unsupported signing algorithm "HS256"');
    assertError(await f.fail('update', 'config', { ...base, jwt_supported_algs: 'none' }), 400, 'invalid jwt_supported_algs: unsupported signing algorithm "none"');
    assertError(await f.fail('update', 'config', { ...base, oidc_response_types: ['code', 'token'] }), 400, "invalid response_types [code token]. 'code' and 'id_token' are allowed");
    assertError(await f.fail('update', 'config', { ...base, oidc_response_types: 'id_token' }), 400, 'query response_mode may not be used with an id_token response_type');
    assertError(await f.fail('update', 'config', { ...base, oidc_response_mode: 'fragment' }), 400, 'invalid response_mode: "fragment"');
    await f.call('update', 'config', { ...base, oidc_response_types: 'id_token', oidc_response_mode: 'form_post', jwt_supported_algs: 'RS256,EdDSA' });
  });
});

describe('config read and replace', () => {
  it('an unconfigured mount reads as nothing (404)', async () => {
    const f = await jwtMount();
    assert.equal(await f.call('read', 'config'), undefined);
  });

  it("reads back Vault's shape without the secret; writes replace the whole config", async () => {
    const f = await jwtMount();
    await f.call('update', 'config', { oidc_discovery_url: server.base, oidc_client_id: 'id', oidc_client_secret: 'shh', default_role: 'GHA', bound_issuer: server.base });
    const r = await f.call('read', 'config');
    assert.deepEqual(r?.data, {
      bound_issuer: server.base,
      default_role: 'gha',
      jwks_ca_pem: '',
      jwks_pairs: [],
      jwks_url: '',
      jwt_supported_algs: [],
      jwt_validation_pubkeys: [],
      namespace_in_state: true,
      oidc_client_id: 'id',
      oidc_discovery_ca_pem: '',
      oidc_discovery_url: server.base,
      oidc_response_mode: '',
      oidc_response_types: [],
      provider_config: {},
      unsupported_critical_cert_extensions: [],
    });
    await f.call('update', 'config', { jwks_url: server.jwksUrl, namespace_in_state: false });
    await f.call('update', 'config', { jwks_url: server.jwksUrl });
    const r2 = await f.call('read', 'config');
    assert.equal(r2?.data?.default_role, '');
    assert.equal(r2?.data?.oidc_client_id, '');
    assert.equal(r2?.data?.namespace_in_state, false, 'kept when omitted on update');
  });
});

describe('Keep: preset and issuers', () => {
  it('preset github supplies discovery and the issuer; read shows preset only when set', async () => {
    const f = await jwtMount({ get: fakeGet });
    await f.call('update', 'config', { preset: 'github' });
    const r = await f.call('read', 'config');
    assert.equal(r?.data?.preset, 'github');
    assert.equal(r?.data?.oidc_discovery_url, '');
    assert.equal('issuers' in (r?.data ?? {}), false);
  });

  it('preset errors name the parameter', async () => {
    const f = await jwtMount({ get: fakeGet });
    const err = await f.fail('update', 'config', { preset: 'gitlab' });
    assertError(err, 400, 'preset "gitlab" requires gitlab_url');
    assert.equal(err.extra?.field, 'gitlab_url');
    assert.match((await f.fail('update', 'config', { preset: 'jenkins' })).message, /^unknown preset "jenkins"/);
  });

  it('explicit fields beside a preset win; unused preset parameters warn', async () => {
    const f = await jwtMount({ get: fakeGet });
    const r = await f.call('update', 'config', { preset: 'github', jwks_url: server.jwksUrl, org_id: 'x' });
    assert.deepEqual(r?.warnings, ['preset "github" does not use org_id; it was ignored']);
    assert.equal((await f.call('read', 'config'))?.data?.jwks_url, server.jwksUrl);
  });

  it('issuers: several trusted issuers; the top level may have no key source', async () => {
    const f = await jwtMount({ get: fakeGet });
    const issuers = [
      { preset: 'github' },
      { oidc_discovery_url: server.base, bound_audiences: 'a,b' },
      { issuer: 'https://static.example', jwt_validation_pubkeys: key.publicPem },
    ];
    await f.call('update', 'config', { issuers });
    const r = await f.call('read', 'config');
    assert.deepEqual(r?.data?.issuers, [
      { preset: 'github' },
      { oidc_discovery_url: server.base, bound_audiences: ['a', 'b'] },
      { issuer: 'https://static.example', jwt_validation_pubkeys: [key.publicPem] },
    ]);
    const stored = await f.backend.state.getConfig();
    assert.deepEqual(
      stored?.issuers.map((e) => e.resolved_issuer),
      [GITHUB_ISSUER, server.base, 'https://static.example'],
    );
  });

  it('issuers validation names the entry', async () => {
    const f = await jwtMount({ get: fakeGet });
    const fail = (issuers: unknown) => f.fail('update', 'config', { issuers });
    assertError(await fail('x'), 400, 'invalid issuers: expected a list of objects');
    assertError(await fail(['x']), 400, 'invalid issuers[0]: expected an object');
    assertError(await fail([{ issuer: 'a', jwks_url: server.jwksUrl, colour: 'red' }]), 400, 'invalid issuers[0]: unknown field "colour"');
    assertError(await fail([{ issuer: 7 }]), 400, 'invalid issuers[0]: field "issuer" must be a string');
    assertError(
      await fail([{ issuer: 'a' }]),
      400,
      "invalid issuers[0]: exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set (unless a preset supplies discovery)",
    );
    assertError(
      await fail([{ issuer: 'a', jwks_url: server.jwksUrl, oidc_discovery_url: server.base }]),
      400,
      "invalid issuers[0]: exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set (unless a preset supplies discovery)",
    );
    assertError(await fail([{ jwks_url: server.jwksUrl }]), 400, "invalid issuers[0]: 'issuer' must be set unless 'oidc_discovery_url' or a preset supplies it");
    assertError(await fail([{ preset: 'github' }, { oidc_discovery_url: 'http://127.0.0.1:1' }]), 400, 'invalid issuers[1]: error checking oidc discovery URL');
    assertError(await fail([{ issuer: 'a', jwks_url: `${server.base}/nothing` }]), 400, `invalid issuers[0]: error checking jwks URL ${server.base}/nothing`);
    assertError(await fail([{ issuer: 'a', jwt_validation_pubkeys: ['x'] }]), 400, 'invalid issuers[0]: error parsing public key: no data found in PEM block');
    assertError(await fail([{ preset: 'gitlab' }]), 400, 'invalid issuers[0]: preset "gitlab" requires gitlab_url');
    assertError(
      await fail([{ preset: 'github' }, { issuer: GITHUB_ISSUER, jwks_url: server.jwksUrl }]),
      400,
      `invalid issuers[1]: issuer "${GITHUB_ISSUER}" is listed more than once`,
    );
    // With issuers, two top-level sources are still refused.
    assertError(
      await f.fail('update', 'config', { issuers: [{ preset: 'github' }], jwks_url: server.jwksUrl, jwt_validation_pubkeys: [key.publicPem] }),
      400,
      EXACTLY_ONE,
    );
  });
});
