import { test } from 'node:test';
import assert from 'node:assert/strict';
import { badRequest, KeepError, sealed, unsupportedPath } from '../errors.ts';
import { envelopeObject, injectsData, listOutcome, renderError, renderResult } from './envelope.ts';
import { jsonNumber } from './json.ts';
import type { CoreResult, LogicalResponse, Operation } from './types.ts';

function result(operation: Operation, response: LogicalResponse | undefined, extra: Partial<CoreResult> = {}): CoreResult {
  return {
    requestId: 'rid-1',
    mountType: 'kv',
    path: 'secret/data/app',
    operation,
    response,
    leaseId: '',
    leaseDuration: 0,
    renewable: false,
    auth: null,
    wrapInfo: null,
    ...extra,
  };
}

const KEYS = ['request_id', 'lease_id', 'renewable', 'lease_duration', 'data', 'wrap_info', 'warnings', 'auth', 'mount_type'];

test('full envelope with every key, in Vault order', () => {
  const r = renderResult(result('read', { data: { a: 1 } }));
  assert.equal(r.status, 200);
  assert.equal(r.contentType, 'application/json');
  const body = JSON.parse(r.body ?? '');
  assert.deepEqual(Object.keys(body), KEYS);
  assert.deepEqual(body, {
    request_id: 'rid-1', lease_id: '', renewable: false, lease_duration: 0, data: { a: 1 },
    wrap_info: null, warnings: null, auth: null, mount_type: 'kv',
  });
});

test('lease fields and auth come from the core result', () => {
  const r = renderResult(result('read', { data: { u: 'x' } }, { leaseId: 'db/creds/r/abc', leaseDuration: 3600, renewable: true }));
  const body = JSON.parse(r.body ?? '');
  assert.equal(body.lease_id, 'db/creds/r/abc');
  assert.equal(body.lease_duration, 3600);
  assert.equal(body.renewable, true);
  const login = renderResult(result('update', undefined, { auth: { client_token: 'hvs.x' } }));
  assert.equal(login.status, 200);
  assert.deepEqual(JSON.parse(login.body ?? '').auth, { client_token: 'hvs.x' });
});

test('empty handler result: 204 for writes/deletes, 404 {"errors":[]} for read and list', () => {
  for (const op of ['update', 'create', 'delete', 'patch'] as const) {
    const r = renderResult(result(op, undefined));
    assert.equal(r.status, 204, op);
    assert.equal(r.body, null);
    assert.equal(r.contentType, 'application/json');
  }
  for (const op of ['read', 'list'] as const) {
    const r = renderResult(result(op, undefined));
    assert.equal(r.status, 404, op);
    assert.equal(r.body, '{"errors":[]}');
  }
});

test('list edge cases', () => {
  const status = (resp: LogicalResponse) => renderResult(result('list', resp)).status;
  assert.equal(status({ data: { keys: ['a'] } }), 200);
  assert.equal(status({ data: { keys: [] } }), 404);
  assert.equal(status({ data: { keys: [] }, warnings: ['w'] }), 404, 'empty keys win over warnings');
  assert.equal(status({ data: { keys: [], other: 1 } }), 404, 'empty keys win over other data');
  assert.equal(status({ data: {} }), 404);
  assert.equal(status({ data: null }), 404);
  assert.equal(status({}), 404);
  assert.equal(status({ data: {}, warnings: ['w'] }), 200, 'warnings alone keep a 200');
  assert.equal(status({ warnings: ['w'] }), 200);
  assert.equal(status({ data: { other: 1 } }), 200, 'data without keys is returned as-is');
  assert.equal(status({ data: { keys: null, other: 1 } }), 200);
  assert.equal(status({ data: { keys: 'nope' } }), 500);
  assert.equal(listOutcome({ data: { keys: ['x'] } }), undefined);
});

test('wrapped list with no keys is not a 404 (core decides before wrapping)', () => {
  const wrap = { token: 't', accessor: 'a', ttl: 60, creation_time: 'now', creation_path: 'secret/metadata/' };
  assert.equal(renderResult(result('list', { data: { keys: [] } }, { wrapInfo: wrap })).status, 200);
});

test('warnings-only response renders data null', () => {
  const body = JSON.parse(renderResult(result('update', { warnings: ['careful'] })).body ?? '');
  assert.equal(body.data, null);
  assert.deepEqual(body.warnings, ['careful']);
});

test('response.status overrides 200 (e.g. 202)', () => {
  assert.equal(renderResult(result('update', { warnings: ['tidy started'], status: 202 })).status, 202);
});

test('raw responses are written verbatim', () => {
  const obj = renderResult(result('read', { raw: { status: 404, body: { data: { data: null }, n: jsonNumber('1.0') } } }));
  assert.equal(obj.status, 404);
  assert.equal(obj.body, '{"data":{"data":null},"n":1.0}');
  const text = renderResult(result('read', { raw: { status: 200, body: 'plain', contentType: 'text/plain' } }));
  assert.deepEqual(text, { status: 200, body: 'plain', contentType: 'text/plain' });
  const empty = renderResult(result('patch', { raw: { status: 404, body: '' } }));
  assert.deepEqual(empty, { status: 404, body: '', contentType: 'application/json' });
});

test('wrapped reply shape (spec 2.10)', () => {
  const wrap = { token: 'hvs.w', accessor: 'acc', ttl: 300, creation_time: '2025-02-03T10:11:12Z', creation_path: 'secret/data/app' };
  const r = renderResult(result('read', { data: { secret: 1 } }, { wrapInfo: wrap }));
  assert.equal(r.status, 200);
  const body = JSON.parse(r.body ?? '');
  assert.deepEqual(Object.keys(body), KEYS);
  assert.deepEqual(body, {
    request_id: '', lease_id: '', renewable: false, lease_duration: 0, data: null,
    wrap_info: { token: 'hvs.w', accessor: 'acc', ttl: 300, creation_time: '2025-02-03T10:11:12Z', creation_path: 'secret/data/app' },
    warnings: null, auth: null, mount_type: '',
  });
  const withAcc = JSON.parse(renderResult(result('update', undefined, { wrapInfo: { ...wrap, wrapped_accessor: 'wa' }, auth: {} })).body ?? '');
  assert.equal(withAcc.wrap_info.wrapped_accessor, 'wa');
});

test('top-level data injection on the listed sys routes, injected keys first', () => {
  const r = renderResult(result('read', { data: { 'secret/': { type: 'kv' }, keys: ['x'] } }, { path: 'sys/mounts', mountType: 'system' }));
  assert.ok(r.body?.startsWith('{"secret/":{"type":"kv"},"keys":["x"],"request_id":"rid-1"'), r.body ?? '');
  const body = JSON.parse(r.body ?? '');
  assert.deepEqual(body.data, { 'secret/': { type: 'kv' }, keys: ['x'] });
  assert.deepEqual(body.keys, ['x']);
  for (const p of ['sys/audit', 'sys/audit/file', 'sys/audit-hash/file', 'sys/auth', 'sys/auth/jwt/tune', 'sys/config/cors',
    'sys/config/auditing/request-headers', 'sys/config/auditing/request-headers/x', 'sys/capabilities', 'sys/capabilities-accessor',
    'sys/capabilities-self', 'sys/ha-status', 'sys/key-status', 'sys/mounts', 'sys/mounts/secret/tune', 'sys/policy', 'sys/policy/',
    'sys/policy/default', 'sys/rekey/backup', 'sys/rekey/recovery-key-backup', 'sys/remount', 'sys/rotate', 'sys/wrapping/wrap']) {
    assert.equal(injectsData(p), true, p);
  }
  for (const p of ['sys/policies/acl', 'sys/policies/acl/x', 'sys/health', 'sys/mountsx', 'secret/data/sys/mounts', 'sys/capabilities/x']) {
    assert.equal(injectsData(p), false, p);
  }
  const duplicate = renderResult(result('update', { data: { data: 1 } }, { path: 'sys/wrapping/wrap' })).body ?? '';
  assert.ok(duplicate.startsWith('{"data":1,"request_id"'), duplicate);
  assert.ok(duplicate.includes(',"data":{"data":1},'), duplicate);
  const noData = renderResult(result('update', { warnings: ['w'] }, { path: 'sys/remount' })).body ?? '';
  assert.ok(noData.startsWith('{"request_id"'), noData);
});

test('envelopeObject keeps the original request id', () => {
  assert.equal(envelopeObject(result('read', { data: {} })).request_id, 'rid-1');
});

test('renderError: KeepError status + message (+extra); empty message -> []; others -> 500 internal error', () => {
  assert.deepEqual(renderError(sealed()), { status: 503, body: '{"errors":["Vault is sealed"]}', contentType: 'application/json' });
  const nf = renderError(unsupportedPath());
  assert.equal(nf.status, 404);
  assert.deepEqual(JSON.parse(nf.body ?? ''), { errors: ['1 error occurred:\n\t* unsupported path\n\n'] });
  assert.deepEqual(JSON.parse(renderError(badRequest('bad', { code_hint: 'x' })).body ?? ''), { errors: ['bad'], code_hint: 'x' });
  assert.equal(renderError(new KeepError('X', 400, '')).body, '{"errors":[]}');
  const internal = renderError(new Error('secret detail /etc/passwd'));
  assert.deepEqual(internal, { status: 500, body: '{"errors":["internal error"]}', contentType: 'application/json' });
});

test('envelopeText: the same text as stringifying envelopeObject', async () => {
  const { envelopeText, envelopeObject } = await import('./envelope.ts');
  const { jsonNumber, stringifyJson } = await import('./json.ts');
  const base = {
    requestId: 'r-"1"\u2028',
    mountType: 'kv',
    path: 'secret/data/x',
    operation: 'read' as const,
    leaseId: 'lease/\\id',
    leaseDuration: 3600,
    renewable: true,
    auth: null,
    wrapInfo: null,
  };
  const cases = [
    { ...base, response: { data: { a: 1, big: jsonNumber('12345678901234567890'), f: jsonNumber('1.0'), s: '</script>' } } },
    { ...base, response: { data: null, warnings: ['w1', 'w "2"'] } },
    { ...base, response: { data: { x: undefined, y: [1, null] }, warnings: [] } },
    { ...base, response: undefined, auth: { client_token: 't', lease_duration: jsonNumber('1e3'), metadata: null } },
    { ...base, renewable: false, leaseDuration: 0, leaseId: '', response: { data: {} } },
  ];
  for (const c of cases) assert.equal(envelopeText(c), stringifyJson(envelopeObject(c)));
});
