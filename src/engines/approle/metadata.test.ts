import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isKeepError } from '../../errors.ts';
import { jsonNumber } from '../../framework/json.ts';
import { parseSecretIdMetadata } from './metadata.ts';

function failure(raw: unknown): string {
  try {
    parseSecretIdMetadata(raw);
  } catch (e) {
    assert.ok(isKeepError(e));
    assert.equal(e.status, 400);
    return e.message;
  }
  throw new Error('did not fail');
}

test('empty and absent metadata give {}', () => {
  assert.deepEqual(parseSecretIdMetadata(undefined), {});
  assert.deepEqual(parseSecretIdMetadata(null), {});
  assert.deepEqual(parseSecretIdMetadata(''), {});
  assert.deepEqual(parseSecretIdMetadata('   '), {});
});

test('JSON object text keeps case; base64 of it is decoded first', () => {
  assert.deepEqual(parseSecretIdMetadata(' {"Job":"Deploy","n":"1"} '), { Job: 'Deploy', n: '1' });
  assert.deepEqual(parseSecretIdMetadata(Buffer.from('{"a":"b"}').toString('base64')), { a: 'b' });
});

test('key=value pairs: trimmed, lower-cased, de-duplicated', () => {
  assert.deepEqual(parseSecretIdMetadata('A=B, c = d ,a=b,'), { a: 'b', c: 'd' });
});

test('an object of strings is accepted as is', () => {
  assert.deepEqual(parseSecretIdMetadata({ Job: 'X' }), { Job: 'X' });
});

test('rejections carry Vault’s texts', () => {
  assert.equal(failure('justtext'), 'failed to parse metadata: failed to parse the input: invalid <key,value> format');
  assert.equal(failure('a=b=c'), 'failed to parse metadata: failed to parse the input: invalid <key,value> format');
  assert.equal(failure('=x'), 'failed to parse metadata: failed to parse the input: invalid <key,value> pair: key: "" value: "x"');
  assert.equal(failure('{"a":1}'), 'failed to parse metadata: failed to parse the input: invalid <key,value> format');
  assert.equal(failure('{"a":""}'), 'failed to parse metadata: invalid value for key "a"');
  assert.equal(failure({ a: '' }), 'failed to parse metadata: invalid value for key "a"');
  assert.equal(failure({ a: true }), 'failed to parse metadata: value of key "a" is not a string');
  assert.equal(failure(['a=b']), 'failed to parse metadata: metadata must be a string or an object');
  assert.equal(failure(jsonNumber('5')), 'failed to parse metadata: failed to parse the input: invalid <key,value> format');
});
