import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { REASONS } from './reasons.ts';
import { checkTimes, effectiveLeeways, readTimeClaims, type TimeClaims } from './times.ts';
import { T0, claimsAt, jwtMount, makeKey, sign, type TestKey } from './test-setup.ts';

const L = (cs: number, el: number, nl: number) => effectiveLeeways({ clock_skew_leeway: cs, expiration_leeway: el, not_before_leeway: nl });

describe('effective leeways', () => {
  it('0 means the default, negative means none', () => {
    assert.deepEqual(L(0, 0, 0), { clockSkew: 60, expiration: 150, notBefore: 150 });
    assert.deepEqual(L(-1, -1, -1), { clockSkew: 0, expiration: 0, notBefore: 0 });
    assert.deepEqual(L(5, 10, 20), { clockSkew: 5, expiration: 10, notBefore: 20 });
  });
});

describe('time checks (now = 1000)', () => {
  const now = 1000;
  // [name, claims, leeways, nbfOk, expOk, iatOk]
  const cases: [string, TimeClaims, ReturnType<typeof L>, boolean, boolean, boolean][] = [
    ['present exp gets only the clock skew: exp + 60 is still valid', { exp: 940 }, L(0, 0, 0), true, true, true],
    ['present exp + 61 is expired (the expiration leeway does not apply)', { exp: 939 }, L(0, 0, 0), true, false, true],
    ['no clock skew: exp == now is valid (inclusive)', { exp: 1000 }, L(-1, 0, 0), true, true, true],
    ['no clock skew: exp == now - 1 is expired', { exp: 999 }, L(-1, 0, 0), true, false, true],
    ['absent exp: iat + 150 + 60 still valid', { iat: 790 }, L(0, 0, 0), true, true, true],
    ['absent exp: iat + 150 + 61 expired', { iat: 789 }, L(0, 0, 0), true, false, true],
    ['absent exp uses max(iat, nbf)', { iat: 100, nbf: 790 }, L(0, 0, 0), true, true, true],
    ['absent exp with expiration leeway -1: exp = iat', { iat: 940 }, L(0, -1, 0), true, true, true],
    ['absent exp with expiration leeway -1: iat + 61 expired', { iat: 939 }, L(0, -1, 0), true, false, true],
    ['nbf in the future within the skew', { nbf: 1060, exp: 2000 }, L(0, 0, 0), true, true, true],
    ['nbf beyond the skew', { nbf: 1061, exp: 2000 }, L(0, 0, 0), false, true, true],
    ['absent nbf = iat', { iat: 1061, exp: 2000 }, L(0, 0, 0), false, true, false],
    ['absent nbf and iat: nbf = exp - 150', { exp: 1210 }, L(0, 0, 0), true, true, true],
    ['absent nbf and iat: exp - 150 beyond the skew', { exp: 1211 }, L(0, 0, 0), false, true, true],
    ['not-before leeway -1: nbf = exp', { exp: 1060 }, L(0, 0, -1), true, true, true],
    ['not-before leeway -1: nbf = exp beyond skew', { exp: 1061 }, L(0, 0, -1), false, true, true],
    ['custom clock skew 5', { exp: 995 }, L(5, 0, 0), true, true, true],
    ['custom clock skew 5 exceeded', { exp: 994 }, L(5, 0, 0), true, false, true],
    ['iat in the future beyond skew', { iat: 1061, nbf: 900, exp: 2000 }, L(0, 0, 0), true, true, false],
  ];
  for (const [name, claims, l, nbfOk, expOk, iatOk] of cases) {
    it(name, () => {
      const v = checkTimes(claims, now, l);
      assert.equal(v.present, true);
      assert.deepEqual({ nbfOk: v.nbfOk, expOk: v.expOk, iatOk: v.iatOk }, { nbfOk, expOk, iatOk });
    });
  }

  it('no time claims at all', () => {
    assert.equal(checkTimes({}, now, L(0, 0, 0)).present, false);
  });

  it('0 and null count as absent; fractions are truncated; strings are invalid', () => {
    assert.deepEqual(readTimeClaims({ iat: 0, nbf: null, exp: 10.9 }), { ok: true, value: { exp: 10 } });
    assert.deepEqual(readTimeClaims({ exp: '10' }), { ok: false, claim: 'exp' });
  });
});

describe('leeways at login', () => {
  let key: TestKey;
  before(async () => {
    key = await makeKey('ES256');
  });

  async function mount(leeways: Record<string, unknown>) {
    const f = await jwtMount();
    await f.call('update', 'config', { jwt_validation_pubkeys: [key.publicPem] });
    await f.call('update', 'role/ci', { role_type: 'jwt', user_claim: 'sub', bound_audiences: ['https://keep.example'], ...leeways });
    return f;
  }

  it('a present exp gets only the clock skew (boundary inclusive)', async () => {
    const f = await mount({});
    await f.call('update', 'login', { role: 'ci', jwt: await sign(key, claimsAt(T0, { exp: T0 - 60, nbf: undefined, iat: T0 - 300 })) });
    const err = await f.fail('update', 'login', { role: 'ci', jwt: await sign(key, claimsAt(T0, { exp: T0 - 61, nbf: undefined, iat: T0 - 300 })) });
    assert.equal(err.extra?.reason_code, REASONS.EXPIRED);
  });

  it('the expiration leeway applies only to an absent exp', async () => {
    const f = await mount({ expiration_leeway: '1h', clock_skew_leeway: -1 });
    await f.call('update', 'login', { role: 'ci', jwt: await sign(key, claimsAt(T0, { exp: undefined, nbf: undefined, iat: T0 - 3600 })) });
    const err = await f.fail('update', 'login', { role: 'ci', jwt: await sign(key, claimsAt(T0, { exp: T0 - 1, nbf: undefined, iat: T0 - 30 })) });
    assert.equal(err.extra?.reason_code, REASONS.EXPIRED);
  });

  it('role leeways read back as stored (-1 stays -1, 0 stays 0)', async () => {
    const f = await mount({ clock_skew_leeway: -1, expiration_leeway: 0, not_before_leeway: '2m' });
    const r = await f.call('read', 'role/ci');
    assert.equal(r?.data?.clock_skew_leeway, -1);
    assert.equal(r?.data?.expiration_leeway, 0);
    assert.equal(r?.data?.not_before_leeway, 120);
  });
});
