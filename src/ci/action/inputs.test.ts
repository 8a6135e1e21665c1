import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError, getInput, readInputs } from './inputs.ts';

const URL = { INPUT_URL: 'https://keep.example.com' };

test('getInput: INPUT_<NAME> upper-cased, spaces to _, trimmed; missing is empty', () => {
  assert.equal(getInput({ INPUT_JWTGITHUBAUDIENCE: '  aud \n' }, 'jwtGithubAudience'), 'aud');
  assert.equal(getInput({ INPUT_MY_INPUT: 'x' }, 'my input'), 'x');
  assert.equal(getInput({}, 'role'), '');
});

test('defaults: method jwt, path jwt, exportEnv and revoke on, exportToken and ignoreNotFound off', () => {
  const i = readInputs(URL);
  assert.equal(i.url, 'https://keep.example.com');
  assert.equal(i.method, 'jwt');
  assert.equal(i.path, 'jwt');
  assert.equal(i.role, '');
  assert.equal(i.exportEnv, true);
  assert.equal(i.revoke, true);
  assert.equal(i.exportToken, false);
  assert.equal(i.ignoreNotFound, false);
});

test('booleans as vault-action reads them: exportEnv/revoke off only for exactly "false", others on only for exactly "true"', () => {
  assert.equal(readInputs({ ...URL, INPUT_EXPORTENV: 'false' }).exportEnv, false);
  assert.equal(readInputs({ ...URL, INPUT_EXPORTENV: 'False' }).exportEnv, true);
  assert.equal(readInputs({ ...URL, INPUT_EXPORTENV: 'no' }).exportEnv, true);
  assert.equal(readInputs({ ...URL, INPUT_REVOKE: 'false' }).revoke, false);
  assert.equal(readInputs({ ...URL, INPUT_REVOKE: 'FALSE' }).revoke, true);
  assert.equal(readInputs({ ...URL, INPUT_EXPORTTOKEN: 'true' }).exportToken, true);
  assert.equal(readInputs({ ...URL, INPUT_EXPORTTOKEN: 'True' }).exportToken, false);
  assert.equal(readInputs({ ...URL, INPUT_IGNORENOTFOUND: 'true' }).ignoreNotFound, true);
});

test('path: slashes trimmed, empty means jwt', () => {
  assert.equal(readInputs({ ...URL, INPUT_PATH: '/github-ci/' }).path, 'github-ci');
  assert.equal(readInputs({ ...URL, INPUT_PATH: '/' }).path, 'jwt');
});

test('method: token when a token is given without a method; upper case accepted', () => {
  assert.equal(readInputs({ ...URL, INPUT_TOKEN: 'hvs.x' }).method, 'token');
  assert.equal(readInputs({ ...URL, INPUT_METHOD: 'JWT', INPUT_TOKEN: 'hvs.x' }).method, 'jwt');
});

test('rejected: no url', () => {
  assert.throws(() => readInputs({}), (e: unknown) => e instanceof InputError && e.message === 'Input required and not supplied: url');
  assert.throws(() => readInputs({ INPUT_URL: '   ' }), /Input required and not supplied: url/);
});

test('rejected: a method other than jwt or token', () => {
  assert.throws(() => readInputs({ ...URL, INPUT_METHOD: 'approle' }), /Input method "approle" is not supported by Keep's action/);
});

test('rejected: method token without a token', () => {
  assert.throws(() => readInputs({ ...URL, INPUT_METHOD: 'token' }), /Input token is required with method "token"/);
});

test('caCertificate: PEM as is, base64 of a PEM decoded, anything else rejected', () => {
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
  assert.equal(readInputs({ ...URL, INPUT_CACERTIFICATE: pem }).caCertificate, pem);
  assert.equal(readInputs({ ...URL, INPUT_CACERTIFICATE: Buffer.from(pem).toString('base64') }).caCertificate, pem);
  assert.throws(() => readInputs({ ...URL, INPUT_CACERTIFICATE: 'bm90IGEgcGVt' }), /caCertificate is neither PEM nor base64-encoded PEM/);
});
