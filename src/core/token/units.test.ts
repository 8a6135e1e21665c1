import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKeepError } from '../../errors.ts';
import { addressInCidrs, parseCidrList } from './cidr.ts';
import { rfc3339Nano } from './describe.ts';
import { loginDisplayName, randomBase62, tokenDisplayName, validateCustomId } from './ids.ts';
import { globMatch, goQuoteList, normalizePolicies } from './policies.ts';
import { applyRoleInput, roleReadData } from './roles.ts';

const message = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (isKeepError(e)) return e.message;
    throw e;
  }
  throw new Error('did not throw');
};

describe('policy helpers', () => {
  it('normalizes: trim, lower-case, dedupe, sort; root collapses', () => {
    assert.deepEqual(normalizePolicies([' B', 'a', '', 'A']), ['a', 'b']);
    assert.deepEqual(normalizePolicies(['x', 'Root']), ['root']);
    assert.deepEqual(normalizePolicies(['x'], true), ['default', 'x']);
    assert.deepEqual(normalizePolicies(['root'], true), ['root']);
  });

  it('globs have only * and cross /', () => {
    assert.equal(globMatch('team-*', 'team-a'), true);
    assert.equal(globMatch('*-prod', 'db-prod'), true);
    assert.equal(globMatch('a*b*c', 'a/x/b/y/c'), true);
    assert.equal(globMatch('a*a', 'a'), false);
    assert.equal(globMatch('team-?', 'team-a'), false);
    assert.equal(globMatch('exact', 'exact'), true);
    assert.equal(globMatch('*', ''), true);
  });

  it('quotes lists like Go %q', () => {
    assert.equal(goQuoteList(['a', 'b']), '["a" "b"]');
    assert.equal(goQuoteList([]), '[]');
  });
});

describe('CIDRs', () => {
  it('parse and match IPv4, IPv6 and bare addresses', () => {
    assert.deepEqual(parseCidrList([' 10.0.0.0/8 ', '', '192.168.1.7', '::1/128']), ['10.0.0.0/8', '192.168.1.7', '::1/128']);
    assert.equal(addressInCidrs('10.9.9.9', ['10.0.0.0/8']), true);
    assert.equal(addressInCidrs('11.0.0.1', ['10.0.0.0/8']), false);
    assert.equal(addressInCidrs('192.168.1.7', ['192.168.1.7']), true);
    assert.equal(addressInCidrs('192.168.1.8', ['192.168.1.7']), false);
    assert.equal(addressInCidrs('::ffff:10.1.1.1', ['10.1.0.0/16']), true);
    assert.equal(addressInCidrs('fe80::1', ['fe80::/10']), true);
    assert.equal(addressInCidrs('10.0.0.1', ['::/0']), false);
    assert.equal(addressInCidrs('0.0.0.0', ['0.0.0.0/0']), true);
    assert.equal(addressInCidrs('garbage', ['0.0.0.0/0']), false);
  });

  it('reject invalid entries', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0/8', 'abc', '1.2.3.4/8/9', '::1/129']) {
      assert.equal(message(() => parseCidrList([bad])), `error parsing bound_cidrs: invalid IP address or CIDR block "${bad}"`);
    }
  });
});

describe('ids and names', () => {
  it('random base62 has the requested length and alphabet', () => {
    const s = randomBase62(500);
    assert.equal(s.length, 500);
    assert.match(s, /^[A-Za-z0-9]+$/);
  });

  it('custom ids', () => {
    assert.equal(message(() => validateCustomId('hvs.x')), "custom token ID cannot have the 'hvs.' prefix");
    assert.equal(message(() => validateCustomId('s.x')), "custom token ID cannot have the 's.' prefix");
    assert.equal(message(() => validateCustomId('x.y')), "custom token ID cannot have a '.' in the value");
    validateCustomId('root');
  });

  it('display names', () => {
    assert.equal(tokenDisplayName(undefined), 'token');
    assert.equal(tokenDisplayName('a b--'), 'token-a-b-');
    assert.equal(loginDisplayName('auth/jwt/', 'repo:acme/api'), 'jwt-repo:acme/api');
    assert.equal(loginDisplayName('auth/approle/', ''), 'approle');
    assert.equal(loginDisplayName('auth/k8s/prod/', 'ns-sa'), 'k8s-prod-ns-sa');
  });

  it('RFC 3339 with trimmed fraction', () => {
    assert.equal(rfc3339Nano(Date.UTC(2024, 5, 10, 7, 28, 20, 410)), '2024-06-10T07:28:20.41Z');
    assert.equal(rfc3339Nano(Date.UTC(2024, 5, 10, 7, 28, 20, 0)), '2024-06-10T07:28:20Z');
  });
});

describe('token roles', () => {
  it('create defaults and the read shape', () => {
    const { role } = applyRoleInput('ci', undefined, { allowedPolicies: ['CI-Read', 'default'] }, 2_764_800);
    assert.deepEqual(roleReadData(role), {
      allowed_entity_aliases: null,
      allowed_policies: ['ci-read', 'default'],
      allowed_policies_glob: [],
      disallowed_policies: [],
      disallowed_policies_glob: [],
      explicit_max_ttl: 0,
      name: 'ci',
      orphan: false,
      path_suffix: '',
      period: 0,
      renewable: true,
      token_explicit_max_ttl: 0,
      token_no_default_policy: false,
      token_period: 0,
      token_type: 'default-service',
    });
  });

  it('update keeps omitted fields; legacy names fill both and show; token_ names win with a warning', () => {
    const first = applyRoleInput('r', undefined, { orphan: true, period: 60, tokenNumUses: 2, boundCIDRs: ['10.0.0.0/8'] }, 3600).role;
    const read1 = roleReadData(first);
    assert.equal(read1.period, 60);
    assert.equal(read1.token_period, 60);
    assert.equal(read1.token_num_uses, 2);
    assert.deepEqual(read1.bound_cidrs, ['10.0.0.0/8']);
    assert.deepEqual(read1.token_bound_cidrs, ['10.0.0.0/8']);
    const { role, warnings } = applyRoleInput('r', first, { tokenPeriod: 30, period: 99 }, 3600);
    assert.equal(role.orphan, true);
    assert.equal(role.tokenPeriod, 30);
    assert.equal(role.period, 0);
    assert.deepEqual(warnings, ["Both 'token_period' and deprecated 'period' value supplied, ignoring the deprecated value"]);
  });

  it('warns when the explicit max exceeds the mount max', () => {
    const { warnings } = applyRoleInput('r', undefined, { tokenExplicitMaxTTL: 7200 }, 3600);
    assert.deepEqual(warnings, [
      'Given explicit max TTL of 7200 is greater than system/mount allowed value of 3600 seconds; until this is fixed attempting to create tokens against this role will result in an error',
    ]);
  });

  it('rejects bad input', () => {
    const apply = (input: Parameters<typeof applyRoleInput>[2]) => () => applyRoleInput('r', undefined, input, 3600);
    assert.equal(message(apply({ tokenType: 'default' })), `invalid 'token_type' value "default"`);
    assert.equal(message(apply({ tokenType: null })), "Invalid 'token_type' value: null");
    assert.equal(message(apply({ tokenType: 'batch' })), "'token_type' cannot be 'batch' when role is set to generate non-orphan tokens");
    assert.equal(
      message(apply({ tokenType: 'batch', orphan: true, tokenPeriod: 5 })),
      "'token_type' cannot be 'batch' when role is set to generate periodic tokens",
    );
    assert.equal(message(apply({ tokenType: 'batch', orphan: true })), "'token_type' cannot be 'batch' when role is set to generate renewable tokens");
    assert.equal(
      message(apply({ tokenType: 'batch', orphan: true, renewable: false, tokenExplicitMaxTTL: 5 })),
      "'token_type' cannot be 'batch' when role is set to generate tokens with an explicit max TTL",
    );
    assert.equal(message(apply({ pathSuffix: '!!' })), 'given role path suffix contains invalid characters; must match \\w[\\w-.]+\\w');
    assert.equal(message(apply({ pathSuffix: 'a..b' })), 'error registering path suffix: path cannot contain parent references');
    assert.equal(message(apply({ tokenNumUses: -1 })), "error parsing role fields: 'token_num_uses' cannot be negative");
    assert.equal(message(apply({ tokenBoundCIDRs: ['nope'] })), 'error parsing token_bound_cidrs: invalid IP address or CIDR block "nope"');
    assert.equal(message(() => applyRoleInput('', undefined, {}, 0)), 'role name cannot be empty');
    applyRoleInput('r', undefined, { tokenType: 'batch', orphan: true, renewable: false }, 3600);
  });
});
