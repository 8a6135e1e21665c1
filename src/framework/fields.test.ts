import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isKeepError } from '../errors.ts';
import { coerceField, coerceFields, unrecognizedKeys, unrecognizedWarning } from './fields.ts';
import { parseJson } from './json.ts';
import type { FieldType, Fields } from './types.ts';

/** Coerces the value of `{"v": <json>}` so JSON numbers keep their literal as in a request. */
const fromJson = (type: FieldType, json: string): unknown => coerceField('v', type, (parseJson(`{"v":${json}}`) as { v: unknown }).v);

function rejects(type: FieldType, json: string, detail?: RegExp): void {
  assert.throws(
    () => fromJson(type, json),
    (e: unknown) => {
      assert.ok(isKeepError(e), `KeepError for ${type} ${json}`);
      assert.equal(e.status, 400);
      assert.match(e.message, /^Field validation failed: error converting input .* for field "v": /);
      if (detail) assert.match(e.message, detail);
      return true;
    },
    `${type} ${json} must be rejected`,
  );
}

test('duration: integers, digit strings, Nd, Go durations, "" = 0', () => {
  const cases: Array<[string, number]> = [
    ['3600', 3600],
    ['"3600"', 3600],
    ['"2d"', 172800],
    ['"90s"', 90],
    ['"1h30m"', 5400],
    ['"1.5h"', 5400],
    ['"500ms"', 0],
    ['""', 0],
    ['0', 0],
  ];
  for (const [json, want] of cases) assert.equal(fromJson('duration', json), want, json);
});

test('duration: fractions/exponents in JSON numbers, garbage and negatives are rejected', () => {
  rejects('duration', '1.5', /missing unit/);
  rejects('duration', '1e3');
  rejects('duration', '"abc"');
  rejects('duration', 'true', /could not parse duration from input/);
  rejects('duration', '[1]');
  rejects('duration', '-5', /cannot provide negative value '-5'/);
  rejects('duration', '"-1h"', /cannot provide negative value '-3600'/);
});

test('signed-duration accepts negatives', () => {
  assert.equal(fromJson('signed-duration', '-1'), -1);
  assert.equal(fromJson('signed-duration', '"-1s"'), -1);
  assert.equal(fromJson('signed-duration', '"3h"'), 10800);
});

test('bool: Go ParseBool strings, "" = false, numbers only 1/0', () => {
  for (const s of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(fromJson('bool', `"${s}"`), true, s);
  for (const s of ['0', 'f', 'F', 'FALSE', 'false', 'False', '']) assert.equal(fromJson('bool', `"${s}"`), false, s);
  assert.equal(fromJson('bool', 'true'), true);
  assert.equal(fromJson('bool', 'false'), false);
  assert.equal(fromJson('bool', '1'), true);
  assert.equal(fromJson('bool', '0'), false);
  rejects('bool', '2', /strconv\.ParseBool: parsing "2": invalid syntax/);
  rejects('bool', '"yes"');
  rejects('bool', '1.0');
  rejects('bool', '[true]');
});

test('int: integers, base-0 strings, "" = 0, bools 0/1', () => {
  const cases: Array<[string, number]> = [
    ['42', 42],
    ['-7', -7],
    ['"42"', 42],
    ['"0x10"', 16],
    ['"0o17"', 15],
    ['"0b101"', 5],
    ['"010"', 8],
    ['"1_000"', 1000],
    ['""', 0],
    ['true', 1],
    ['false', 0],
  ];
  for (const [json, want] of cases) assert.equal(fromJson('int', json), want, json);
});

test('int: fractions, exponents and garbage are rejected, not truncated', () => {
  rejects('int', '3.7', /parsing "3.7": invalid syntax/);
  rejects('int', '1e3', /parsing "1e3": invalid syntax/);
  rejects('int', '1.0');
  rejects('int', '"abc"', /cannot parse '' as int/);
  rejects('int', '"1.5"');
  rejects('int', '"99999999999999999999"', /value out of range/);
  rejects('int', '{}');
});

test('string: strings as is; numbers as their literal; bools as 1/0 (mapstructure)', () => {
  assert.equal(fromJson('string', '"x"'), 'x');
  assert.equal(fromJson('string', '12'), '12');
  assert.equal(fromJson('string', '1.0'), '1.0');
  assert.equal(fromJson('string', '12345678901234567890'), '12345678901234567890');
  assert.equal(fromJson('string', 'true'), '1');
  rejects('string', '[1]');
  rejects('string', '{"a":1}');
});

test('lowercase-string lower-cases and trims', () => {
  assert.equal(fromJson('lowercase-string', '"  MiXed "'), 'mixed');
});

test('comma-string-slice: arrays or comma strings, items trimmed', () => {
  assert.deepEqual(fromJson('comma-string-slice', '"a, b ,c"'), ['a', 'b', 'c']);
  assert.deepEqual(fromJson('comma-string-slice', '["a"," b",3]'), ['a', 'b', '3']);
  assert.deepEqual(fromJson('comma-string-slice', '""'), []);
  assert.deepEqual(fromJson('comma-string-slice', '[]'), []);
  rejects('comma-string-slice', '{"a":1}');
  rejects('comma-string-slice', '[{"a":1}]');
});

test('string-slice: arrays of strings; a single string becomes [s]', () => {
  assert.deepEqual(fromJson('string-slice', '"a,b"'), ['a,b']);
  assert.deepEqual(fromJson('string-slice', '["x"," y "]'), ['x', 'y']);
  assert.deepEqual(fromJson('string-slice', '""'), []);
  rejects('string-slice', '{"a":"b"}');
});

test('comma-int-slice: arrays of ints/numeric strings or "1,2,3"', () => {
  assert.deepEqual(fromJson('comma-int-slice', '"1,2,3"'), [1, 2, 3]);
  assert.deepEqual(fromJson('comma-int-slice', '[1,"2"]'), [1, 2]);
  assert.deepEqual(fromJson('comma-int-slice', '4'), [4]);
  assert.deepEqual(fromJson('comma-int-slice', '""'), []);
  rejects('comma-int-slice', '"1,x"');
  rejects('comma-int-slice', '[1.5]');
});

test('map: objects only', () => {
  assert.deepEqual(fromJson('map', '{"a":{"b":1}}'), { a: { b: 1 } });
  assert.deepEqual(fromJson('map', '[]'), {});
  rejects('map', '"a=b"', /expected a map/);
  rejects('map', '[1]');
});

test('kv-pairs: object (values stringified) or ["k=v"]', () => {
  assert.deepEqual(fromJson('kv-pairs', '{"a":"x","n":1.0,"b":true}'), { a: 'x', n: '1.0', b: '1' });
  assert.deepEqual(fromJson('kv-pairs', '["a=1","b=x=y"]'), { a: '1', b: 'x=y' });
  assert.deepEqual(fromJson('kv-pairs', '"k=v"'), { k: 'v' });
  rejects('kv-pairs', '["novalue"]', /invalid key pair "novalue"/);
  rejects('kv-pairs', '["=v"]');
  rejects('kv-pairs', '{"a":{"b":1}}');
});

test('time: RFC 3339 or unix seconds', () => {
  assert.equal((fromJson('time', '"2025-02-03T10:11:12Z"') as Date).toISOString(), '2025-02-03T10:11:12.000Z');
  assert.equal((fromJson('time', '"2025-02-03T12:11:12.5+02:00"') as Date).toISOString(), '2025-02-03T10:11:12.500Z');
  assert.equal((fromJson('time', '1738577472') as Date).getTime(), 1738577472000);
  assert.equal((fromJson('time', '"1738577472"') as Date).getTime(), 1738577472000);
  rejects('time', '"yesterday"', /could not parse string as date and time/);
  rejects('time', '"2025-02-03"');
  rejects('time', '1.5');
  rejects('time', 'true', /could not parse time from input/);
});

test('raw passes values through untouched', () => {
  const v = { a: [1, { b: 2 }] };
  assert.equal(coerceField('v', 'raw', v), v);
});

test('the error message names the input Go-style', () => {
  assert.throws(() => fromJson('int', '["a","b"]'), (e: unknown) => {
    assert.ok(isKeepError(e));
    assert.ok(e.message.startsWith('Field validation failed: error converting input [a b] for field "v": '), e.message);
    assert.equal(e.extra?.field, 'v');
    return true;
  });
});

const schema: Fields = {
  name: { type: 'string', required: true },
  ttl: { type: 'duration', default: 60 },
  mode: { type: 'string', allowed: ['a', 'b'] },
  tags: { type: 'comma-string-slice', allowed: ['x', 'y'], default: ['x'] },
  flag: { type: 'bool' },
};

test('coerceFields applies defaults, tracks supplied, treats null as absent', () => {
  const r = coerceFields(schema, { name: 'n', flag: null, other: 1 }, { enforceRequired: true });
  assert.deepEqual(r.values, { name: 'n', ttl: 60, mode: undefined, tags: ['x'], flag: undefined });
  assert.deepEqual([...r.supplied], ['name']);
  // defaults are copies
  (r.values.tags as string[]).push('y');
  assert.deepEqual(coerceFields(schema, { name: 'n' }, { enforceRequired: true }).values.tags, ['x']);
});

test('required is enforced on writes only, naming the field', () => {
  assert.throws(() => coerceFields(schema, {}, { enforceRequired: true }), (e: unknown) => {
    assert.ok(isKeepError(e));
    assert.equal(e.status, 400);
    assert.equal(e.message, 'missing required field "name"');
    return true;
  });
  assert.throws(() => coerceFields(schema, { name: null }, { enforceRequired: true }), /missing required field "name"/);
  assert.doesNotThrow(() => coerceFields(schema, {}, { enforceRequired: false }));
});

test('allowed values are enforced, naming field and allowed values', () => {
  assert.throws(() => coerceFields(schema, { name: 'n', mode: 'c' }, { enforceRequired: true }), (e: unknown) => {
    assert.ok(isKeepError(e));
    assert.equal(e.status, 400);
    assert.equal(e.message, 'invalid value "c" for field "mode": must be one of [a, b]');
    return true;
  });
  assert.throws(() => coerceFields(schema, { name: 'n', tags: 'x,z' }, { enforceRequired: true }), /"z" for field "tags"/);
  assert.equal(coerceFields(schema, { name: 'n', mode: 'b' }, { enforceRequired: true }).values.mode, 'b');
});

test('unrecognized keys: sorted, excluding declared fields and captures', () => {
  assert.deepEqual(unrecognizedKeys(schema, { zed: 1, name: 'x', abc: 2, path: 'p' }, { path: 'p' }), ['abc', 'zed']);
  assert.equal(unrecognizedWarning(['a', 'b']), 'Endpoint ignored these unrecognized parameters: [a b]');
});
