import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJson } from '../client/json.ts';
import { isKvV2Answer, lookupPath, selectValues, valueText } from './select.ts';
import { parseSecretsSpec } from './spec.ts';

const v2 = (data: unknown) => ({ data: { data, metadata: { version: 1 } } });
const v1 = (data: unknown) => ({ data });
const one = (entry: string) => parseSecretsSpec(entry)[0];

test('KV v2 answers are unwrapped (data.data), others read data', () => {
  assert.equal(isKvV2Answer(v2({ a: 1 })), true);
  assert.equal(isKvV2Answer(v1({ a: 1 })), false);
  assert.deepEqual(selectValues(v2({ password: 'p' }), one('secret/data/x password')), {
    ok: true,
    values: [{ envName: 'PASSWORD', outputName: 'password', value: 'p', path: 'secret/data/x' }],
  });
  assert.deepEqual(selectValues(v1({ password: 'q' }), one('kv/x password | PW')), {
    ok: true,
    values: [{ envName: 'PW', outputName: 'PW', value: 'q', path: 'kv/x' }],
  });
});

test('values: strings raw, numbers with their digits, objects as compact JSON, null as null', () => {
  const body = parseJson('{"data":{"data":{"n":12345678901234567890,"f":1.5,"o":{"a":[1,"x"]},"z":null,"b":true,"s":"line1\\nline2"}}}');
  const get = (k: string) => {
    const r = selectValues(body, one(`p ${k} | X`));
    assert.ok(r.ok);
    return r.values[0].value;
  };
  assert.equal(get('n'), '12345678901234567890');
  assert.equal(get('f'), '1.5');
  assert.equal(get('o'), '{"a":[1,"x"]}');
  assert.equal(get('z'), 'null');
  assert.equal(get('b'), 'true');
  assert.equal(get('s'), 'line1\nline2');
  assert.equal(valueText('x'), 'x');
});

test('dotted paths, quoted keys with dots, backticks', () => {
  const body = v2({ nested: { deep: { v: 'n' } }, 'a.b': 'literal', a: { b: 'path' }, 'api-key': 'k' });
  const val = (entry: string) => {
    const r = selectValues(body, one(entry));
    assert.ok(r.ok, entry);
    return r.values[0].value;
  };
  assert.equal(val('p nested.deep.v'), 'n');
  assert.equal(val('p "a.b"'), 'literal');
  assert.equal(val('p a.b'), 'path');
  assert.equal(val('p `a.b` | X'), 'literal');
  assert.equal(val('p "api-key"'), 'k');
  assert.equal(val('p api-key | K'), 'k');
  // A quoted dotted key falls back to the path when no such literal key exists.
  assert.equal(selectValues(v2({ x: { y: 'xy' } }), one('p "x.y"')).ok, true);
});

test('a missing key or path is reported, not thrown', () => {
  const r = selectValues(v2({ a: 'x' }), one('secret/data/app missing'));
  assert.deepEqual(r, { ok: false, reason: 'key "missing" was not found in "secret/data/app"' });
  assert.equal(selectValues(v2({ a: 'x' }), one('p a.b')).ok, false);
  assert.equal(selectValues({ data: null }, one('p a')).ok, false);
  assert.equal(selectValues('text', one('p a')).ok, false);
});

test('a deleted KV v2 version is reported as such', () => {
  const r = selectValues({ data: { data: null, metadata: { deletion_time: '2024-01-01T00:00:00Z' } } }, one('secret/data/app k'));
  assert.deepEqual(r, { ok: false, reason: 'the current version of "secret/data/app" is deleted or destroyed' });
});

test('wildcards take every key, names derived with the prefix', () => {
  const body = v2({ dbPass: 'a', 'api-key': 'b', 'x.y': 'c' });
  const r = selectValues(body, one('p *'));
  assert.ok(r.ok);
  assert.deepEqual(
    r.values.map((v) => [v.envName, v.outputName, v.value]),
    [
      ['DBPASS', 'dbPass', 'a'],
      ['APIKEY', 'apikey', 'b'],
      ['X__Y', 'x__y', 'c'],
    ],
  );
  const r2 = selectValues(v1({ dbPass: 'a' }), one('p ** | APP_'));
  assert.ok(r2.ok);
  assert.deepEqual(r2.values.map((v) => [v.envName, v.outputName]), [['APP_dbPass', 'APP_dbPass']]);
});

test('lookupPath does not follow inherited properties', () => {
  assert.equal(lookupPath({}, ['constructor']), undefined);
  assert.equal(lookupPath({ a: 'x' }, ['a', 'length']), undefined);
});
