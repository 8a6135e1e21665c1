import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isJsonNumber, isLosslessNumber, jsonNumber, numberLiteral, parseJson, stringifyJson } from './json.ts';

const roundTrip = (text: string): string => stringifyJson(parseJson(text));

test('numbers JSON.parse would alter round-trip verbatim', () => {
  for (const text of [
    '{"a":1.0}',
    '{"a":12345678901234567890}',
    '{"a":1e3}',
    '{"a":1E+3}',
    '{"a":-0}',
    '{"a":1.50,"b":[2.0,3,4.25],"c":{"d":99999999999999999999.5}}',
    '[1.0,2]',
    '1.0',
    '{"a":-12345678901234567890123}',
  ]) {
    assert.equal(roundTrip(text), text, text);
  }
});

test('safe numbers stay plain numbers; unsafe ones become LosslessNumber', () => {
  const v = parseJson('{"i":42,"f":1.5,"big":12345678901234567890,"one":1.0}') as Record<string, unknown>;
  assert.equal(v.i, 42);
  assert.equal(v.f, 1.5);
  assert.ok(isLosslessNumber(v.big));
  assert.equal(numberLiteral(v.big), '12345678901234567890');
  assert.ok(isLosslessNumber(v.one));
  assert.equal(numberLiteral(v.one), '1.0');
  assert.ok(isJsonNumber(v.one) && isJsonNumber(v.i));
  assert.equal(isJsonNumber('1'), false);
});

test('fast path: plain JSON parses natively', () => {
  const v = parseJson('{"a":"x","b":[1,2,3],"c":true,"d":null}');
  assert.deepEqual(v, { a: 'x', b: [1, 2, 3], c: true, d: null });
});

test('strings that look like numbers are untouched', () => {
  const text = '{"v":"1.0","w":", 1.0","x":"12345678901234567890"}';
  assert.deepEqual(parseJson(text), { v: '1.0', w: ', 1.0', x: '12345678901234567890' });
  assert.equal(roundTrip(text), text);
});

test('duplicate keys keep the last value on both paths', () => {
  assert.deepEqual(parseJson('{"a":1,"a":2}'), { a: 2 });
  const slow = parseJson('{"a":1.0,"a":2.0}') as Record<string, unknown>;
  assert.equal(numberLiteral(slow.a), '2.0');
});

test('__proto__ stays an own key on the slow path', () => {
  const v = parseJson('{"__proto__":{"polluted":1.0}}') as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(v), Object.prototype);
  assert.ok(Object.prototype.hasOwnProperty.call(v, '__proto__'));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('invalid JSON throws on both paths', () => {
  assert.throws(() => parseJson('{"a":'));
  assert.throws(() => parseJson('{"a":1.0,}'));
  assert.throws(() => parseJson(''));
});

test('stringifyJson writes LosslessNumber values built by hand, nested', () => {
  assert.equal(stringifyJson({ a: [jsonNumber('1.10')], b: { c: jsonNumber('7e2') } }), '{"a":[1.10],"b":{"c":7e2}}');
  assert.equal(stringifyJson(undefined), 'null');
  assert.equal(stringifyJson({ s: 'plain' }), '{"s":"plain"}');
});

test('a client string cannot forge the number marker', () => {
  const text = '{"s":"~keep-num-00~1"}';
  assert.equal(roundTrip(text), text);
});
