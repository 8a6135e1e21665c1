import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Operation } from '../../framework/types.ts';
import { ROOT_ACL } from './acl.ts';
import { aclOf, check, rule } from './test-helpers.ts';

interface PriorityCase {
  name: string;
  /** One policy text per entry. */
  policies: string[];
  op: Operation;
  path: string;
  allowed: boolean;
  rootPrivs?: boolean;
}

const R = rule;

// Spec/core.md 3.2-3.3: every rule of the governing-rule choice, one row each.
const PRIORITY: PriorityCase[] = [
  // 1. The exact rule alone decides.
  { name: 'exact grants', policies: [R('secret/app', ['read'])], op: 'read', path: 'secret/app', allowed: true },
  { name: 'exact shadows a broader glob (grants less)', policies: [R('secret/app', ['read']) + R('secret/*', ['read', 'update'])], op: 'update', path: 'secret/app', allowed: false },
  { name: 'exact with no capabilities shadows a glob', policies: [R('secret/app', []) + R('secret/*', ['read'])], op: 'read', path: 'secret/app', allowed: false },
  { name: 'exact shadows a segment rule', policies: [R('secret/app', ['list']) + R('secret/+', ['read'])], op: 'read', path: 'secret/app', allowed: false },
  { name: 'exact grant beats a glob deny', policies: [R('secret/*', ['deny']) + R('secret/app', ['read'])], op: 'read', path: 'secret/app', allowed: true },
  { name: 'exact deny beats a glob grant', policies: [R('secret/*', ['read']) + R('secret/app', ['deny'])], op: 'read', path: 'secret/app', allowed: false },
  { name: 'leading slash of the request is ignored', policies: [R('secret/app', ['read'])], op: 'read', path: '/secret/app', allowed: true },
  { name: 'leading slash of the rule is stripped', policies: [R('/secret/app', ['read'])], op: 'read', path: 'secret/app', allowed: true },
  // 1b. list falls back to the exact rule without the trailing '/'.
  { name: 'list fallback to exact rule without slash', policies: [R('secret/metadata/app', ['list'])], op: 'list', path: 'secret/metadata/app/', allowed: true },
  { name: 'no fallback for read', policies: [R('secret/metadata/app', ['read'])], op: 'read', path: 'secret/metadata/app/', allowed: false },
  { name: 'exact rule for P with slash comes first', policies: [R('a/', ['list']) + R('a', ['deny'])], op: 'list', path: 'a/', allowed: true },
  { name: 'exact fallback beats globs for list', policies: [R('a', ['deny']) + R('a/*', ['list'])], op: 'list', path: 'a/', allowed: false },
  { name: 'a/b and a/b/ are different exact rules', policies: [R('secret/foo/', ['read'])], op: 'read', path: 'secret/foo', allowed: false },
  // 2. Longest prefix.
  { name: 'longest prefix wins (deny deeper)', policies: [R('secret/*', ['read']) + R('secret/data/*', ['deny'])], op: 'read', path: 'secret/data/x', allowed: false },
  { name: 'longest prefix wins (grant deeper)', policies: [R('secret/*', ['deny']) + R('secret/data/*', ['read'])], op: 'read', path: 'secret/data/x', allowed: true },
  { name: 'shorter prefix applies elsewhere', policies: [R('secret/*', ['read']) + R('secret/data/*', ['deny'])], op: 'read', path: 'secret/other', allowed: true },
  { name: "'a/b*' matches 'a/bc/d'", policies: [R('a/b*', ['read'])], op: 'read', path: 'a/bc/d', allowed: true },
  { name: "'a/b*' matches 'a/b'", policies: [R('a/b*', ['read'])], op: 'read', path: 'a/b', allowed: true },
  { name: "'a/b*' does not match 'a/c'", policies: [R('a/b*', ['read'])], op: 'read', path: 'a/c', allowed: false },
  { name: "'*' alone matches everything", policies: [R('*', ['read'])], op: 'read', path: 'any/thing', allowed: true },
  { name: "'*' inside a pattern is literal", policies: [R('a/*/c', ['read'])], op: 'read', path: 'a/b/c', allowed: false },
  { name: "'*' inside a pattern matches literally", policies: [R('a/*/c', ['read'])], op: 'read', path: 'a/*/c', allowed: true },
  // '+' segments.
  { name: "'+' matches one segment", policies: [R('a/+/c', ['read'])], op: 'read', path: 'a/b/c', allowed: true },
  { name: "'+' matches an empty segment", policies: [R('a/+/c', ['read'])], op: 'read', path: 'a//c', allowed: true },
  { name: "'+' rule needs the same segment count (more)", policies: [R('a/+/c', ['read'])], op: 'read', path: 'a/b/c/d', allowed: false },
  { name: "'+' rule needs the same segment count (fewer)", policies: [R('a/+/c', ['read'])], op: 'read', path: 'a/b', allowed: false },
  { name: "'+' does not span '/'", policies: [R('a/+/c', ['read'])], op: 'read', path: 'a/b/x/c', allowed: false },
  { name: "'+' rule with trailing glob, deeper path", policies: [R('a/+/c*', ['read'])], op: 'read', path: 'a/b/cd/e', allowed: true },
  { name: "'+' rule with trailing glob, same segment", policies: [R('a/+/c*', ['read'])], op: 'read', path: 'a/b/c', allowed: true },
  { name: "'+' rule with trailing glob, no match", policies: [R('a/+/c*', ['read'])], op: 'read', path: 'a/b/d', allowed: false },
  { name: "'+/*' needs a segment after", policies: [R('a/+/*', ['read'])], op: 'read', path: 'a/b', allowed: false },
  { name: "'+/*' matches deeper paths", policies: [R('a/+/*', ['read'])], op: 'read', path: 'a/b/c/d', allowed: true },
  { name: "'+' alone matches one segment", policies: [R('+', ['read'])], op: 'read', path: 'x', allowed: true },
  { name: "'+' alone does not match two", policies: [R('+', ['read'])], op: 'read', path: 'x/y', allowed: false },
  { name: "'+/b' leading segment wildcard", policies: [R('+/b', ['read'])], op: 'read', path: 'a/b', allowed: true },
  { name: "'foo+bar' is literal", policies: [R('foo+bar', ['read'])], op: 'read', path: 'foo+bar', allowed: true },
  { name: "'foo+bar' is not a wildcard", policies: [R('foo+bar', ['read'])], op: 'read', path: 'fooxbar', allowed: false },
  { name: "'a/b+' is literal", policies: [R('a/b+', ['read'])], op: 'read', path: 'a/bx', allowed: false },
  // 3.1 first wildcard position: earlier is lower.
  { name: 'rank 1: later + wins (deny later)', policies: [R('a/+/c/d', ['read']) + R('a/b/+/d', ['deny'])], op: 'read', path: 'a/b/c/d', allowed: false },
  { name: 'rank 1: later + wins (grant later)', policies: [R('a/+/c/d', ['deny']) + R('a/b/+/d', ['read'])], op: 'read', path: 'a/b/c/d', allowed: true },
  { name: 'rank 1: longer prefix rule beats earlier +', policies: [R('a/b/*', ['read']) + R('a/+/c', ['deny'])], op: 'read', path: 'a/b/c', allowed: true },
  { name: 'rank 1: later + beats shorter prefix', policies: [R('a/*', ['read']) + R('a/b/+', ['deny'])], op: 'read', path: 'a/b/c', allowed: false },
  // 3.2 ends in '*' is lower.
  { name: 'rank 2: non-glob beats glob (deny non-glob)', policies: [R('a/+/c*', ['read']) + R('a/+/c', ['deny'])], op: 'read', path: 'a/b/c', allowed: false },
  { name: 'rank 2: non-glob beats glob (grant non-glob)', policies: [R('a/+/c*', ['deny']) + R('a/+/c', ['read'])], op: 'read', path: 'a/b/c', allowed: true },
  { name: 'rank 2: + rule beats prefix rule at same position', policies: [R('a/*', ['deny']) + R('a/+', ['read'])], op: 'read', path: 'a/b', allowed: true },
  { name: 'rank 2: + rule beats prefix rule at same position (deny)', policies: [R('a/*', ['read']) + R('a/+', ['deny'])], op: 'read', path: 'a/b', allowed: false },
  // 3.3 more '+' segments is lower.
  { name: 'rank 3: fewer + wins (deny fewer)', policies: [R('a/+/+', ['read']) + R('a/+/c', ['deny'])], op: 'read', path: 'a/b/c', allowed: false },
  { name: 'rank 3: fewer + wins (grant fewer)', policies: [R('a/+/+', ['deny']) + R('a/+/c', ['read'])], op: 'read', path: 'a/b/c', allowed: true },
  // 3.4 shorter is lower.
  { name: 'rank 4: longer wins (deny longer)', policies: [R('a/+/c*', ['read']) + R('a/+/cd*', ['deny'])], op: 'read', path: 'a/b/cde', allowed: false },
  { name: 'rank 4: longer wins (grant longer)', policies: [R('a/+/c*', ['deny']) + R('a/+/cd*', ['read'])], op: 'read', path: 'a/b/cde', allowed: true },
  // 3.5 lexicographically smaller is lower ('+' < 'c').
  { name: 'rank 5: lexically larger wins (deny larger)', policies: [R('a/+/+/d', ['read']) + R('a/+/c/+', ['deny'])], op: 'read', path: 'a/b/c/d', allowed: false },
  { name: 'rank 5: lexically larger wins (grant larger)', policies: [R('a/+/+/d', ['deny']) + R('a/+/c/+', ['read'])], op: 'read', path: 'a/b/c/d', allowed: true },
  // 4. No candidate.
  { name: 'nothing matches', policies: [R('secret/*', ['read'])], op: 'read', path: 'other/x', allowed: false },
  { name: 'no policies', policies: [], op: 'read', path: 'secret/x', allowed: false },
  // deny only in the governing rule; identical patterns merge.
  { name: 'deny on a less specific rule does not stop a specific grant', policies: [R('secret/*', ['deny']), R('secret/app*', ['read'])], op: 'read', path: 'secret/app/x', allowed: true },
  { name: 'merged identical deny wins (prefix)', policies: [R('secret/*', ['read']), R('secret/*', ['deny'])], op: 'read', path: 'secret/x', allowed: false },
  { name: 'merged identical deny wins (order reversed)', policies: [R('secret/*', ['deny']), R('secret/*', ['read'])], op: 'read', path: 'secret/x', allowed: false },
  { name: 'merged identical deny wins over sudo', policies: [R('a', ['read', 'sudo']), R('a', ['deny'])], op: 'read', path: 'a', allowed: false, rootPrivs: false },
  { name: 'merged identical deny wins (segment)', policies: [R('a/+', ['read']), R('a/+', ['deny'])], op: 'read', path: 'a/b', allowed: false },
  // 5. list on a path ending in '/'.
  { name: 'list rule 5: deeper deny beats broad list grant', policies: [R('a/*', ['read', 'list']) + R('a/b/*', ['deny'])], op: 'list', path: 'a/b/', allowed: false },
  { name: 'list rule 5: deny on P beats list on trimmed P', policies: [R('a/b*', ['list']) + R('a/b/*', ['deny'])], op: 'list', path: 'a/b/', allowed: false },
  { name: 'list rule 5: deeper list beats broad deny', policies: [R('a/*', ['deny']) + R('a/b/*', ['list'])], op: 'list', path: 'a/b/', allowed: true },
  { name: 'list rule 5: only a deny candidate', policies: [R('a/b/*', ['deny'])], op: 'list', path: 'a/b/', allowed: false },
  { name: 'list rule 5: only a list candidate', policies: [R('a/b/*', ['list'])], op: 'list', path: 'a/b/', allowed: true },
  { name: 'list rule 5: list on trimmed path only', policies: [R('a/b*', ['list'])], op: 'list', path: 'a/b/', allowed: true },
  { name: 'list rule 5: list outranks a lower deny', policies: [R('a/+/*', ['deny']) + R('a/+', ['list'])], op: 'list', path: 'a/b/', allowed: true },
  { name: 'list rule 5: deny outranks a lower list', policies: [R('a/+/*', ['list']) + R('a/+', ['deny'])], op: 'list', path: 'a/b/', allowed: false },
  { name: 'list rule 5: neither deny nor list -> highest governs', policies: [R('a/b/*', ['read', 'sudo'])], op: 'list', path: 'a/b/', allowed: false, rootPrivs: true },
  { name: 'list rule 5: nothing at all', policies: [R('x/*', ['list'])], op: 'list', path: 'a/b/', allowed: false },
  { name: 'non-list op on a slash path uses P only', policies: [R('a/b*', ['read']) + R('a/b/*', ['deny'])], op: 'read', path: 'a/b/', allowed: false },
  { name: 'list without trailing slash uses steps 2-4', policies: [R('a/*', ['list']) + R('a/b*', ['deny'])], op: 'list', path: 'a/b', allowed: false },
];

for (const c of PRIORITY) {
  test(`priority: ${c.name}`, () => {
    const res = check(aclOf(...c.policies), c.op, c.path);
    assert.equal(res.allowed, c.allowed);
    if (c.rootPrivs !== undefined) assert.equal(res.rootPrivs, c.rootPrivs);
  });
}

test('operations map to capabilities; renew/revoke/rollback need update; help is always allowed', () => {
  const acl = aclOf(R('a', ['create', 'read', 'update', 'delete', 'list', 'patch']) + R('b', ['read']));
  for (const op of ['create', 'read', 'update', 'delete', 'list', 'patch', 'renew', 'revoke', 'rollback'] as Operation[]) {
    assert.equal(check(acl, op, 'a').allowed, true, op);
  }
  for (const op of ['create', 'update', 'delete', 'list', 'patch', 'renew', 'revoke', 'rollback'] as Operation[]) {
    assert.equal(check(acl, op, 'b').allowed, false, op);
  }
  assert.equal(check(acl, 'help', 'nowhere').allowed, true);
  assert.equal(check(aclOf(R('c', ['update'])), 'patch', 'c').allowed, false, 'patch needs patch');
});

test('rootPrivs is sudo on the governing rule only', () => {
  const acl = aclOf(R('sys/*', ['read', 'sudo']) + R('sys/mounts', ['read']));
  assert.equal(check(acl, 'read', 'sys/audit').rootPrivs, true);
  assert.equal(check(acl, 'read', 'sys/mounts').rootPrivs, false);
  assert.equal(check(acl, 'read', 'other').rootPrivs, false);
});

test('granting policies: the policies whose rule granted the capability', () => {
  const acl = aclOf(R('a', ['read']), R('a', ['read', 'update']), R('b', ['list']));
  assert.deepEqual(check(acl, 'read', 'a').grantingPolicies, ['p1', 'p2']);
  assert.deepEqual(check(acl, 'update', 'a').grantingPolicies, ['p2']);
  assert.deepEqual(check(acl, 'delete', 'a').grantingPolicies, []);
  assert.deepEqual(check(acl, 'list', 'b/').grantingPolicies, ['p3']);
});

test('root ACL allows everything, with sudo', () => {
  const res = ROOT_ACL.allowOperation({ operation: 'delete', path: 'sys/anything', data: { x: 1 }, wrapTTL: 0 });
  assert.deepEqual(res, { allowed: true, rootPrivs: true, grantingPolicies: ['root'] });
  assert.equal(ROOT_ACL.isRoot, true);
  assert.deepEqual(ROOT_ACL.capabilities('x'), ['root']);
  assert.equal(ROOT_ACL.hasAccessUnder('secret/'), true);
});

test('merging: capabilities are OR-ed per identical key within the same set', () => {
  const acl = aclOf(R('a', ['read']), R('a', ['update']));
  assert.equal(check(acl, 'read', 'a').allowed, true);
  assert.equal(check(acl, 'update', 'a').allowed, true);
  // Exact `secret/foo` and prefix `secret/foo*` are different keys.
  const sets = aclOf(R('secret/foo', ['read']), R('secret/foo*', ['deny']));
  assert.equal(check(sets, 'read', 'secret/foo').allowed, true);
  assert.equal(check(sets, 'read', 'secret/foo/x').allowed, false);
});

test('merging: duplicate path blocks inside one policy merge too', () => {
  const acl = aclOf(R('a', ['read']) + R('a', ['list']));
  assert.deepEqual(acl.capabilities('a'), ['list', 'read']);
  const denied = aclOf(R('a', ['read']) + R('a', ['deny']));
  assert.deepEqual(denied.capabilities('a'), ['deny']);
});

test('merging: allowed_parameters union, empty list wins, absent map adds nothing', () => {
  const ap = (body: string) => `  allowed_parameters = { ${body} }\n`;
  const union = aclOf(R('a', ['update'], ap('"x" = ["a"]')), R('a', ['update'], ap('"x" = ["b"]')));
  assert.equal(check(union, 'update', 'a', { x: 'a' }).allowed, true);
  assert.equal(check(union, 'update', 'a', { x: 'b' }).allowed, true);
  assert.equal(check(union, 'update', 'a', { x: 'c' }).allowed, false);
  const empty = aclOf(R('a', ['update'], ap('"x" = []')), R('a', ['update'], ap('"x" = ["b"]')));
  assert.equal(check(empty, 'update', 'a', { x: 'anything' }).allowed, true);
  const emptySecond = aclOf(R('a', ['update'], ap('"x" = ["b"]')), R('a', ['update'], ap('"x" = []')));
  assert.equal(check(emptySecond, 'update', 'a', { x: 'anything' }).allowed, true);
  // A rule without the map merged with one that has it ends up restricted.
  const restricted = aclOf(R('a', ['update']), R('a', ['update'], ap('"x" = ["a"]')));
  assert.equal(check(restricted, 'update', 'a', { y: 1 }).allowed, false);
  assert.equal(check(restricted, 'update', 'a', { x: 'a' }).allowed, true);
  const restricted2 = aclOf(R('a', ['update'], ap('"x" = ["a"]')), R('a', ['update']));
  assert.equal(check(restricted2, 'update', 'a', { y: 1 }).allowed, false);
  // Different keys are united.
  const keys = aclOf(R('a', ['update'], ap('"x" = []')), R('a', ['update'], ap('"y" = []')));
  assert.equal(check(keys, 'update', 'a', { x: 1, y: 2 }).allowed, true);
  assert.equal(check(keys, 'update', 'a', { z: 1 }).allowed, false);
});

test('merging: denied_parameters union; required_parameters union', () => {
  const dp = (body: string) => `  denied_parameters = { ${body} }\n`;
  const acl = aclOf(R('a', ['update'], dp('"x" = ["a"]')), R('a', ['update'], dp('"x" = ["b"]')));
  assert.equal(check(acl, 'update', 'a', { x: 'a' }).allowed, false);
  assert.equal(check(acl, 'update', 'a', { x: 'b' }).allowed, false);
  assert.equal(check(acl, 'update', 'a', { x: 'c' }).allowed, true);
  const anyDenied = aclOf(R('a', ['update'], dp('"x" = ["a"]')), R('a', ['update'], dp('"x" = []')));
  assert.equal(check(anyDenied, 'update', 'a', { x: 'zzz' }).allowed, false);
  const req = aclOf(R('a', ['update'], '  required_parameters = ["a"]\n'), R('a', ['update'], '  required_parameters = ["b"]\n'));
  assert.equal(check(req, 'update', 'a', { a: 1 }).allowed, false);
  assert.equal(check(req, 'update', 'a', { a: 1, b: 2 }).allowed, true);
});

test('merging: a deny drops the parameter maps; existing deny stays', () => {
  const acl = aclOf(R('a', ['update'], '  allowed_parameters = { "x" = [] }\n'), R('a', ['deny']), R('a', ['update']));
  assert.deepEqual(acl.capabilities('a'), ['deny']);
  assert.equal(check(acl, 'update', 'a', { x: 1 }).allowed, false);
});

test('wrapping TTL: max and min constraints', () => {
  const max = aclOf(R('a', ['read', 'delete'], '  max_wrapping_ttl = 60\n'));
  assert.equal(check(max, 'read', 'a', {}, 0).allowed, false, 'must be wrapped');
  assert.equal(check(max, 'read', 'a', {}, 30).allowed, true);
  assert.equal(check(max, 'read', 'a', {}, 60).allowed, true);
  assert.equal(check(max, 'read', 'a', {}, 61).allowed, false);
  assert.equal(check(max, 'delete', 'a', {}, 0).allowed, false, 'applies to every operation');
  const min = aclOf(R('a', ['read'], '  min_wrapping_ttl = "10s"\n'));
  assert.equal(check(min, 'read', 'a', {}, 0).allowed, false);
  assert.equal(check(min, 'read', 'a', {}, 5).allowed, false);
  assert.equal(check(min, 'read', 'a', {}, 10).allowed, true);
  assert.equal(check(min, 'read', 'a', {}, 3600).allowed, true);
  const forced = aclOf(R('a', ['read'], '  min_wrapping_ttl = "1s"\n'));
  assert.equal(check(forced, 'read', 'a').allowed, false);
  assert.equal(check(forced, 'read', 'a', {}, 1).allowed, true);
});

test('wrapping TTL merging: smaller non-zero value of each; min above max denies all', () => {
  const maxes = aclOf(R('a', ['read'], '  max_wrapping_ttl = 100\n'), R('a', ['read'], '  max_wrapping_ttl = 50\n'));
  assert.equal(check(maxes, 'read', 'a', {}, 60).allowed, false);
  assert.equal(check(maxes, 'read', 'a', {}, 50).allowed, true);
  const zero = aclOf(R('a', ['read'], '  max_wrapping_ttl = 100\n'), R('a', ['read']));
  assert.equal(check(zero, 'read', 'a', {}, 100).allowed, true);
  assert.equal(check(zero, 'read', 'a', {}, 0).allowed, false, 'a rule without max does not lift it');
  const mins = aclOf(R('a', ['read'], '  min_wrapping_ttl = 30\n'), R('a', ['read'], '  min_wrapping_ttl = 10\n'));
  assert.equal(check(mins, 'read', 'a', {}, 10).allowed, true);
  const crossed = aclOf(R('a', ['read'], '  min_wrapping_ttl = 100\n'), R('a', ['read'], '  max_wrapping_ttl = 50\n'));
  for (const ttl of [0, 50, 75, 100]) assert.equal(check(crossed, 'read', 'a', {}, ttl).allowed, false, String(ttl));
});

test('parameter constraints apply only to read, create, update, patch', () => {
  const acl = aclOf(R('a', ['read', 'create', 'update', 'patch', 'delete', 'list'], '  denied_parameters = { "*" = [] }\n'));
  for (const op of ['read', 'create', 'update', 'patch'] as Operation[]) assert.equal(check(acl, op, 'a', { x: 1 }).allowed, false, op);
  for (const op of ['delete', 'list'] as Operation[]) assert.equal(check(acl, op, 'a', { x: 1 }).allowed, true, op);
  assert.equal(check(acl, 'update', 'a', {}).allowed, true, 'no data -> allowed');
});

test('capabilities: sorted, deny when none, list semantics, ignores constraints', () => {
  const acl = aclOf(
    R('a', ['update', 'read', 'create']) +
      R('b', ['deny']) +
      R('c', []) +
      R('secret/metadata/app', ['list']) +
      R('w', ['read', 'sudo'], '  min_wrapping_ttl = 10\n  required_parameters = ["x"]\n') +
      R('l/*', ['read', 'list']) +
      R('l/d/*', ['deny']) +
      R('s', ['subscribe', 'patch']),
  );
  assert.deepEqual(acl.capabilities('a'), ['create', 'read', 'update']);
  assert.deepEqual(acl.capabilities('/a'), ['create', 'read', 'update']);
  assert.deepEqual(acl.capabilities('b'), ['deny']);
  assert.deepEqual(acl.capabilities('c'), ['deny']);
  assert.deepEqual(acl.capabilities('nothing/here'), ['deny']);
  assert.deepEqual(acl.capabilities('secret/metadata/app/'), ['list']);
  assert.deepEqual(acl.capabilities('w'), ['read', 'sudo']);
  assert.deepEqual(acl.capabilities('l/x'), ['list', 'read']);
  assert.deepEqual(acl.capabilities('l/d/'), ['deny'], 'rule 5 applies');
  assert.deepEqual(acl.capabilities('s'), ['patch', 'subscribe']);
  assert.deepEqual(aclOf().capabilities('a'), ['deny'], 'no policies at all');
});

test('hasAccessUnder: any non-deny capability at or below the mount path', () => {
  const yes: Array<[string, string]> = [
    [R('secret/data/app/*', ['read']), 'secret/'],
    [R('secret/data/app', ['read']), 'secret/'],
    [R('sec*', ['read']), 'secret/'],
    [R('secret/*', ['list']), 'secret/'],
    [R('secret', ['read']), 'secret/'],
    [R('secret/+/app', ['read']), 'secret/'],
    [R('+/data/*', ['read']), 'secret/'],
    [R('a/+/x*', ['read']), 'a/b/xyz/'],
    [R('+/x*', ['read']), 'y/xz/q/'],
    [R('secret/*', ['deny']) + R('secret/data/app', ['read']), 'secret/'],
    [R('auth/jwt/login', ['update']), 'auth/jwt/'],
    [R('secret/data/app', ['read']), 'secret'],
  ];
  for (const [policy, prefix] of yes) assert.equal(aclOf(policy).hasAccessUnder(prefix), true, `${policy} @ ${prefix}`);
  const no: Array<[string, string]> = [
    [R('secret/*', ['deny']), 'secret/'],
    [R('secretive/x', ['read']), 'secret/'],
    [R('secretive/*', ['read']), 'secret/'],
    [R('other/*', ['read']), 'secret/'],
    [R('secret/data/x', ['subscribe']), 'secret/'],
    [R('secret/data/x', []), 'secret/'],
    [R('a/+', ['read']), 'a/b/c/'],
    [R('x/+/app', ['read']), 'secret/'],
    [R('secret/+/app', ['deny']), 'secret/'],
    ['', 'secret/'],
  ];
  for (const [policy, prefix] of no) assert.equal(aclOf(policy).hasAccessUnder(prefix), false, `${policy} @ ${prefix}`);
});
