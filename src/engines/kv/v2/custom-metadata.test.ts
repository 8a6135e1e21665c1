import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LosslessNumber } from 'lossless-json';
import { isKeepError } from '../../../errors.ts';
import { customMetadataErrors, goQuote, parseCustomMetadata, validateCustomMetadata } from './custom-metadata.ts';

const P = 'custom_metadata validation failed';

test('values are stringified like Go weak decoding; objects and arrays are rejected', () => {
  const { values } = parseCustomMetadata(
    { s: 'x', n: new LosslessNumber('1.0'), i: 42, t: true, f: false, z: null },
    false,
  );
  assert.deepEqual(values, { s: 'x', n: '1.0', i: '42', t: '1', f: '0', z: '' });
  assert.throws(
    () => parseCustomMetadata({ o: { a: 'b' } }, false),
    (e: unknown) =>
      isKeepError(e) &&
      e.status === 400 &&
      e.message === `${P}: '' expected type 'string', got unconvertible type 'map[string]interface {}', value: 'map[a:b]'`,
  );
  assert.throws(() => parseCustomMetadata({ a: [1] }, false), /got unconvertible type '\[\]interface \{\}', value: '\[1\]'/);
});

test('PATCH parsing returns null entries as removals', () => {
  assert.deepEqual(parseCustomMetadata({ a: null, b: 'c' }, true), { values: { b: 'c' }, removals: ['a'] });
});

test('limits: key count short-circuits', () => {
  const many: Record<string, string> = {};
  for (let i = 0; i < 65; i++) many[`k${i}`] = '';
  assert.deepEqual(customMetadataErrors(many), [`${P}: payload must contain at most 64 keys, provided 65`]);
  const sixtyFour: Record<string, string> = {};
  for (let i = 0; i < 64; i++) sixtyFour[`k${i}`] = 'v';
  assert.deepEqual(customMetadataErrors(sixtyFour), []);
});

test('limits: key and value lengths in bytes, printable characters; every violation reported', () => {
  assert.deepEqual(customMetadataErrors({ ['k'.repeat(128)]: 'v'.repeat(512) }), []);
  assert.deepEqual(customMetadataErrors({ ['k'.repeat(129)]: 'v' }), [
    `${P}: length of key "${'k'.repeat(129)}" is 129 but must be 0 < len(key) <= 128`,
  ]);
  assert.deepEqual(customMetadataErrors({ a: 'v'.repeat(513) }), [
    `${P}: length of value for key "a" is 513 but must be 0 < len(value) <= 512`,
  ]);
  assert.deepEqual(customMetadataErrors({ '': '' }), [
    `${P}: length of key "" is 0 but must be 0 < len(key) <= 128`,
    `${P}: length of value for key "" is 0 but must be 0 < len(value) <= 512`,
  ]);
  assert.deepEqual(customMetadataErrors({ 'a\tb': 'x\ny' }), [
    `${P}: key "a\\tb" (a\tb) contains unprintable characters`,
    `${P}: value for key "a\\tb" contains unprintable characters`,
  ]);
  assert.deepEqual(customMetadataErrors({ 'é': 'ü ok' }), []);
  assert.deepEqual(customMetadataErrors({ ['é'.repeat(65)]: 'v' }), [
    `${P}: length of key "${'é'.repeat(65)}" is 130 but must be 0 < len(key) <= 128`,
  ]);
});

test('validate throws one 400 multierror with every message', () => {
  assert.throws(
    () => validateCustomMetadata({ a: '', b: '' }),
    (e: unknown) =>
      isKeepError(e) &&
      e.status === 400 &&
      e.message ===
        `2 errors occurred:\n\t* ${P}: length of value for key "a" is 0 but must be 0 < len(value) <= 512\n` +
          `\t* ${P}: length of value for key "b" is 0 but must be 0 < len(value) <= 512\n\n`,
  );
  assert.doesNotThrow(() => validateCustomMetadata({ owner: 'platform' }));
});

test('goQuote follows Go %q', () => {
  assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(goQuote('\x00\x7f'), '"\\x00\\x7f"');
  assert.equal(goQuote('\u00a0'), '"\\u00a0"');
  assert.equal(goQuote('ok ü'), '"ok ü"');
});
