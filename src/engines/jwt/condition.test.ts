import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeepError } from '../../errors.ts';
import { compileCondition, lineColumn, MAX_CONDITION_BYTES, regexHazard, toCelValue } from './condition.ts';

// Claims from shared/fixtures/claims (github-actions, gitlab-ci with groups_direct, circleci).
const GITHUB = {
  iss: 'https://token.actions.githubusercontent.com',
  sub: 'repo:keepdemo/payments-api:ref:refs/heads/main',
  aud: 'https://github.com/keepdemo',
  ref: 'refs/heads/main',
  ref_type: 'branch',
  repository: 'keepdemo/payments-api',
  repository_owner: 'keepdemo',
  repository_id: '734500112',
  run_attempt: '1',
  event_name: 'push',
  job_workflow_ref: 'keepdemo/payments-api/.github/workflows/deploy.yml@refs/heads/main',
  head_ref: '',
  iat: 1767225600,
  nbf: 1767225000,
  exp: 1767225900,
};
const GITLAB = {
  iss: 'https://gitlab.com',
  project_id: '55000111',
  project_path: 'keepdemo/payments-api',
  namespace_path: 'keepdemo',
  ref: 'main',
  ref_protected: 'true',
  runner_id: 12270835,
  groups_direct: ['keepdemo', 'keepdemo/platform'],
  user_identities: [{ provider: 'github', extern_uid: '90345678' }],
  aud: ['https://keep.example.com', 'sts.amazonaws.com'],
};
const CIRCLECI = {
  iss: 'https://oidc.circleci.com/org/6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  'oidc.circleci.com/project-id': '3a2f5b1c-7d4e-4f6a-9b8c-0d1e2f3a4b5c',
  'oidc.circleci.com/vcs-ref': 'refs/heads/main',
  'oidc.circleci.com/context-ids': ['7b6a5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d'],
  'oidc.circleci.com/ssh-rerun': false,
};
const NOW = 1767225700; // 2026-01-01T00:01:40Z, a Thursday

function ok(expr: string, claims: Record<string, unknown>, expected: boolean, now = NOW) {
  const r = compileCondition(expr).evaluate(claims, now);
  assert.deepEqual(r, { ok: true, value: expected }, expr);
}

function evalError(expr: string, claims: Record<string, unknown>, message: string | RegExp) {
  const r = compileCondition(expr).evaluate(claims, NOW);
  assert.equal(r.ok, false, expr);
  if (r.ok) return;
  if (typeof message === 'string') assert.equal(r.error, message, expr);
  else assert.match(r.error, message, expr);
}

function compileError(expr: string, message: string | RegExp) {
  assert.throws(
    () => compileCondition(expr),
    (e: unknown) => {
      assert.ok(e instanceof KeepError, String(e));
      assert.equal(e.status, 400);
      if (typeof message === 'string') assert.equal(e.message, message);
      else assert.match(e.message, message);
      assert.deepEqual(e.extra, { field: 'claims_condition' });
      return true;
    },
  );
}

test('what users write: ref and repository prefix', () => {
  const c = 'claims.ref == "refs/heads/main" && claims.repository.startsWith("keepdemo/")';
  ok(c, GITHUB, true);
  ok(c, { ...GITHUB, ref: 'refs/heads/dev' }, false);
  ok(c, { ...GITHUB, repository: 'evil/payments-api' }, false);
  ok("claims.repository_owner == 'keepdemo' && claims.ref == 'refs/heads/main'", GITHUB, true);
  ok('claims.job_workflow_ref.endsWith("@refs/heads/main") && claims.sub.contains(":ref:")', GITHUB, true);
});

test('lists: in, exists, all, size', () => {
  ok('claims.event_name in ["push", "workflow_dispatch"]', GITHUB, true);
  ok('claims.event_name in ["schedule"]', GITHUB, false);
  ok('"keepdemo/platform" in claims.groups_direct', GITLAB, true);
  ok('claims.groups_direct.exists(g, g.startsWith("keepdemo/"))', GITLAB, true);
  ok('claims.groups_direct.all(g, g.startsWith("keepdemo"))', GITLAB, true);
  ok('claims.user_identities.exists(i, i.provider == "github" && i.extern_uid == "90345678")', GITLAB, true);
  ok('"sts.amazonaws.com" in claims.aud && size(claims.aud) == 2', GITLAB, true);
  ok('claims.groups_direct.filter(g, g.contains("/")).size() == 1', GITLAB, true);
});

test('has(), in on the claims map, optional values', () => {
  ok('has(claims.environment)', GITHUB, false);
  ok('!has(claims.environment) || claims.environment == "production"', GITHUB, true);
  ok('has(claims.ref) && claims.head_ref == ""', GITHUB, true);
  ok('claims.?environment.orValue("none") == "none"', GITHUB, true);
  ok('"oidc.circleci.com/vcs-ref" in claims', CIRCLECI, true);
  ok('"oidc.circleci.com/vcs-origin" in claims', CIRCLECI, false);
});

test('claim names with dots and slashes use index syntax', () => {
  const c =
    'claims["oidc.circleci.com/vcs-ref"] == "refs/heads/main" && ' +
    "claims['oidc.circleci.com/ssh-rerun'] == false && " +
    'size(claims["oidc.circleci.com/context-ids"]) > 0';
  ok(c, CIRCLECI, true);
  ok(c, { ...CIRCLECI, 'oidc.circleci.com/ssh-rerun': true }, false);
});

test('string functions: matches, split, lowerAscii, size', () => {
  ok('claims.ref.matches("^refs/(heads/(main|release/.+)|tags/v[0-9]+[.][0-9]+[.][0-9]+)$")', GITHUB, true);
  ok('claims.ref.matches("^refs/tags/")', GITHUB, false);
  ok('claims.repository.split("/")[1] == "payments-api"', GITHUB, true);
  ok('claims.repository_owner.upperAscii() == "KEEPDEMO" && size(claims.repository_id) == 9', GITHUB, true);
  ok('int(claims.run_attempt) == 1', GITHUB, true);
});

test('numbers: integer claims are int, so arithmetic with now works', () => {
  ok('claims.exp - now <= 300', GITHUB, true);
  ok('claims.exp > now && now >= claims.iat', GITHUB, true);
  ok('now - claims.iat < 60', GITHUB, false); // 100 s after issue
  ok('claims.runner_id == 12270835', GITLAB, true);
  ok('claims.runner_id > 1.5', GITLAB, true);
  ok('claims.x == 0.5', { x: 0.5 }, true);
});

test('timestamps built from now and from claims', () => {
  ok('timestamp(now) > timestamp("2025-12-31T23:59:59Z")', GITHUB, true);
  ok('timestamp(claims.exp) - timestamp(now) < duration("10m")', GITHUB, true);
  ok('timestamp(now).getDayOfWeek() in [1, 2, 3, 4, 5]', GITHUB, true); // Thursday
  ok('timestamp(now).getHours() < 6', GITHUB, true);
  ok('timestamp(now).getDayOfWeek() == 6', GITHUB, false);
});

test('now is evaluated per call (compile once, evaluate many)', () => {
  const c = compileCondition('now < claims.exp');
  assert.equal(c.source, 'now < claims.exp');
  assert.deepEqual(c.evaluate(GITHUB, GITHUB.exp - 1), { ok: true, value: true });
  assert.deepEqual(c.evaluate(GITHUB, GITHUB.exp + 0.9), { ok: true, value: false });
  assert.deepEqual(c.evaluate({ ...GITHUB, exp: GITHUB.exp + 10 }, GITHUB.exp + 1), { ok: true, value: true });
});

test('runtime errors are results, not exceptions', () => {
  evalError('claims.environment == "production"', GITHUB, 'No such key: environment (line 1, column 8)');
  evalError('claims.ref == "x" ||\n  claims.missing == "y"', { ref: 'z' }, 'No such key: missing (line 2, column 10)');
  evalError('claims.ref + 1 == 2', GITHUB, /^no such overload: dyn<string> \+ int \(line 1, column 1\)$/);
  evalError('int(claims.ref) == 1', GITHUB, /\(line 1, column 1\)$/);
  evalError('claims.groups_direct[5] == "x"', GITLAB, /index out of (range|bounds)|out of range/i);
  evalError('claims.a.b == 1', { a: nest(40) }, /nested deeper than 32/);
  const notANumber = compileCondition('now > 0').evaluate(GITHUB, Number.NaN);
  assert.equal(notANumber.ok, false);
});

test('a non-bool result is refused', () => {
  evalError('claims.ref', GITHUB, 'claims_condition evaluated to string, not bool');
  evalError('claims.runner_id', GITLAB, 'claims_condition evaluated to int, not bool');
  evalError('claims.groups_direct', GITLAB, 'claims_condition evaluated to list, not bool');
  evalError('claims.user_identities[0]', GITLAB, 'claims_condition evaluated to map, not bool');
  evalError('claims.n', { n: null }, 'claims_condition evaluated to null, not bool');
  ok('claims.b', { b: true }, true);
  // Statically known non-bool types are refused when the role is written.
  compileError('claims.ref + "x"', 'invalid claims_condition: expression must evaluate to bool, not string (line 1, column 1)');
  compileError('1 + 2', /^invalid claims_condition: expression must evaluate to bool, not int/);
  compileError('now', /must evaluate to bool, not int/);
});

test('syntax errors name the position', () => {
  compileError('claims.ref ==', 'invalid claims_condition: Unexpected token: EOF (line 1, column 14)');
  compileError(
    'claims.ref == "refs/heads/main" &&\n  claims.repository $ "x"',
    'invalid claims_condition: Unexpected character: $ (line 2, column 21)',
  );
  compileError('claims.ref == "main', /^invalid claims_condition: .*\(line 1, column \d+\)$/);
  compileError('claims.ref == "a" && && true', /^invalid claims_condition: .*\(line 1, column 22\)$/);
  compileError('', 'invalid claims_condition: expression is empty');
  compileError('  \n ', 'invalid claims_condition: expression is empty');
});

test('type errors are compile errors with positions', () => {
  compileError('1 + "a" == 2', /^invalid claims_condition: no such overload: int \+ string \(line 1, column 1\)$/);
  compileError('assertion.ref == "x"', 'invalid claims_condition: Unknown variable: assertion (line 1, column 1)');
  // claims.<name> is dyn: an argument of the wrong type shows only at evaluation.
  evalError('claims.ref.startsWith(1)', GITHUB, "found no matching overload for 'string.startsWith(int)' (line 1, column 1)");
  compileError('claims.ref.nope()', /^invalid claims_condition: .*nope.*\(line 1, column \d+\)$/);
});

test('cost guards: length, depth, comprehensions, cel.bind', () => {
  compileError('true || '.repeat(600) + 'true', `invalid claims_condition: expression is longer than ${MAX_CONDITION_BYTES} bytes`);
  // Exactly at the limit is fine.
  const atLimit = 'true' + ' '.repeat(MAX_CONDITION_BYTES - 4);
  assert.equal(compileCondition(atLimit).evaluate({}, NOW).ok, true);
  // Multi-byte characters count as bytes.
  compileError(`claims.x == "${'é'.repeat(2100)}"`, /longer than 4096 bytes/);
  compileError('('.repeat(100) + 'true' + ')'.repeat(100), /^invalid claims_condition: Exceeded maxDepth \(48\) \(line 1, column \d+\)$/);
  // A long flat chain of clauses is not "deep".
  const chain = Array.from({ length: 60 }, (_, i) => `claims.ref != "refs/heads/x${i}"`).join(' && ');
  ok(chain, GITHUB, true);
  ok('claims.groups_direct.exists(g, claims.groups_direct.exists(h, g != h))', GITLAB, true);
  compileError(
    'claims.groups_direct.exists(a, claims.groups_direct.exists(b, claims.groups_direct.exists(c, a == b)))',
    /^invalid claims_condition: comprehensions \(all, exists, exists_one, map, filter\) nest at most 2 deep \(line 1, column 63\)$/,
  );
  compileError('cel.bind(x, claims.sub + claims.sub, x + x) != ""', 'invalid claims_condition: cel.bind is not supported (line 1, column 1)');
});

test('matches(): literal, valid, linear-safe patterns only', () => {
  compileError('claims.ref.matches(claims.sub)', 'invalid claims_condition: matches() needs a string literal pattern (line 1, column 20)');
  compileError('claims.ref.matches("(")', /^invalid claims_condition: invalid regular expression: .*\(line 1, column 20\)$/);
  compileError('claims.ref.matches("(a+)+$")', /a repeated group must not itself contain a repetition or an alternation/);
  compileError('claims.ref.matches("^(a|ab)*c")', /a repeated group must not itself contain/);
  compileError('claims.ref.matches("(x)\\\\1")', /backreferences are not supported/);
  compileError('claims.ref.matches("^(?=refs)")', /lookaround is not supported/);
});

test('regexHazard', () => {
  for (const ok of ['^refs/heads/(main|release/.*)$', '^v[0-9]+\\.[0-9]+$', '(ab)*', '(a|b)?', '[(+*)]+', 'a{2,5}', '(?:abc){3}', '(?<n>ab)*', '\\(a+\\)+']) {
    assert.equal(regexHazard(ok), undefined, ok);
  }
  for (const bad of ['(a+)+', '(a*)*b', '((a)+)*', '(a|b)*', '(a|b){2}', '(a{1,3}){2,}', '(a)\\2', '\\k<x>', '(?<!x)y', '(?<n>a+)+', '(?:a|b)+', '[']) {
    assert.notEqual(regexHazard(bad), undefined, bad);
  }
});

test('claims conversion: ints, doubles, nested maps, __proto__ keys', () => {
  assert.deepEqual(toCelValue({ a: 1, b: 1.5, c: [2, 'x', null, true], d: { e: 3 } }), {
    __proto__: null,
    a: 1n,
    b: 1.5,
    c: [2n, 'x', null, true],
    d: Object.assign(Object.create(null) as object, { e: 3n }),
  });
  const claims = JSON.parse('{"__proto__": {"admin": true}, "ref": "refs/heads/main"}') as Record<string, unknown>;
  ok('claims.ref == "refs/heads/main" && !has(claims.admin)', claims, true);
  ok('claims["__proto__"].admin == true', claims, true);
  ok('claims.big > 9007199254740991.0', { big: 2 ** 60 }, true); // beyond safe integers: double
  assert.equal(toCelValue({ isLosslessNumber: true, value: '318' }), 318n);
});

test('lineColumn', () => {
  assert.deepEqual(lineColumn('abc', 0), { line: 1, column: 1 });
  assert.deepEqual(lineColumn('ab\ncd', 3), { line: 2, column: 1 });
  assert.deepEqual(lineColumn('ab\ncd', 4), { line: 2, column: 2 });
  assert.deepEqual(lineColumn('ab', 10), { line: 1, column: 3 });
});

function nest(n: number): Record<string, unknown> {
  let v: Record<string, unknown> = { b: 1 };
  for (let i = 0; i < n; i++) v = { b: v };
  return v;
}
