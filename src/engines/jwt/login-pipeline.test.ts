import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { REASONS } from './reasons.ts';
import { T0, assertError, b64, claimsAt, jwtMount, login, makeKey, sign, type Fixture, type TestKey } from './test-setup.ts';

let key: TestKey;
let other: TestKey;

before(async () => {
  key = await makeKey('RS256');
  other = await makeKey('RS256');
});

async function setup(role: Record<string, unknown> = {}, config: Record<string, unknown> = {}): Promise<Fixture> {
  const f = await jwtMount();
  await f.call('update', 'config', { jwt_validation_pubkeys: [key.publicPem], ...config });
  await f.call('update', 'role/ci', {
    role_type: 'jwt',
    user_claim: 'sub',
    bound_audiences: ['https://keep.example'],
    bound_claims: { repository: 'acme/api' },
    token_policies: ['ci-read'],
    ...role,
  });
  return f;
}

const tokenFor = (extra: Record<string, unknown> = {}, k: TestKey = key) => sign(k, claimsAt(T0, extra));

describe('login pipeline: steps 1-8 in order', () => {
  it('1: no config', async () => {
    const f = await jwtMount();
    assertError(await f.fail('update', 'login', { role: 'ci', jwt: 'x' }), 400, 'could not load configuration', REASONS.CONFIG_MISSING);
  });

  it('2: no role and no default_role', async () => {
    const f = await setup();
    assertError(await f.fail('update', 'login', { jwt: await tokenFor() }), 400, 'missing role', REASONS.ROLE_REQUIRED);
    assertError(await f.fail('update', 'login', { role: '', jwt: await tokenFor() }), 400, 'missing role');
  });

  it('3: unknown role (names are lower-cased)', async () => {
    const f = await setup();
    const err = await f.fail('update', 'login', { role: 'Nope', jwt: await tokenFor() });
    assertError(err, 400, 'role "nope" could not be found', REASONS.ROLE_NOT_FOUND);
    assert.equal(err.extra?.role, 'nope');
    await login(f, await tokenFor(), 'CI');
  });

  it('4: oidc role', async () => {
    const f = await setup();
    await f.call('update', 'role/web', { user_claim: 'sub', allowed_redirect_uris: ['https://app/cb'] });
    assertError(await f.fail('update', 'login', { role: 'web', jwt: 'x' }), 400, 'role with oidc role_type is not allowed', REASONS.ROLE_TYPE);
  });

  it('5: missing token', async () => {
    const f = await setup();
    assertError(await f.fail('update', 'login', { role: 'ci' }), 400, 'missing token', REASONS.TOKEN_MISSING);
    assertError(await f.fail('update', 'login', { role: 'ci', jwt: '' }), 400, 'missing token');
  });

  it('6: token_bound_cidrs -> 403 before the token is looked at', async () => {
    const f = await setup({ token_bound_cidrs: ['10.0.0.0/8'] });
    const err = await f.fail('update', 'login', { role: 'ci', jwt: 'garbage' }, { remote: '192.168.1.1' });
    assertError(err, 403, 'permission denied', REASONS.CIDR);
    const auth = await login(f, await tokenFor(), 'ci', '10.1.2.3');
    assert.deepEqual(auth.boundCIDRs, ['10.0.0.0/8']);
  });

  it('8: malformed token', async () => {
    const f = await setup();
    const err = await f.fail('update', 'login', { role: 'ci', jwt: 'not-a-jwt' });
    assertError(err, 400, 'error validating token: error verifying token signature: oidc: malformed jwt: compact JWS format must have three parts', REASONS.MALFORMED);
  });

  it('8: a token signed by an unknown key', async () => {
    const f = await setup();
    const err = await f.fail('update', 'login', { role: 'ci', jwt: await tokenFor({}, other) });
    assertError(err, 400, 'error validating token: error verifying token signature: no known key successfully validated the token signature', REASONS.SIGNATURE);
  });

  it('8: a tampered payload', async () => {
    const f = await setup();
    const good = await tokenFor();
    const [h, , s] = good.split('.');
    const forged = `${h}.${b64(claimsAt(T0, { repository: 'evil/api' }))}.${s}`;
    assertError(await f.fail('update', 'login', { role: 'ci', jwt: forged }), 400, 'error validating token: error verifying token signature: no known key successfully validated the token signature', REASONS.SIGNATURE);
  });
});

describe('login pipeline: steps 9-27 with exact messages', () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>, string, string, string?][] = [
    ['9: claim folding onto sub', {}, { SUB: 'x' }, 'error validating token: ambiguous claim: key "SUB" collides with registered claim "sub" under case folding', REASONS.AMBIGUOUS_CLAIM, 'SUB'],
    ['9: long s folds onto sub', {}, { 'ſub': 'x' }, 'error validating token: ambiguous claim: key "ſub" collides with registered claim "sub" under case folding', REASONS.AMBIGUOUS_CLAIM],
    ['12: bound_subject', { bound_subject: 'repo:acme/other' }, {}, 'error validating token: invalid subject (sub) claim', REASONS.SUBJECT, 'sub'],
    ['13: audience mismatch', {}, { aud: 'https://other' }, 'error validating token: invalid audience (aud) claim: audience claim does not match any expected audience', REASONS.AUDIENCE, 'aud'],
    ['13: no aud with bound_audiences', {}, { aud: undefined }, 'error validating token: invalid audience (aud) claim: audience claim does not match any expected audience', REASONS.AUDIENCE],
    ['14: no time claims', {}, { iat: undefined, nbf: undefined, exp: undefined }, 'error validating token: no issued at (iat), not before (nbf), or expiration time (exp) claims in token', REASONS.NO_TIME_CLAIMS],
    ['14: zero time claims count as absent', {}, { iat: 0, nbf: null, exp: 0 }, 'error validating token: no issued at (iat), not before (nbf), or expiration time (exp) claims in token', REASONS.NO_TIME_CLAIMS],
    ['15: nbf in the future', {}, { nbf: T0 + 61, iat: T0 }, 'error validating token: invalid not before (nbf) claim: token not yet valid', REASONS.NOT_YET_VALID, 'nbf'],
    ['16: expired', {}, { exp: T0 - 61 }, 'error validating token: invalid expiration time (exp) claim: token is expired', REASONS.EXPIRED, 'exp'],
    ['17: iat in the future', {}, { iat: T0 + 61, nbf: T0 }, 'error validating token: invalid issued at (iat) claim: token issued in the future', REASONS.NOT_YET_VALID, 'iat'],
    ['18: aud present, role without bound_audiences', { bound_audiences: [] }, {}, 'audience claim found in JWT but no audiences bound to the role', REASONS.AUDIENCE, 'aud'],
    ['18: aud list present', { bound_audiences: [] }, { aud: ['a'] }, 'audience claim found in JWT but no audiences bound to the role', REASONS.AUDIENCE],
    ['19: user claim missing', { user_claim: 'email' }, {}, 'claim "email" not found in token', REASONS.CLAIM_MISSING, 'email'],
    ['20: user claim not a string', { user_claim: 'run' }, { run: 12 }, 'claim "run" could not be converted to string', REASONS.CLAIM_TYPE, 'run'],
    ['21: mapped claim not a string', { claim_mappings: { n: 'num' } }, { n: 1 }, "error converting claim 'n' to string", REASONS.CLAIM_TYPE, 'n'],
    ['22: groups claim missing', { groups_claim: 'groups' }, {}, 'failed to fetch groups: "groups" claim not found in token', REASONS.CLAIM_MISSING, 'groups'],
    ['23: groups claim an object', { groups_claim: 'groups' }, { groups: { a: 1 } }, '"groups" claim could not be converted to string list', REASONS.CLAIM_TYPE],
    ['24: group entry not a string', { groups_claim: 'groups' }, { groups: ['a', 7.5] }, 'value 7.5 in groups claim could not be parsed as string', REASONS.CLAIM_TYPE],
    ['24: scalar number groups claim (truncated)', { groups_claim: 'groups' }, { groups: 3.7 }, 'value 3 in groups claim could not be parsed as string', REASONS.CLAIM_TYPE],
    ['25: bound claim missing', {}, { repository: undefined }, 'error validating claims: claim "repository" is missing', REASONS.CLAIM_MISSING, 'repository'],
    ['26: bound claim mismatch', {}, { repository: 'evil/api' }, 'error validating claims: claim "repository" does not match any associated bound claim values', REASONS.CLAIM_MISMATCH, 'repository'],
    ['27: bound claim is an object', {}, { repository: { name: 'x' } }, 'error validating claims: received claim is not a string, bool, int or list: map[name:x]', REASONS.CLAIM_TYPE, 'repository'],
  ];
  for (const [name, role, extra, message, reason, claim] of cases) {
    it(name, async () => {
      const f = await setup(role);
      const err = await f.fail('update', 'login', { role: 'ci', jwt: await tokenFor(extra) });
      assertError(err, 400, message, reason);
      assert.equal(err.extra?.role, 'ci');
      if (claim !== undefined) assert.equal(err.extra?.claim, claim);
    });
  }

  it('identity (19-24) is checked before bound claims (25-27)', async () => {
    const f = await setup({ user_claim: 'email' });
    const err = await f.fail('update', 'login', { role: 'ci', jwt: await tokenFor({ repository: 'evil/api' }) });
    assertError(err, 400, 'claim "email" not found in token');
  });

  it('the signature is checked before every claim', async () => {
    const f = await setup({ bound_subject: 'nobody' });
    const err = await f.fail('update', 'login', { role: 'ci', jwt: await tokenFor({ exp: 1 }, other) });
    assert.equal(err.extra?.reason_code, REASONS.SIGNATURE);
  });

  it('errors never carry the expected value', async () => {
    const f = await setup({ bound_claims: { repository: 'secret-org/secret-repo' } });
    const err = await f.fail('update', 'login', { role: 'ci', jwt: await tokenFor() });
    assert.ok(!err.message.includes('secret-org'));
    assert.ok(!JSON.stringify(err.extra).includes('secret-org'));
  });

  it('11: bound_issuer', async () => {
    const f = await setup({}, { bound_issuer: 'https://other-issuer' });
    const err = await f.fail('update', 'login', { role: 'ci', jwt: await tokenFor() });
    assertError(err, 400, 'error validating token: invalid issuer (iss) claim', REASONS.ISSUER);
    assert.equal(err.extra?.claim, 'iss');
  });

  it('11: no bound_issuer means iss is not checked', async () => {
    const f = await setup();
    await login(f, await tokenFor({ iss: 'https://anything' }), 'ci');
  });

  it('10: alg outside jwt_supported_algs (after the signature)', async () => {
    const f = await setup({}, { jwt_supported_algs: ['ES256'] });
    const err = await f.fail('update', 'login', { role: 'ci', jwt: await tokenFor() });
    assertError(err, 400, 'error validating token: invalid algorithm (alg) header parameter: token signed with unexpected algorithm', REASONS.ALGORITHM);
  });
});

describe('login success', () => {
  it('issues an AuthSpec: alias, metadata, groups, token settings, display name', async () => {
    const f = await setup({
      claim_mappings: { repository: 'repository', '/job/workflow': 'workflow', missing: 'gone' },
      groups_claim: 'groups',
      token_ttl: '15m',
      token_max_ttl: '30m',
      token_num_uses: 3,
      token_no_default_policy: true,
      token_type: 'service',
      token_explicit_max_ttl: '1h',
      token_period: 0,
    });
    const auth = await login(f, await tokenFor({ groups: ['dev', '', 'ops'], job: { workflow: 'deploy' } }), 'ci');
    assert.equal(auth.displayName, 'repo:acme/api:ref:refs/heads/main');
    assert.deepEqual(auth.alias, {
      name: 'repo:acme/api:ref:refs/heads/main',
      metadata: { repository: 'acme/api', workflow: 'deploy', role: 'ci' },
    });
    assert.deepEqual(auth.metadata, { repository: 'acme/api', workflow: 'deploy', role: 'ci' });
    assert.deepEqual(auth.groupAliases, ['dev', 'ops']);
    assert.deepEqual(auth.policies, ['ci-read']);
    assert.equal(auth.ttl, 900);
    assert.equal(auth.maxTTL, 1800);
    assert.equal(auth.explicitMaxTTL, 3600);
    assert.equal(auth.numUses, 3);
    assert.equal(auth.noDefaultPolicy, true);
    assert.equal(auth.tokenType, 'service');
    assert.equal(auth.renewable, true);
    assert.deepEqual(auth.internalData, { role: 'ci' });
  });

  it('a scalar bool groups claim is refused, a string one is a single group', async () => {
    const f = await setup({ groups_claim: 'g' });
    assert.deepEqual((await login(f, await tokenFor({ g: 'solo' }), 'ci')).groupAliases, ['solo']);
    assertError(await f.fail('update', 'login', { role: 'ci', jwt: await tokenFor({ g: true }) }), 400, 'value true in groups claim could not be parsed as string');
  });

  it('user_claim_json_pointer', async () => {
    const f = await setup({ user_claim: '/actor/login', user_claim_json_pointer: true });
    const auth = await login(f, await tokenFor({ actor: { login: 'alice' } }), 'ci');
    assert.equal(auth.alias?.name, 'alice');
    // Without the flag the key is a literal name.
    const g = await setup({ user_claim: '/actor/login' });
    assertError(await g.fail('update', 'login', { role: 'ci', jwt: await tokenFor({ actor: { login: 'alice' } }) }), 400, 'claim "/actor/login" not found in token');
  });

  it('default_role is used for an empty or absent role (lower-cased)', async () => {
    const f = await setup({}, { default_role: 'CI' });
    await login(f, await tokenFor());
    await login(f, await tokenFor(), '');
  });

  it('aud as a list matches any bound audience; empty aud passes a role without audiences', async () => {
    const f = await setup();
    await login(f, await tokenFor({ aud: ['x', 'https://keep.example'] }), 'ci');
    const g = await setup({ bound_audiences: [], bound_subject: 'repo:acme/api:ref:refs/heads/main' });
    await login(g, await tokenFor({ aud: '' }), 'ci');
    await login(g, await tokenFor({ aud: [] }), 'ci');
    await login(g, await tokenFor({ aud: undefined }), 'ci');
  });
});
