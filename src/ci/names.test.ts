import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isShellName, normalizeOutputKey, requestNames, wildcardNames } from './names.ts';

test('normalizeOutputKey follows vault-action: dots to __, dashes and other symbols dropped', () => {
  assert.equal(normalizeOutputKey('npmToken'), 'npmToken');
  assert.equal(normalizeOutputKey('npmToken', true), 'NPMTOKEN');
  assert.equal(normalizeOutputKey('a.b.c'), 'a__b__c');
  assert.equal(normalizeOutputKey('api-key'), 'apikey');
  assert.equal(normalizeOutputKey('db_password!@#'), 'db_password');
  assert.equal(normalizeOutputKey('`a.b`'), 'a__b');
  assert.equal(normalizeOutputKey('clé', true), 'CLÉ');
  assert.equal(normalizeOutputKey('*'), '');
});

test('requestNames: an explicit name is used verbatim for both', () => {
  assert.deepEqual(requestNames('accessKey', 'AWS_ACCESS_KEY_ID'), { outputName: 'AWS_ACCESS_KEY_ID', envName: 'AWS_ACCESS_KEY_ID' });
  assert.deepEqual(requestNames('accessKey', 'lower-Case'), { outputName: 'lower-Case', envName: 'lower-Case' });
  assert.deepEqual(requestNames('nested.value'), { outputName: 'nested__value', envName: 'NESTED__VALUE' });
});

test('wildcardNames: prefix then key; * upper-cases env names, ** keeps case', () => {
  assert.deepEqual(wildcardNames('dbPass', '*'), { outputName: 'dbPass', envName: 'DBPASS' });
  assert.deepEqual(wildcardNames('dbPass', '**'), { outputName: 'dbPass', envName: 'dbPass' });
  assert.deepEqual(wildcardNames('db.pass', '*', 'APP_'), { outputName: 'APP_db__pass', envName: 'APP_DB__PASS' });
});

test('isShellName accepts shell identifiers only', () => {
  assert.equal(isShellName('DB_PASSWORD'), true);
  assert.equal(isShellName('_x1'), true);
  assert.equal(isShellName('1PASSWORD'), false);
  assert.equal(isShellName('api-key'), false);
  assert.equal(isShellName('A B'), false);
  assert.equal(isShellName(''), false);
  assert.equal(isShellName('CLÉ'), false);
});
