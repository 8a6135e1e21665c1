import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { render } from '../kv/test-harness.ts';
import type { FetchResult } from './fetch.ts';
import { GITHUB_ISSUER } from './presets.ts';
import { assertError, jwtMount, makeKey, type Fixture, type TestKey } from './test-setup.ts';

let key: TestKey;
before(async () => {
  key = await makeKey('ES256');
});

const base = { role_type: 'jwt', user_claim: 'sub', bound_audiences: 'https://keep.example' };

async function mount(config?: Record<string, unknown>, get?: (url: string) => Promise<FetchResult>): Promise<Fixture> {
  const f = await jwtMount({ maxTTL: 86400, get });
  await f.call('update', 'config', config ?? { jwt_validation_pubkeys: [key.publicPem] });
  return f;
}

describe('role CRUD', () => {
  it('create, read (Vault shape), list, delete; names are lower-cased', async () => {
    const f = await mount();
    const w = await f.call('update', 'role/GHA', {
      ...base,
      bound_claims: { repository_owner: 'acme', ref: ['refs/heads/main', 'refs/tags/*'] },
      bound_claims_type: 'glob',
      claim_mappings: { repository: 'repository', '/job_workflow_ref': 'workflow' },
      token_policies: 'ci-read',
      token_ttl: '15m',
      token_max_ttl: 1800,
    });
    assert.equal(w?.warnings?.some((x) => x.includes('matches every value')) ?? false, false);
    const r = await f.call('read', 'role/gha');
    assert.deepEqual(r?.data, {
      allowed_redirect_uris: null,
      bound_audiences: ['https://keep.example'],
      bound_claims: { repository_owner: 'acme', ref: ['refs/heads/main', 'refs/tags/*'] },
      bound_claims_type: 'glob',
      bound_subject: '',
      claim_mappings: { repository: 'repository', '/job_workflow_ref': 'workflow' },
      clock_skew_leeway: 0,
      expiration_leeway: 0,
      groups_claim: '',
      max_age: 0,
      not_before_leeway: 0,
      oidc_scopes: null,
      role_type: 'jwt',
      token_bound_cidrs: [],
      token_explicit_max_ttl: 0,
      token_max_ttl: 1800,
      token_no_default_policy: false,
      token_num_uses: 0,
      token_period: 0,
      token_policies: ['ci-read'],
      token_ttl: 900,
      token_type: 'default',
      user_claim: 'sub',
      user_claim_json_pointer: false,
      verbose_oidc_logging: false,
    });
    await f.call('update', 'role/other', base);
    assert.deepEqual((await f.call('list', 'role/'))?.data, { keys: ['gha', 'other'] });
    await f.call('delete', 'role/GHA');
    await f.call('delete', 'role/gha');
    assert.equal(await f.call('read', 'role/gha'), undefined);
    await f.call('delete', 'role/other');
    assert.equal(await f.call('list', 'role/'), undefined);
  });

  it('bound claim numbers keep their literal text through storage', async () => {
    const f = await mount();
    await f.call('update', 'role/n', '{"role_type":"jwt","user_claim":"sub","bound_claims":{"runner_id":3.0,"build":12345678901234567890}}');
    const g = await jwtMount({ storage: f.storage });
    const r = await g.call('read', 'role/n');
    assert.match(render(r?.data?.bound_claims), /"runner_id":3\.0/);
    assert.match(render(r?.data?.bound_claims), /"build":12345678901234567890/);
  });

  it('update keeps omitted fields, except the role_type and bound_claims_type quirks', async () => {
    const f = await mount();
    await f.call('update', 'role/q', { ...base, bound_claims_type: 'glob', bound_claims: { ref: 'refs/*' }, token_ttl: 60 });
    // Omitting role_type turns the role into an oidc role, which needs redirect URIs.
    assertError(await f.fail('update', 'role/q', { token_ttl: 120 }), 400, "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
    await f.call('update', 'role/q', { role_type: 'jwt', token_ttl: 120 });
    const r = await f.call('read', 'role/q');
    assert.equal(r?.data?.bound_claims_type, 'string', 'reset when omitted');
    assert.equal(r?.data?.token_ttl, 120);
    assert.deepEqual(r?.data?.bound_audiences, ['https://keep.example']);
    assert.deepEqual(r?.data?.bound_claims, { ref: 'refs/*' });
  });
});

describe('role messages', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['role_type', { role_type: 'saml' }, "invalid 'role_type': saml"],
    ['token_type', { token_type: 'default-service' }, `invalid 'token_type' value "default-service"`],
    ['batch periodic', { token_type: 'batch', token_period: 60 }, "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens"],
    ['ttl > max', { token_ttl: 100, token_max_ttl: 50 }, "'token_ttl' cannot be greater than 'token_max_ttl'"],
    ['legacy ttl > max', { ttl: 100, token_max_ttl: 50 }, 'ttl should not be greater than max ttl'],
    ['num uses', { token_num_uses: -1 }, "'token_num_uses' cannot be negative"],
    ['cidrs', { token_bound_cidrs: ['10.0.0.0/33'] }, 'error parsing token_bound_cidrs: invalid IP address or CIDR block "10.0.0.0/33"'],
    ['period over mount max', { token_period: '25h' }, `'period' of '"25h0m0s"' is greater than the backend's maximum lease TTL of '"24h0m0s"'`],
    ['bound_claims_type', { bound_claims_type: 'regex' }, "invalid 'bound_claims_type': regex"],
    ['glob with a number', { bound_claims_type: 'glob', bound_claims: { a: 3 } }, 'claim is not a string: 3'],
    ['glob with an object', { bound_claims_type: 'glob', bound_claims: { a: { b: 1 } } }, 'claim is not a string or list: map[b:1]'],
    ['reserved mapping', { claim_mappings: { sub: 'role' } }, 'metadata key "role" is reserved and may not be a mapping destination'],
    ['duplicate mapping', { claim_mappings: { a: 'x', b: 'x' } }, 'multiple keys are mapped to metadata key "x"'],
    ['user claim', { user_claim: '' }, 'a user claim must be defined on the role'],
    ['no bound constraint', { bound_audiences: [] }, 'must have at least one bound constraint when creating/updating a role'],
    ['bound_issuers', { bound_issuers: ['not a url'] }, 'invalid bound_issuers: "not a url" is not an http(s) URL'],
    ['claims_condition', { claims_condition: 'claims.repository ==' }, ''],
  ];
  for (const [name, extra, message] of cases) {
    it(name, async () => {
      const f = await mount();
      const err = await f.fail('update', 'role/r', { ...base, ...extra });
      if (message === '') {
        assert.match(err.message, /^invalid claims_condition: .*\(line 1, column \d+\)$/);
        assert.equal(err.extra?.field, 'claims_condition');
      } else {
        assertError(err, 400, message);
      }
    });
  }

  it('batch with a stored num_uses (Vault checks before reading token_num_uses)', async () => {
    const f = await mount();
    await f.call('update', 'role/b', { ...base, token_type: 'batch', token_num_uses: 2 });
    const err = await f.fail('update', 'role/b', { ...base, token_type: 'batch' });
    assertError(err, 400, "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count");
  });

  it('oidc roles need redirect URIs, jwt roles a bound constraint', async () => {
    const f = await mount();
    assertError(await f.fail('update', 'role/o', { user_claim: 'sub' }), 400, "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
    await f.call('update', 'role/o', { user_claim: 'sub', allowed_redirect_uris: 'https://app/cb' });
    await f.call('update', 'role/c', { role_type: 'jwt', user_claim: 'sub', claims_condition: 'claims.sub != ""' });
    await f.call('update', 'role/s', { role_type: 'jwt', user_claim: 'sub', token_bound_cidrs: '10.0.0.0/8' });
  });

  it("Vault's warnings", async () => {
    const f = await mount();
    const r = await f.call('update', 'role/w', { ...base, bound_subject: 'x', token_max_ttl: '48h', verbose_oidc_logging: true });
    assert.deepEqual(r?.warnings, [
      "token max ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated",
      'verbose_oidc_logging has been enabled for this role. This is not recommended in production since sensitive information may be present in OIDC responses.',
    ]);
  });

  it('legacy field names map onto token_* (the new name wins)', async () => {
    const f = await mount();
    await f.call('update', 'role/l', { ...base, policies: 'A,b', ttl: 60, bound_cidrs: '10.0.0.0/8', num_uses: 2 });
    const r = await f.call('read', 'role/l');
    assert.deepEqual(r?.data?.token_policies, ['a', 'b']);
    assert.deepEqual(r?.data?.policies, ['a', 'b']);
    assert.equal(r?.data?.token_ttl, 60);
    assert.equal(r?.data?.ttl, 60);
    assert.deepEqual(r?.data?.bound_cidrs, ['10.0.0.0/8']);
    assert.equal(r?.data?.num_uses, 2);
    await f.call('update', 'role/l', { role_type: 'jwt', token_ttl: 30 });
    const r2 = await f.call('read', 'role/l');
    assert.equal(r2?.data?.token_ttl, 30);
    assert.equal('ttl' in (r2?.data ?? {}), false);
  });
});

describe('Keep role fields and warnings', () => {
  it('Keep fields read back only when set', async () => {
    const f = await mount();
    await f.call('update', 'role/k', base);
    const plain = await f.call('read', 'role/k');
    for (const k of ['jti_single_use', 'token_expires_with_jwt', 'claims_condition', 'bound_issuers']) assert.equal(k in (plain?.data ?? {}), false);
    await f.call('update', 'role/k', {
      role_type: 'jwt',
      jti_single_use: true,
      token_expires_with_jwt: true,
      claims_condition: 'claims.ref == "refs/heads/main"',
      bound_issuers: 'https://token.actions.githubusercontent.com',
    });
    const r = await f.call('read', 'role/k');
    assert.equal(r?.data?.jti_single_use, true);
    assert.equal(r?.data?.token_expires_with_jwt, true);
    assert.equal(r?.data?.claims_condition, 'claims.ref == "refs/heads/main"');
    assert.deepEqual(r?.data?.bound_issuers, ['https://token.actions.githubusercontent.com']);
  });

  it('warns about a role that binds nothing beyond the audience', async () => {
    const f = await mount();
    const r = await f.call('update', 'role/open', base);
    assert.ok(r?.warnings?.some((w) => w.startsWith('role binds no claim beyond the audience')));
    const ok = await f.call('update', 'role/closed', { ...base, bound_claims: { repository: 'acme/api' } });
    assert.equal(ok?.warnings?.some((w) => w.startsWith('role binds no claim')) ?? false, false);
  });

  it('warns about a glob that matches everything', async () => {
    const f = await mount();
    const r = await f.call('update', 'role/g', { ...base, bound_claims_type: 'glob', bound_claims: { ref: ['refs/heads/main', '**'], sub: 'repo:*' } });
    assert.deepEqual(
      r?.warnings?.filter((w) => w.includes('matches every value')),
      ['bound claim "ref": the glob "**" matches every value'],
    );
  });

  it('warns about a binding on a mutable name when the platform has a stable id', async () => {
    const get = async (url: string): Promise<FetchResult> => ({
      status: 200,
      statusText: '200 OK',
      body: JSON.stringify(url.endsWith('openid-configuration') ? { issuer: GITHUB_ISSUER, jwks_uri: `${GITHUB_ISSUER}/jwks` } : { keys: [] }),
    });
    const f = await mount({ preset: 'github' }, get);
    const r = await f.call('update', 'role/m', { ...base, bound_claims: { repository: 'acme/api' } });
    assert.deepEqual(
      r?.warnings?.filter((w) => w.includes('can change')),
      ['bound claim "repository" is a name that can change (rename or transfer); bind the stable "repository_id" claim as well'],
    );
    const ok = await f.call('update', 'role/m', { ...base, bound_claims: { repository: 'acme/api', repository_id: '1' } });
    assert.equal(ok?.warnings?.some((w) => w.includes('can change')) ?? false, false);
    // Without a preset, the role's bound issuers name the platform.
    const g = await mount();
    const r2 = await g.call('update', 'role/m', { ...base, bound_claims: { project_path: 'g/p' }, bound_issuers: 'https://gitlab.com' });
    assert.ok(r2?.warnings?.some((w) => w.includes('"project_path" is a name that can change') && w.includes('"project_id"')));
    assert.ok(r2?.warnings?.some((w) => w === `bound_issuers: "https://gitlab.com" is not an issuer this mount's config names`));
  });

  it('warns about token_ttl over one hour and ci_* mapping targets', async () => {
    const f = await mount();
    const r = await f.call('update', 'role/t', { ...base, bound_subject: 'x', token_ttl: '2h', claim_mappings: { repository: 'ci_repository' } });
    assert.ok(r?.warnings?.includes('token_ttl of 2h is over one hour; a CI job rarely needs a token that long'));
    assert.ok(r?.warnings?.some((w) => w.startsWith('claim_mappings target "ci_repository"')));
  });
});
