/**
 * The fast HCL parser must agree with js-hcl-parser wherever it answers (differential tests).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeepError } from '../../errors.ts';
import { DEFAULT_POLICY, RESPONSE_WRAPPING_POLICY } from './builtin.ts';
import { fastParseHcl } from './hcl-fast.ts';
import { parseHclWithLibrary } from './hcl.ts';
import { parsePolicyUsing } from './parse.ts';
import { mulberry32, mutate, SEEDS } from './test-helpers.ts';

function library(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: parseHclWithLibrary(text) };
  } catch {
    return { ok: false };
  }
}

function policyOutcome(text: string, hcl: (t: string) => unknown): unknown {
  try {
    return parsePolicyUsing(text, hcl);
  } catch (e) {
    assert.ok(e instanceof KeepError && e.status === 400, String(e));
    return 'error';
  }
}

/** Where the fast parser answers, it agrees with the library. Returns whether it answered. */
function agree(text: string): boolean {
  const fast = fastParseHcl(text);
  if (fast === undefined) return false;
  if (/^\s*\{/.test(text)) {
    // JSON is read directly: compare the resulting policies instead of the raw shapes.
    const slow = policyOutcome(text, parseHclWithLibrary);
    const quick = policyOutcome(text, () => fast);
    if (slow !== 'error') assert.deepEqual(quick, slow, JSON.stringify(text));
    return true;
  }
  const lib = library(text);
  assert.ok(lib.ok, `fast parser accepted what the library rejects: ${JSON.stringify(text)}`);
  assert.deepEqual(fast, lib.value, JSON.stringify(text));
  return true;
}

const HANDLED = [
  DEFAULT_POLICY,
  RESPONSE_WRAPPING_POLICY,
  ...SEEDS,
  'a = [1]\na = [2]',
  'x = [1]\nx = [2]\nx = [3]',
  'a = [1]\na = []',
  'p "a" { capabilities = ["read"]\n capabilities = ["list"] }',
  'path { x = 1 }\npath { y = 1 }',
  'a "x" {}\na "y" "z" {}',
  'x { a = 1 }\nx = { b = 2 }',
  'x = [true, 1]',
  'path "a" {}\nx = 1\npath "b" {}',
  'o = { a = 1, b = 2 }',
  'o = { a = 1, b = 2, }',
  'o { a = 1\n b = 2 }',
  'x = [{a = 1}]',
  'x = [{a = {b = 1}}]',
  'path a {}',
  'path "a" b {}',
  'a = 1, b = 2',
  'x = [\n"a",\n# c\n"b"\n]',
  'x = {}',
  'x {}',
  'p "a" { q = 1 }\np "a" { q = 2 }',
  'a.b = 1',
  'a-b = 1',
  'x = true\ny = false',
  '"x y" = 1',
  'x = "\\u00e9\\t\\"q\\\\\\n\\r"',
  'x = "é ü 字"',
  'x=1 y=2',
  'x = -0.5',
  'x = -0',
  'x = -0.0',
  'x = 1e-3',
  'x = 2.5E+3',
  'x = -1',
  'x = 0',
  'x = 2147483647',
  'x = -2147483647',
  'p "a" { o = { "k" = [] } o = { "j" = [1] } }',
  'x = [[1,2],[]]',
  'x = ["a",]',
  'x = []',
  'p "" {}',
  'p "a" "" {}',
  'a = { b = { c = 1 } }',
  'a { b { c = 1 } }',
  'a "x" { b "y" { c = 1 } }',
  '',
  '   \n# only a comment\n',
  '/* c */ path "a" { /* in */ capabilities = ["read"] // tail\n }',
  'path "secret/*" {\r\n  capabilities = ["read"]\r\n}\r\n',
  '{"path": {"a": {"capabilities": ["read"], "allowed_parameters": {"X": [], "y": ["1", 2]}}, "b": {"x": true}}}',
  '{"path": {"a": {"policy": "write"}, "b/+/c": {"capabilities": ["deny"]}}}',
  '{"path": [{"a": {"capabilities": ["read"]}}, {"a": {"capabilities": ["list"]}}]}',
];

for (const text of HANDLED) {
  test(`fast parser agrees with js-hcl-parser: ${JSON.stringify(text).slice(0, 60)}`, () => {
    assert.equal(agree(text), true, 'the fast parser should handle this input');
  });
}

const DEFERRED = [
  'x = <<EOF\nhello\nEOF\n',
  'x = "${foo}"',
  'x = "a\\qb"',
  'x = "\\a"',
  'x = 0x10',
  'x = 0777',
  'x = 3000000000',
  'x = 1.',
  'x = .5',
  'x = - 1',
  'x = foo',
  'x = 1e400',
  'a = 1\na {}',
  'a {}\na = 1',
  'x = ["a" "b"]',
  'x = [,]',
  'path "a" {',
  'path "a" }',
  'x = "unterminated',
  'x = "new\nline"',
  '/* open comment',
  'é = 1',
  '{"path": null}',
  '{"x": [true, 1]}',
  '{"x": [[false]]}',
  'a = 1\na = true',
  'a = 1\na = 2',
  'p "a" { x = 1 x = 2 }',
  'a = [1]\na = "x"',
  'path "a" {}\npath { x = 1 }',
  '{"a": 1, "a": 2}',
  '{"a": 1',
  '[1]',
];

for (const text of DEFERRED) {
  test(`fast parser defers to js-hcl-parser: ${JSON.stringify(text).slice(0, 60)}`, () => {
    assert.equal(fastParseHcl(text), undefined);
  });
}

test('differential fuzz: mutated policies decode identically, or the fast parser defers', () => {
  const rnd = mulberry32(0x68636c31);
  let answered = 0;
  for (let i = 0; i < 400; i++) {
    if (agree(mutate(SEEDS[i % SEEDS.length], rnd))) answered++;
  }
  assert.ok(answered > 0);
});
