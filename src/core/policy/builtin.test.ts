import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLICY, RESPONSE_WRAPPING_POLICY } from './builtin.ts';
import { parsePolicy } from './parse.ts';

function table(text: string): Array<[string, string[]]> {
  return parsePolicy(text)
    .rules.map((r): [string, string[]] => [r.path, [...r.capabilities].sort()])
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

test('default policy rules equal spec/core.md 3.9', () => {
  const expected: Array<[string, string[]]> = [
    ['auth/token/lookup-self', ['read']],
    ['auth/token/renew-self', ['update']],
    ['auth/token/revoke-self', ['update']],
    ['sys/capabilities-self', ['update']],
    ['identity/entity/id/{{identity.entity.id}}', ['read']],
    ['identity/entity/name/{{identity.entity.name}}', ['read']],
    ['sys/internal/ui/resultant-acl', ['read']],
    ['sys/renew', ['update']],
    ['sys/leases/renew', ['update']],
    ['sys/leases/lookup', ['update']],
    ['cubbyhole/*', ['create', 'delete', 'list', 'read', 'update']],
    ['sys/wrapping/wrap', ['update']],
    ['sys/wrapping/lookup', ['update']],
    ['sys/wrapping/unwrap', ['update']],
    ['sys/tools/hash', ['update']],
    ['sys/tools/hash/*', ['update']],
    ['sys/control-group/request', ['update']],
    ['identity/oidc/provider/+/authorize', ['read', 'update']],
  ];
  assert.deepEqual(table(DEFAULT_POLICY), expected.sort(([a], [b]) => (a < b ? -1 : 1)));
  const parsed = parsePolicy(DEFAULT_POLICY);
  assert.equal(parsed.templated, true);
  for (const r of parsed.rules) {
    assert.equal(r.allowedParameters, undefined);
    assert.equal(r.minWrappingTTL + r.maxWrappingTTL, 0);
  }
});

test('response-wrapping policy rules', () => {
  assert.deepEqual(table(RESPONSE_WRAPPING_POLICY), [
    ['cubbyhole/response', ['create', 'read']],
    ['sys/wrapping/unwrap', ['update']],
  ]);
});
