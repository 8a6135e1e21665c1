import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { DevIssuer } from './issuer.ts';
import { generateSigningKey, PlatformKeys } from './keys.ts';
import { PLATFORMS, checkPlatform, isPlatform, loadFixture } from './platforms.ts';

const BASE = 'http://127.0.0.1:8300';
let issuer: DevIssuer;
before(async () => {
  issuer = await DevIssuer.create({ baseUrl: `${BASE}/` });
});

test('every platform has a fixture; names are checked with the valid list', () => {
  for (const p of PLATFORMS) assert.equal(typeof loadFixture(p).claims, 'object');
  assert.equal(isPlatform('github'), true);
  assert.equal(isPlatform('travis'), false);
  assert.throws(() => checkPlatform('travis'), /unknown platform "travis"; valid platforms: github, gitlab, circleci, buildkite, bitbucket, azure, jenkins, gcb, kubernetes/);
});

test('issuer, discovery and JWKS URLs per platform', () => {
  assert.equal(issuer.baseUrl, BASE);
  assert.equal(issuer.issuerUrl('gitlab'), `${BASE}/gitlab`);
  assert.equal(issuer.discoveryUrl('gitlab'), `${BASE}/gitlab/.well-known/openid-configuration`);
  assert.equal(issuer.jwksUrl('gitlab'), `${BASE}/gitlab/.well-known/jwks.json`);
  assert.equal(issuer.actionsTokenUrl(), `${BASE}/github/actions-token?api-version=2.0`);
  assert.equal(issuer.nativeJwksPath('gitlab'), '/oauth/discovery/keys');
  assert.equal(issuer.nativeJwksPath('github'), '/.well-known/jwks');
  assert.equal(issuer.nativeJwksPath('circleci'), '/.well-known/jwks-pub.json');
  assert.equal(issuer.nativeJwksPath('gcb'), undefined);
});

test('discovery document shape (what the JWT method reads: issuer and jwks_uri)', () => {
  const d = issuer.discovery('github');
  assert.equal(d.issuer, `${BASE}/github`);
  assert.equal(d.jwks_uri, `${BASE}/github/.well-known/jwks.json`);
  assert.deepEqual(d.id_token_signing_alg_values_supported, ['RS256']);
  assert.ok(d.claims_supported.includes('repository'));
  assert.deepEqual(d.response_types_supported, ['id_token']);
});

test('JWKS shape: public RSA key with kid, alg and use; no private parts', () => {
  const jwks = issuer.jwks('github');
  assert.equal(jwks.keys.length, 1);
  const [k] = jwks.keys;
  assert.equal(k.kty, 'RSA');
  assert.equal(k.alg, 'RS256');
  assert.equal(k.use, 'sig');
  assert.equal(k.kid, issuer.currentKid('github'));
  assert.equal(typeof k.n, 'string');
  assert.equal(k.d, undefined);
  assert.equal(k.p, undefined);
});

test('minted tokens verify against their own platform JWKS, with the fixture header shape', async () => {
  for (const p of PLATFORMS) {
    const jwt = await issuer.mint(p);
    const header = decodeProtectedHeader(jwt);
    assert.equal(header.alg, loadFixture(p).alg, p);
    assert.equal(header.kid, issuer.currentKid(p), p);
    assert.equal(header.typ, loadFixture(p).header?.typ, p);
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(issuer.jwks(p)), { issuer: issuer.issuerUrl(p) });
    assert.equal(payload.iss, issuer.issuerUrl(p), p);
    // A token of one platform does not verify with another platform's keys.
    const other = p === 'github' ? 'gitlab' : 'github';
    await assert.rejects(jwtVerify(jwt, createLocalJWKSet(issuer.jwks(other))), p);
  }
});

test('mint: claim overrides keep the fixture types and aud is overridable', async () => {
  const jwt = await issuer.mint('github', { aud: 'https://keep.example.com', claimArgs: ['run_attempt=2', 'ref=refs/heads/feature-x'] });
  const c = decodeJwt(jwt);
  assert.equal(c.aud, 'https://keep.example.com');
  assert.equal(c.run_attempt, '2');
  assert.equal(c.ref, 'refs/heads/feature-x');
  assert.equal(c.sub, 'repo:keepdemo/payments-api:ref:refs/heads/feature-x');
  const bk = decodeJwt(await issuer.mint('buildkite', { claimArgs: ['build_number=7'] }));
  assert.equal(bk.build_number, 7);
  const cc = decodeJwt(await issuer.mint('circleci', { claimArgs: ['oidc.circleci.com/ssh-rerun=true'] }));
  assert.equal(cc['oidc.circleci.com/ssh-rerun'], true);
});

test('rotation: the new key signs, tokens of the old key still verify until drop_old', async () => {
  const old = issuer.currentKid('jenkins');
  const before = await issuer.mint('jenkins');
  const rotated = await issuer.rotate('jenkins');
  assert.notEqual(rotated.jenkins, old);
  assert.equal(issuer.currentKid('jenkins'), rotated.jenkins);
  assert.deepEqual(issuer.jwks('jenkins').keys.map((k) => k.kid), [rotated.jenkins, old]);
  const after = await issuer.mint('jenkins');
  assert.equal(decodeProtectedHeader(after).kid, rotated.jenkins);
  await jwtVerify(before, createLocalJWKSet(issuer.jwks('jenkins')));
  await jwtVerify(after, createLocalJWKSet(issuer.jwks('jenkins')));
  // Another rotation keeps only the key directly before.
  const second = await issuer.rotate('jenkins');
  assert.deepEqual(issuer.jwks('jenkins').keys.map((k) => k.kid), [second.jenkins, rotated.jenkins]);
  await assert.rejects(jwtVerify(before, createLocalJWKSet(issuer.jwks('jenkins'))));
  // drop_old publishes only the new key.
  const dropped = await issuer.rotate('jenkins', true);
  assert.deepEqual(issuer.jwks('jenkins').keys.map((k) => k.kid), [dropped.jenkins]);
  await assert.rejects(jwtVerify(after, createLocalJWKSet(issuer.jwks('jenkins'))));
  // Other platforms were not touched.
  assert.equal(issuer.jwks('github').keys.length, 1);
});

test('rotate() without a platform rotates all', async () => {
  const i = await DevIssuer.create({ baseUrl: BASE });
  const before = Object.fromEntries(PLATFORMS.map((p) => [p, i.currentKid(p)]));
  const rotated = await i.rotate();
  assert.deepEqual(Object.keys(rotated).sort(), [...PLATFORMS].sort());
  for (const p of PLATFORMS) assert.notEqual(i.currentKid(p), before[p]);
});

test('other algorithms: per-platform alg option (ES256, PS256, EdDSA)', async () => {
  const i = await DevIssuer.create({ baseUrl: BASE, algs: { jenkins: 'ES256', gitlab: 'PS256', kubernetes: 'EdDSA' } });
  for (const [p, alg, kty] of [['jenkins', 'ES256', 'EC'], ['gitlab', 'PS256', 'RSA'], ['kubernetes', 'EdDSA', 'OKP']] as const) {
    const jwt = await i.mint(p);
    assert.equal(decodeProtectedHeader(jwt).alg, alg);
    assert.equal(i.jwks(p).keys[0].kty, kty);
    await jwtVerify(jwt, createLocalJWKSet(i.jwks(p)));
  }
});

test('keys: unsupported algorithms are refused (no HMAC, no none)', async () => {
  await assert.rejects(generateSigningKey('HS256'), /unsupported signing algorithm "HS256"/);
  await assert.rejects(generateSigningKey('none'), /unsupported signing algorithm/);
  await assert.rejects(PlatformKeys.create('RS1'), /unsupported/);
});
