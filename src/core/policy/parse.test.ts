import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLosslessNumber } from 'lossless-json';
import { KeepError } from '../../errors.ts';
import { parsePolicy, parsePolicyUsing } from './parse.ts';
import { CAP } from './types.ts';

function parseError(text: string): string {
  try {
    parsePolicy(text);
  } catch (e) {
    assert.ok(e instanceof KeepError, 'a KeepError');
    assert.equal(e.status, 400);
    return e.message;
  }
  assert.fail(`expected a parse error for ${JSON.stringify(text)}`);
}

const HCL = `
# comment
// another comment
/* block
   comment */
name = "ignored"

path "secret/data/ci/*" {
  capabilities = ["read", "list",]
  comment = "CI may read"
}

path "secret/data/ci/prod/*" {
  capabilities = ["deny"]
}
`;

const JSON_POLICY = `{ "path": {
  "secret/data/ci/*":      { "capabilities": ["read", "list"] },
  "secret/data/ci/prod/*": { "capabilities": ["deny"] } } }`;

test('HCL and its JSON equivalent give the same rules', () => {
  const h = parsePolicy(HCL);
  const j = parsePolicy(JSON_POLICY);
  assert.deepEqual(h, j);
  assert.equal(h.rules.length, 2);
  assert.deepEqual(h.rules[0].capabilities, ['read', 'list']);
  assert.equal(h.rules[0].bits, CAP.read | CAP.list);
  assert.equal(h.rules[0].path, 'secret/data/ci/*');
  assert.deepEqual(h.rules[1].capabilities, ['deny']);
  assert.equal(h.templated, false);
});

test('empty text, and text with only comments, hold no rules', () => {
  assert.deepEqual(parsePolicy('').rules, []);
  assert.deepEqual(parsePolicy('# nothing\n').rules, []);
  assert.deepEqual(parsePolicy('{}').rules, []);
});

test('HCL1 block form of allowed_parameters and denied_parameters', () => {
  const p = parsePolicy(`
path "auth/token/create" {
  capabilities = ["update"]
  allowed_parameters {
    "Policies" = ["dev", "ops"]
    "ttl" = []
  }
  denied_parameters {
    "no_parent" = []
  }
}`);
  const r = p.rules[0];
  assert.deepEqual([...(r.allowedParameters ?? new Map())], [['policies', ['dev', 'ops']], ['ttl', []]]);
  assert.deepEqual([...(r.deniedParameters ?? new Map())], [['no_parent', []]]);
});

test('assignment form of parameter maps; names lower-cased; values kept typed', () => {
  const p = parsePolicy(`path "a" {
  capabilities = ["update"]
  allowed_parameters = { "FOO" = [] "bar" = ["zip", "zap"] "n" = [1, 2.5, true, 3000000000, 1e20] "*" = [] }
  required_parameters = ["Foo", "foo", "Bar"]
}`);
  const r = p.rules[0];
  assert.deepEqual([...(r.allowedParameters?.keys() ?? [])].sort(), ['*', 'bar', 'foo', 'n']);
  const n = r.allowedParameters?.get('n') ?? [];
  assert.deepEqual(n.slice(0, 4), [1, 2.5, true, 3000000000], 'integers beyond 32 bits are accepted');
  assert.ok(isLosslessNumber(n[4]) && n[4].value === '100000000000000000000', 'numbers beyond 2^53 stay exact');
  assert.deepEqual(r.requiredParameters, ['foo', 'bar']);
});

test('an empty parameter map counts as absent', () => {
  const r = parsePolicy('path "a" { capabilities = ["update"] allowed_parameters = {} }').rules[0];
  assert.equal(r.allowedParameters, undefined);
});

test('duplicate path blocks are all kept, in file order', () => {
  const p = parsePolicy('path "a" { capabilities = ["read"] }\npath "b" { capabilities = ["list"] }\npath "a" { capabilities = ["update"] }');
  assert.deepEqual(
    p.rules.map((r) => [r.path, r.capabilities]),
    [
      ['a', ['read']],
      ['b', ['list']],
      ['a', ['update']],
    ],
  );
});

test('leading slash stripped once; trailing glob kept', () => {
  const p = parsePolicy('path "/secret/*" { capabilities = ["read"] }\npath "//x" { capabilities = ["read"] }');
  assert.equal(p.rules[0].path, 'secret/*');
  assert.equal(p.rules[1].path, '/x');
});

test('legacy policy values map to capabilities', () => {
  const caps = (v: string) => parsePolicy(`path "a" { policy = "${v}" }`).rules[0].capabilities;
  assert.deepEqual(caps('deny'), ['deny']);
  assert.deepEqual(caps('read'), ['read', 'list']);
  assert.deepEqual(caps('write'), ['create', 'read', 'update', 'delete', 'list']);
  assert.deepEqual(caps('sudo'), ['create', 'read', 'update', 'delete', 'list', 'sudo']);
  assert.deepEqual(parsePolicy('path "a" { capabilities = ["patch"] policy = "read" }').rules[0].capabilities, ['patch', 'read', 'list']);
  assert.deepEqual(parsePolicy('path "a" { capabilities = ["read"] policy = "deny" }').rules[0].capabilities, ['deny']);
  assert.equal(parseError('path "a" { policy = "admin" }'), 'failed to parse policy: path "a": invalid policy "admin"');
  assert.equal(parseError('path "a" { policy = "Read" }'), 'failed to parse policy: path "a": invalid policy "Read"');
});

test('deny drops the other capabilities and the block settings', () => {
  const r = parsePolicy(`path "a" {
  capabilities = ["read", "deny", "update"]
  allowed_parameters = { "x" = [] }
  min_wrapping_ttl = "not a duration"
}`).rules[0];
  assert.deepEqual(r.capabilities, ['deny']);
  assert.equal(r.bits, CAP.deny);
  assert.equal(r.allowedParameters, undefined);
});

test('every capability name is accepted; duplicates collapse', () => {
  const r = parsePolicy('path "a" { capabilities = ["create","read","update","patch","delete","list","sudo","subscribe","recover","read"] }').rules[0];
  assert.equal(r.capabilities.length, 9);
  assert.equal(r.bits & CAP.deny, 0);
});

test('accepted and ignored keys: comment, mfa_methods, control_group, subscribe_event_types', () => {
  const p = parsePolicy(`path "a" {
  capabilities = ["read"]
  comment = "hi"
  mfa_methods = ["m"]
  control_group = { factor "ops" { identity { group_names = ["ops"] approvals = 1 } } }
  subscribe_event_types = ["kv*"]
}`);
  assert.deepEqual(p.rules[0].capabilities, ['read']);
});

test('wrapping TTLs accept durations and seconds', () => {
  const r = parsePolicy('path "a" { capabilities = ["read"] min_wrapping_ttl = "90s" max_wrapping_ttl = 3600 }').rules[0];
  assert.equal(r.minWrappingTTL, 90);
  assert.equal(r.maxWrappingTTL, 3600);
  const r2 = parsePolicy('path "a" { capabilities = ["read"] max_wrapping_ttl = "1h" min_wrapping_ttl = "60" }').rules[0];
  assert.equal(r2.maxWrappingTTL, 3600);
  assert.equal(r2.minWrappingTTL, 60);
  const r3 = parsePolicy('path "a" { capabilities = ["read"] max_wrapping_ttl = "1d" }').rules[0];
  assert.equal(r3.maxWrappingTTL, 86400);
});

test('templated paths are marked and kept as written', () => {
  const p = parsePolicy('path "/secret/data/{{ identity.entity.name }}/*" { capabilities = ["read"] }\npath "plain" { capabilities = ["read"] }');
  assert.equal(p.templated, true);
  assert.equal(p.rules[0].templated, true);
  assert.equal(p.rules[0].path, '/secret/data/{{ identity.entity.name }}/*');
  assert.equal(p.rules[1].templated, false);
});

test('a "${...}" label is literal text (HCL1)', () => {
  assert.equal(parsePolicy('path "secret/${foo}/*" { capabilities = ["read"] }').rules[0].path, 'secret/${foo}/*');
});

// Every rejection of spec/core.md 3.1 and 3.8.
const REJECT: Array<[string, string | RegExp]> = [
  ['foo = 1\npath "a" {}', 'failed to parse policy: 1 error occurred:\n\t* invalid key "foo" on line 1\n\n'],
  ['path "a" {}\nzeta = 1\nalpha { }', 'failed to parse policy: 2 errors occurred:\n\t* invalid key "zeta" on line 2\n\t* invalid key "alpha" on line 3\n\n'],
  ['path "a" {\n  capabilities = ["read"]\n  capability = ["read"]\n}', 'failed to parse policy: 1 error occurred:\n\t* path "a": invalid key "capability" on line 3\n\n'],
  ['{"path": {"a": {"bogus": 1}}}', /^failed to parse policy: 1 error occurred:\n\t\* path "a": invalid key "bogus" on line 1\n\n$/],
  ['path "a/+*" { capabilities = ["read"] }', "failed to parse policy: path \"a/+*\": invalid use of wildcards ('+*' is forbidden)"],
  ['path "/+*" { capabilities = ["read"] }', "failed to parse policy: path \"+*\": invalid use of wildcards ('+*' is forbidden)"],
  ['path "a" { capabilities = ["read", "root"] }', 'failed to parse policy: path "a": invalid capability "root"'],
  ['path "a" { capabilities = ["Read"] }', 'failed to parse policy: path "a": invalid capability "Read"'],
  ['path "a" { capabilities = "read" }', 'failed to parse policy: path "a": capabilities must be a list of strings'],
  ['path "a" { capabilities = [["read"]] }', 'failed to parse policy: path "a": capabilities must be a list of strings'],
  ['path "a" { required_parameters = "x" }', 'failed to parse policy: path "a": required_parameters must be a list of strings'],
  ['path "a" { capabilities = ["read"] allowed_parameters = { "x" = "y" } }', 'failed to parse policy: path "a": allowed_parameters "x" must be a list of values'],
  ['path "a" { capabilities = ["read"] denied_parameters = ["x"] }', /^failed to parse policy: path "a": denied_parameters must be a map/],
  ['path "a" { capabilities = ["read"] min_wrapping_ttl = "2h" max_wrapping_ttl = "1h" }', 'failed to parse policy: max_wrapping_ttl cannot be less than min_wrapping_ttl'],
  ['path "a" { capabilities = ["read"] min_wrapping_ttl = "soon" }', /^failed to parse policy: error parsing min_wrapping_ttl: /],
  ['path "a" { capabilities = ["read"] max_wrapping_ttl = true }', /^failed to parse policy: error parsing max_wrapping_ttl: /],
  ['path "a" { capabilities = ["read"] max_wrapping_ttl = "-5s" }', /^failed to parse policy: error parsing max_wrapping_ttl: /],
  ['path "secret/{{identity.entity.id" { capabilities = ["read"] }', 'failed to parse policy: failed to validate policy templating: unbalanced templating characters'],
  ['path "secret/}}{{identity.entity.id}}" { capabilities = ["read"] }', 'failed to parse policy: failed to validate policy templating: unbalanced templating characters'],
  ['path "a" { capabilities = "x" }\npath "a" {}', /capabilities must be a list/],
  ['path "a" = "b"', /^failed to parse policy: At 1:10: /],
  ['{"path": {"a": "b"}}', 'failed to parse policy: path "a": expected a block of settings'],
  ['path = "x"', /^failed to parse policy: path: expected one or more path blocks$/],
  // HCL syntax errors keep the parser's line and column.
  ['path "a" {\n  capabilities = ["read"\n', /^failed to parse policy: At 3:1: /],
  ['path "a" {', 'failed to parse policy: At 1:12: object expected closing RBRACE got: EOF'],
  ['path "a" { capabilities = ["read"] }\n}', /^failed to parse policy: At 2:1: /],
  ['[1, 2]', /^failed to parse policy: At 1:1: /],
  ['{"path": {"a": {"capabilities": ["read", null]}}}', /^failed to parse policy: /],
  ['path "a" { x = 1e400 }', /^failed to parse policy: .*out of range/],
  ['path "a" { x = 07777777777777 }', /^failed to parse policy: .*out of range/],
];

for (const [text, expected] of REJECT) {
  test(`rejects ${JSON.stringify(text).slice(0, 70)}`, () => {
    const msg = parseError(text);
    if (typeof expected === 'string') assert.equal(msg, expected);
    else assert.match(msg, expected);
  });
}

test('a decoding that is not an object is refused', () => {
  assert.throws(() => parsePolicyUsing('x', () => ['not', 'an', 'object']), (e: unknown) => e instanceof KeepError && e.status === 400 && e.message === 'failed to parse policy: does not contain a root object');
});

test('unexpected internal errors are not disguised as 400', () => {
  assert.throws(
    () =>
      parsePolicyUsing('x', () => {
        throw new TypeError('boom');
      }),
    TypeError,
  );
});
