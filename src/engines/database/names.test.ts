import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertRoleAllowed, globMatch, isValidName, roleAllowed } from './names.ts';

test('names: word characters with - and . inside only', () => {
  for (const ok of ['a', 'ci-ro', 'ci.ro', 'a_b', 'A1', 'x-y.z_9']) assert.ok(isValidName(ok), ok);
  for (const bad of ['', '-a', 'a-', '.a', 'a.', 'a b', 'a/b', 'a*', 'é']) assert.ok(!isValidName(bad), bad);
});

test('globs: * matches any run, everything else literally', () => {
  assert.ok(globMatch('*', 'anything'));
  assert.ok(globMatch('*', ''));
  assert.ok(globMatch('ci-*', 'ci-ro'));
  assert.ok(globMatch('ci-*', 'ci-'));
  assert.ok(!globMatch('ci-*', 'prod'));
  assert.ok(globMatch('*-ro', 'ci-ro'));
  assert.ok(globMatch('a*b*c', 'aXXbYYc'));
  assert.ok(!globMatch('a*b*c', 'aXXcYYb'));
  assert.ok(!globMatch('ab*ba', 'aba'));
  assert.ok(globMatch('exact', 'exact'));
  assert.ok(!globMatch('exact', 'exact2'));
  assert.ok(!globMatch('c?', 'ci'));
});

test('allowed_roles: empty admits nothing; a miss is a 500 naming the role', () => {
  assert.ok(!roleAllowed([], 'x'));
  assert.ok(roleAllowed(['prod', 'ci-*'], 'ci-ro'));
  assert.throws(
    () => assertRoleAllowed(['ci-*'], 'prod'),
    (e: unknown) => e instanceof Error && e.message === '"prod" is not an allowed role' && (e as { status?: number }).status === 500,
  );
});
