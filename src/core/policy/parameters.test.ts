import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LosslessNumber } from 'lossless-json';
import { deepEqual, globMatch, parametersAllowed, type ParameterRules } from './parameters.ts';
import { aclOf, check, rule } from './test-helpers.ts';

const rules = (r: { allowed?: Record<string, unknown[]>; denied?: Record<string, unknown[]>; required?: string[] }): ParameterRules => ({
  allowed: r.allowed ? new Map(Object.entries(r.allowed)) : undefined,
  denied: r.denied ? new Map(Object.entries(r.denied)) : undefined,
  required: r.required ?? [],
});

interface Case {
  name: string;
  rules: ParameterRules;
  data: Record<string, unknown>;
  allowed: boolean;
}

// spec/core.md 3.6, item by item.
const CASES: Case[] = [
  // 1. required
  { name: '1 required present', rules: rules({ required: ['a'] }), data: { a: 1 }, allowed: true },
  { name: '1 required missing', rules: rules({ required: ['a'] }), data: { b: 1 }, allowed: false },
  { name: '1 required missing with no data', rules: rules({ required: ['a'] }), data: {}, allowed: false },
  // 2. no data
  { name: '2 no data with restrictive allowed', rules: rules({ allowed: { x: ['a'] } }), data: {}, allowed: true },
  { name: '2 no data with denied *', rules: rules({ denied: { '*': [] } }), data: {}, allowed: true },
  // 3. denied
  { name: '3 denied * denies any parameter', rules: rules({ denied: { '*': [] } }), data: { anything: 1 }, allowed: false },
  { name: '3 denied * with a value list still denies all', rules: rules({ denied: { '*': ['x'] } }), data: { a: 'y' }, allowed: false },
  { name: '3 denied empty list denies any value', rules: rules({ denied: { x: [] } }), data: { x: 'whatever' }, allowed: false },
  { name: '3 denied other key passes', rules: rules({ denied: { x: [] } }), data: { y: 1 }, allowed: true },
  { name: '3 denied request key is lower-cased', rules: rules({ denied: { x: [] } }), data: { X: 1 }, allowed: false },
  { name: '3 denied whole value', rules: rules({ denied: { x: ['bad'] } }), data: { x: 'bad' }, allowed: false },
  { name: '3 denied value not listed', rules: rules({ denied: { x: ['bad'] } }), data: { x: 'good' }, allowed: true },
  { name: '3 denied glob', rules: rules({ denied: { x: ['prod-*'] } }), data: { x: 'prod-db' }, allowed: false },
  { name: '3 denied array: any element', rules: rules({ denied: { x: ['bad'] } }), data: { x: ['ok', 'bad'] }, allowed: false },
  { name: '3 denied array: no element', rules: rules({ denied: { x: ['bad'] } }), data: { x: ['ok', 'fine'] }, allowed: true },
  { name: '3 denied comma piece', rules: rules({ denied: { x: ['bad'] } }), data: { x: 'ok, bad' }, allowed: false },
  { name: '3 denied comma pieces none', rules: rules({ denied: { x: ['bad'] } }), data: { x: 'ok,fine' }, allowed: true },
  { name: '3 denied whole array value', rules: rules({ denied: { x: [['a', 'b']] } }), data: { x: ['a', 'b'] }, allowed: false },
  // 4. allowed empty / only *
  { name: '4 no allowed map', rules: rules({}), data: { x: 1 }, allowed: true },
  { name: '4 allowed only * with empty list', rules: rules({ allowed: { '*': [] } }), data: { x: 1, y: 'z' }, allowed: true },
  { name: '4 allowed only * whatever its list', rules: rules({ allowed: { '*': ['nope'] } }), data: { x: 'y' }, allowed: true },
  // 5. allowed
  { name: '5 unlisted key denied', rules: rules({ allowed: { x: [] } }), data: { y: 1 }, allowed: false },
  { name: '5 listed key with empty list', rules: rules({ allowed: { x: [] } }), data: { x: 'anything' }, allowed: true },
  { name: '5 request key lower-cased', rules: rules({ allowed: { x: ['a'] } }), data: { X: 'a' }, allowed: true },
  { name: '5 * plus listed: unlisted key passes', rules: rules({ allowed: { '*': [], x: ['a'] } }), data: { y: 'q', x: 'a' }, allowed: true },
  { name: '5 * plus listed: listed key constrained', rules: rules({ allowed: { '*': [], x: ['a'] } }), data: { x: 'b' }, allowed: false },
  { name: '5 value listed', rules: rules({ allowed: { x: ['a', 'b'] } }), data: { x: 'b' }, allowed: true },
  { name: '5 value not listed', rules: rules({ allowed: { x: ['a', 'b'] } }), data: { x: 'c' }, allowed: false },
  { name: '5 array: every element', rules: rules({ allowed: { x: ['a', 'b'] } }), data: { x: ['a', 'b'] }, allowed: true },
  { name: '5 array: one element not listed', rules: rules({ allowed: { x: ['a', 'b'] } }), data: { x: ['a', 'c'] }, allowed: false },
  { name: '5 empty array passes', rules: rules({ allowed: { x: ['a'] } }), data: { x: [] }, allowed: true },
  { name: '5 comma pieces every one', rules: rules({ allowed: { x: ['a', 'b'] } }), data: { x: 'a, b' }, allowed: true },
  { name: '5 comma pieces one not listed', rules: rules({ allowed: { x: ['a', 'b'] } }), data: { x: 'a,c' }, allowed: false },
  { name: '5 empty string passes', rules: rules({ allowed: { x: ['a'] } }), data: { x: '' }, allowed: true },
  { name: '5 whole comma string listed', rules: rules({ allowed: { x: ['a,c'] } }), data: { x: 'a,c' }, allowed: true },
  { name: '5 glob pieces', rules: rules({ allowed: { x: ['dev-*'] } }), data: { x: 'dev-a,dev-b' }, allowed: true },
  { name: '5 second key fails', rules: rules({ allowed: { x: [], y: ['1'] } }), data: { x: 1, y: '2' }, allowed: false },
  // 6. value matching
  { name: '6 suffix glob', rules: rules({ allowed: { x: ['*.example.com'] } }), data: { x: 'a.example.com' }, allowed: true },
  { name: '6 suffix glob mismatch', rules: rules({ allowed: { x: ['*.example.com'] } }), data: { x: 'a.example.org' }, allowed: false },
  { name: '6 contains glob', rules: rules({ allowed: { x: ['*mid*'] } }), data: { x: 'amidb' }, allowed: true },
  { name: '6 "*" alone is literal (no match)', rules: rules({ allowed: { x: ['*'] } }), data: { x: 'abc' }, allowed: false },
  { name: '6 "*" alone is literal (match)', rules: rules({ allowed: { x: ['*'] } }), data: { x: '*' }, allowed: true },
  { name: '6 number equals number', rules: rules({ allowed: { x: [10] } }), data: { x: 10 }, allowed: true },
  { name: '6 number by value (1 vs 1.0 text)', rules: rules({ allowed: { x: [1] } }), data: { x: new LosslessNumber('1.0') }, allowed: true },
  { name: '6 LosslessNumber equals number', rules: rules({ allowed: { x: [42] } }), data: { x: new LosslessNumber('42') }, allowed: true },
  { name: '6 duck-typed LosslessNumber', rules: rules({ allowed: { x: [42] } }), data: { x: { isLosslessNumber: true, value: '42' } }, allowed: true },
  { name: '6 plain {value} object is not a number', rules: rules({ allowed: { x: [42] } }), data: { x: { value: '42' } }, allowed: false },
  { name: '6 big integers compared exactly', rules: rules({ allowed: { x: [new LosslessNumber('9007199254740993')] } }), data: { x: new LosslessNumber('9007199254740993') }, allowed: true },
  { name: '6 big integers differ', rules: rules({ allowed: { x: [new LosslessNumber('9007199254740993')] } }), data: { x: new LosslessNumber('9007199254740992') }, allowed: false },
  { name: '6 string never equals number', rules: rules({ allowed: { x: [1] } }), data: { x: '1' }, allowed: false },
  { name: '6 number never equals string', rules: rules({ allowed: { x: ['1'] } }), data: { x: 1 }, allowed: false },
  { name: '6 booleans', rules: rules({ allowed: { x: [true] } }), data: { x: true }, allowed: true },
  { name: '6 booleans differ', rules: rules({ allowed: { x: [true] } }), data: { x: false }, allowed: false },
  { name: '6 null matches null', rules: rules({ allowed: { x: [null] } }), data: { x: null }, allowed: true },
  { name: '6 null does not match a string', rules: rules({ allowed: { x: ['a'] } }), data: { x: null }, allowed: false },
  { name: '6 objects deep-equal', rules: rules({ allowed: { x: [{ a: [1, 'b'] }] } }), data: { x: { a: [new LosslessNumber('1'), 'b'] } }, allowed: true },
  { name: '6 objects differ', rules: rules({ allowed: { x: [{ a: 1 }] } }), data: { x: { a: 2 } }, allowed: false },
  // 7. policies / token_policies lower-cased
  { name: '7 policies string lower-cased', rules: rules({ allowed: { policies: ['dev'] } }), data: { policies: 'DEV' }, allowed: true },
  { name: '7 token_policies array lower-cased', rules: rules({ allowed: { token_policies: ['dev', 'ops'] } }), data: { token_policies: ['Dev', 'OPS'] }, allowed: true },
  { name: '7 denied policies lower-cased', rules: rules({ denied: { policies: ['admin'] } }), data: { Policies: 'default,ADMIN' }, allowed: false },
  { name: '7 other parameters keep case', rules: rules({ allowed: { name: ['dev'] } }), data: { name: 'DEV' }, allowed: false },
];

for (const c of CASES) {
  test(`parameters: ${c.name}`, () => {
    assert.equal(parametersAllowed(c.rules, c.data), c.allowed);
  });
}

test('globMatch follows the leading/trailing star rules', () => {
  assert.equal(globMatch('ab*', 'abc'), true);
  assert.equal(globMatch('ab*', 'xab'), false);
  assert.equal(globMatch('*ab', 'xab'), true);
  assert.equal(globMatch('*ab*', 'xaby'), true);
  assert.equal(globMatch('**', 'anything'), true);
  assert.equal(globMatch('a*b', 'axb'), false, 'inner star is literal');
  assert.equal(globMatch('a*b', 'a*b'), true);
  assert.equal(globMatch('a', 'a'), true);
  assert.equal(globMatch('', ''), true);
});

test('deepEqual compares numbers by value', () => {
  assert.equal(deepEqual(1, new LosslessNumber('1')), true);
  assert.equal(deepEqual(1.5, new LosslessNumber('1.50')), true);
  assert.equal(deepEqual(1e3, new LosslessNumber('1000')), true);
  assert.equal(deepEqual([1, 2], [1, 2, 3]), false);
  assert.equal(deepEqual({ a: 1 }, { b: 1 }), false);
  assert.equal(deepEqual([1], { 0: 1 }), false);
});

test('parameter constraints through a parsed policy (HCL values, lower-cased names)', () => {
  const acl = aclOf(
    rule(
      'secret/app',
      ['create', 'update', 'read'],
      '  allowed_parameters = { "Env" = ["dev-*", "stage"] "count" = [1, 2] "*" = [] }\n  denied_parameters = { "force" = [] }\n  required_parameters = ["Env"]\n',
    ),
  );
  assert.equal(check(acl, 'update', 'secret/app', { env: 'dev-1', other: true }).allowed, true);
  assert.equal(check(acl, 'update', 'secret/app', { env: 'prod' }).allowed, false);
  assert.equal(check(acl, 'update', 'secret/app', { other: 1 }).allowed, false, 'required env missing');
  assert.equal(check(acl, 'update', 'secret/app', { env: 'stage', count: new LosslessNumber('2') }).allowed, true);
  assert.equal(check(acl, 'update', 'secret/app', { env: 'stage', count: 3 }).allowed, false);
  assert.equal(check(acl, 'update', 'secret/app', { env: 'stage', force: false }).allowed, false);
  assert.equal(check(acl, 'read', 'secret/app', { env: 'prod' }).allowed, false, 'read checks query parameters too');
});
