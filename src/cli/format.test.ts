import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJson } from '../client/json.ts';
import type { SecretResponse } from '../client/types.ts';
import { fieldText, goString, headerForMap, humanDuration, jsonText, mapTable, pathHeader, rawField, secretTable, table, warningsText, yamlText } from './format.ts';

function secret(extra: Partial<SecretResponse>): SecretResponse {
  return { request_id: 'r', lease_id: '', renewable: false, lease_duration: 0, data: null, wrap_info: null, warnings: null, auth: null, ...extra };
}

test('Go %v rendering of values', () => {
  assert.equal(goString('s'), 's');
  assert.equal(goString(null), '<nil>');
  assert.equal(goString(['a', 'b']), '[a b]');
  assert.equal(goString({ b: 1, a: true }), 'map[a:true b:1]');
  assert.equal(goString(parseJson('12345678901234567890')), '12345678901234567890');
});

test('humanised durations drop zero units', () => {
  assert.equal(humanDuration(0), '0s');
  assert.equal(humanDuration(45), '45s');
  assert.equal(humanDuration(90), '1m30s');
  assert.equal(humanDuration(300), '5m');
  assert.equal(humanDuration(3600), '1h');
  assert.equal(humanDuration(3660), '1h1m');
  assert.equal(humanDuration(3605), '1h5s');
  assert.equal(humanDuration(2764800), '768h');
});

test('table: header, dashes, 4-space columns, n/a for empty cells', () => {
  assert.equal(table(['Key', 'Value'], [['a', '1'], ['long_key', '']]), 'Key         Value\n---         -----\na           1\nlong_key    n/a');
});

test('map table sorts keys and humanises duration-like keys', () => {
  const t = mapTable({ ttl: 3600, name: 'x', custom_metadata: null, deletion_time: '' });
  assert.equal(
    t,
    [
      'Key                Value',
      '---                -----',
      'custom_metadata    <nil>',
      'deletion_time      n/a',
      'name               x',
      'ttl                1h',
    ].join('\n'),
  );
  assert.equal(mapTable({}), '');
});

test('secret table: lease rows, auth rows, then data', () => {
  const t = secretTable(
    secret({
      lease_id: 'database/creds/ro/abc',
      lease_duration: 600,
      renewable: true,
      data: { username: 'v-ro', password: 'p' },
    }),
  );
  assert.equal(
    t,
    [
      'Key                Value',
      '---                -----',
      'lease_id           database/creds/ro/abc',
      'lease_duration     10m',
      'lease_renewable    true',
      'password           p',
      'username           v-ro',
    ].join('\n'),
  );
  const kv1 = secretTable(secret({ lease_duration: 2764800, data: { a: 'b' } }));
  assert.match(kv1, /refresh_interval {4}768h/);
  const auth = secretTable(
    secret({
      auth: { client_token: 'hvs.x', accessor: 'acc', policies: ['default', 'root'], token_policies: ['default', 'root'], metadata: { user: 'ci' }, lease_duration: 0, renewable: false, entity_id: '', token_type: 'service', orphan: true },
    }),
  );
  assert.match(auth, /^token {16}hvs\.x$/m);
  assert.match(auth, /^token_duration {7}∞$/m);
  assert.match(auth, /^token_policies {7}\["default" "root"\]$/m);
  assert.match(auth, /^identity_policies {4}\[\]$/m);
  assert.match(auth, /^token_meta_user {6}ci$/m);
});

test('warnings block', () => {
  assert.equal(warningsText(null), '');
  assert.equal(warningsText(['w1']), 'WARNING! The following warnings were returned from Vault:\n\n  * w1\n');
});

test('json and yaml', () => {
  const v = parseJson('{"b":12345678901234567890,"a":[1,"x"]}');
  assert.equal(jsonText(v), '{\n  "b": 12345678901234567890,\n  "a": [\n    1,\n    "x"\n  ]\n}');
  assert.equal(yamlText(v), 'a:\n  - 1\n  - x\nb: 12345678901234567890');
});

test('-field: auth, wrapping and lease fields, then data', () => {
  const s = secret({ lease_id: 'l1', lease_duration: 5, data: { password: 'p', data: { inner: 1 } } });
  assert.equal(rawField(s, 'lease_id'), 'l1');
  assert.equal(rawField(s, 'password'), 'p');
  assert.deepEqual(rawField(s, 'data'), { inner: 1 });
  assert.equal(rawField(s, 'missing'), undefined);
  const a = secret({ auth: { client_token: 'hvs.t', accessor: 'a', policies: ['p'], metadata: null, lease_duration: 60, renewable: true, entity_id: '', token_type: 'service', orphan: false } });
  assert.equal(rawField(a, 'token'), 'hvs.t');
  assert.equal(rawField(a, 'token_duration'), 60);
  const w = secret({ wrap_info: { token: 'hvs.w', accessor: 'wa', ttl: 300, creation_time: 't', creation_path: 'p' } });
  assert.equal(rawField(w, 'wrapping_token'), 'hvs.w');
  assert.equal(fieldText(['a', 'b'], 'table'), '[a b]');
  assert.equal(fieldText(['a', 'b'], 'json'), '[\n  "a",\n  "b"\n]');
  assert.equal(fieldText('x', 'yaml'), 'x');
});

test('section headers are padded with equal signs like the Vault CLI', () => {
  assert.equal(pathHeader('Secret Path', 'secret/data/creds'), '== Secret Path ==\nsecret/data/creds\n');
  assert.equal(pathHeader('Secret Path', 'kv/data/x'), '== Secret Path ==\nkv/data/x\n');
  assert.equal(headerForMap('Metadata', { custom_metadata: 1, version: 1 }), '======= Metadata =======');
  assert.equal(headerForMap('Data', { foo: 1 }), '=== Data ===');
});
