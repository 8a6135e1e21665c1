import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { KeepError, unsupportedPath } from '../../src/errors.ts';
import { isLosslessNumber } from '../../src/framework/json.ts';
import { StubCore } from './stub-core.ts';

function setup(opts: { bodyLimit?: number } = {}) {
  const core = new StubCore();
  const app = buildApp(core, opts);
  return { core, app };
}

function assertHeaders(res: LightMyRequestResponse): void {
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers['content-type'], 'application/json');
}

function errorsOf(res: LightMyRequestResponse): unknown {
  return JSON.parse(res.body).errors;
}

test('GET -> read with query data (single -> string, repeated -> array)', async () => {
  const { core, app } = setup();
  const res = await app.inject({ method: 'GET', url: '/v1/secret/data/app?version=2&x=a&x=b' });
  assert.equal(res.statusCode, 200);
  assertHeaders(res);
  assert.deepEqual({ op: core.last.operation, path: core.last.path, data: core.last.data }, {
    op: 'read', path: 'secret/data/app', data: { version: '2', x: ['a', 'b'] },
  });
  assert.equal(Object.getPrototypeOf(core.last.data), Object.prototype);
  const body = JSON.parse(res.body);
  assert.deepEqual(Object.keys(body), ['request_id', 'lease_id', 'renewable', 'lease_duration', 'data', 'wrap_info', 'warnings', 'auth', 'mount_type']);
});

test('?list=<bool>: true lists with trailing slash and drops list; false/empty reads; garbage -> 400 {"errors":[]}', async () => {
  const { core, app } = setup();
  for (const v of ['true', '1', 't', 'T', 'TRUE', 'True']) {
    await app.inject({ method: 'GET', url: `/v1/secret/metadata?list=${v}&after=x` });
    assert.deepEqual([core.last.operation, core.last.path, core.last.data], ['list', 'secret/metadata/', { after: 'x' }], v);
  }
  await app.inject({ method: 'GET', url: '/v1/secret/metadata/?list=true' });
  assert.equal(core.last.path, 'secret/metadata/');
  await app.inject({ method: 'GET', url: '/v1/secret/data/a?list=false' });
  assert.deepEqual([core.last.operation, core.last.path, core.last.data], ['read', 'secret/data/a', { list: 'false' }]);
  await app.inject({ method: 'GET', url: '/v1/secret/data/a?list=' });
  assert.equal(core.last.operation, 'read');
  const n = core.requests.length;
  const bad = await app.inject({ method: 'GET', url: '/v1/secret/data/a?list=yes' });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.body, '{"errors":[]}');
  assertHeaders(bad);
  assert.equal(core.requests.length, n, 'never reaches core');
});

test('POST/PUT -> update from the body; the query string is ignored', async () => {
  const { core, app } = setup();
  for (const method of ['POST', 'PUT'] as const) {
    await app.inject({ method, url: '/v1/secret/data/app?ignored=1', payload: '{"data":{"a":"b"}}', headers: { 'content-type': 'application/json' } });
    assert.deepEqual([core.last.operation, core.last.data], ['update', { data: { a: 'b' } }], method);
  }
});

test('DELETE -> delete with query data', async () => {
  const { core, app } = setup();
  core.respond = () => undefined;
  const res = await app.inject({ method: 'DELETE', url: '/v1/secret/data/app?versions=1' });
  assert.equal(res.statusCode, 204);
  assert.equal(res.body, '');
  assertHeaders(res);
  assert.deepEqual([core.last.operation, core.last.data], ['delete', { versions: '1' }]);
});

test('bodies: empty = no data, JSON numbers keep their text, null = no data', async () => {
  const { core, app } = setup();
  await app.inject({ method: 'POST', url: '/v1/x', payload: '' });
  assert.deepEqual(core.last.data, {});
  await app.inject({ method: 'POST', url: '/v1/x', payload: '  \n ', headers: { 'content-type': 'application/json' } });
  assert.deepEqual(core.last.data, {});
  await app.inject({ method: 'POST', url: '/v1/x', payload: 'null', headers: { 'content-type': 'application/json' } });
  assert.deepEqual(core.last.data, {});
  const res = await app.inject({ method: 'POST', url: '/v1/x', payload: '{"n":12345678901234567890,"f":1.0}', headers: { 'content-type': 'application/json' } });
  assert.ok(isLosslessNumber(core.last.data.n));
  assert.ok(res.body.includes('"data":{"n":12345678901234567890,"f":1.0}'), res.body);
});

test('bodies: invalid JSON and non-objects -> 400 error parsing JSON', async () => {
  const { core, app } = setup();
  for (const payload of ['{"a":', '[1,2]', '"str"', '42', '1.0', 'true', 'not json']) {
    const res = await app.inject({ method: 'PUT', url: '/v1/secret/data/a', payload, headers: { 'content-type': 'application/json' } });
    assert.equal(res.statusCode, 400, payload);
    assert.deepEqual(errorsOf(res), ['error parsing JSON'], payload);
    assertHeaders(res);
  }
  assert.equal(core.requests.length, 0);
});

test('bodies: form-encoded when the media type says so and the body is not JSON-looking', async () => {
  const { core, app } = setup();
  await app.inject({ method: 'POST', url: '/v1/x', payload: 'a=1&b=x&a=2', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } });
  assert.deepEqual(core.last.data, { a: '1,2', b: 'x' });
  await app.inject({ method: 'POST', url: '/v1/x', payload: ' {"j":1}', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.deepEqual(core.last.data, { j: 1 });
});

test('bodies: any or no Content-Type is read as JSON', async () => {
  const { core, app } = setup();
  for (const ct of ['text/plain', 'application/octet-stream', '', 'garbage', 'application/json; charset=utf-8']) {
    await app.inject({ method: 'POST', url: '/v1/x', payload: '{"ct":1}', headers: { 'content-type': ct } });
    assert.deepEqual(core.last.data, { ct: 1 }, ct);
  }
  await app.inject({ method: 'POST', url: '/v1/x', payload: Buffer.from('{"raw":1}') });
  assert.deepEqual(core.last.data, { raw: 1 });
});

test('bodies: oversize -> 413 with Vault texts (logical vs special handlers)', async () => {
  const { core, app } = setup({ bodyLimit: 64 });
  const big = JSON.stringify({ data: 'x'.repeat(200) });
  const res = await app.inject({ method: 'POST', url: '/v1/secret/data/a', payload: big, headers: { 'content-type': 'application/json' } });
  assert.equal(res.statusCode, 413);
  assert.deepEqual(errorsOf(res), ['error parsing JSON']);
  assertHeaders(res);
  const init = await app.inject({ method: 'PUT', url: '/v1/sys/init', payload: big, headers: { 'content-type': 'application/json' } });
  assert.equal(init.statusCode, 413);
  assert.deepEqual(errorsOf(init), ['failed to parse JSON input: http: request body too large']);
  const odd = await app.inject({ method: 'POST', url: '/v1/secret/data/a', payload: big, headers: { 'content-type': '' } });
  assert.equal(odd.statusCode, 413);
  assert.equal(core.requests.length, 0);
});

test('PATCH: Content-Type rules, then JSON body', async () => {
  const { core, app } = setup();
  const none = await app.inject({ method: 'PATCH', url: '/v1/secret/data/a', payload: '{"data":{}}' });
  assert.equal(none.statusCode, 400);
  assert.deepEqual(errorsOf(none), ['mime: no media type']);
  const json = await app.inject({ method: 'PATCH', url: '/v1/secret/data/a', payload: '{"data":{}}', headers: { 'content-type': 'application/json' } });
  assert.equal(json.statusCode, 415);
  assert.deepEqual(errorsOf(json), ['PATCH requires Content-Type of application/merge-patch+json, provided application/json']);
  const badParam = await app.inject({ method: 'PATCH', url: '/v1/secret/data/a', payload: '{}', headers: { 'content-type': 'application/merge-patch+json; =x' } });
  assert.equal(badParam.statusCode, 400);
  assert.deepEqual(errorsOf(badParam), ['mime: invalid media parameter']);
  const badJson = await app.inject({ method: 'PATCH', url: '/v1/secret/data/a', payload: '[]', headers: { 'content-type': 'application/merge-patch+json' } });
  assert.equal(badJson.statusCode, 400);
  assert.deepEqual(errorsOf(badJson), ['error parsing JSON']);
  assert.equal(core.requests.length, 0);
  const ok = await app.inject({
    method: 'PATCH', url: '/v1/secret/data/a', payload: '{"data":{"k":null}}', headers: { 'content-type': 'Application/Merge-Patch+JSON; charset=utf-8' },
  });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual([core.last.operation, core.last.data], ['patch', { data: { k: null } }]);
});

test('tokens: X-Vault-Token wins; else exactly "Bearer " (trimmed) and the header is stripped', async () => {
  const { core, app } = setup();
  await app.inject({ method: 'GET', url: '/v1/x', headers: { 'x-vault-token': 'hvs.a', authorization: 'Bearer hvs.b' } });
  assert.equal(core.last.clientToken, 'hvs.a');
  assert.equal(core.last.headers.authorization, 'Bearer hvs.b');
  await app.inject({ method: 'GET', url: '/v1/x', headers: { 'x-vault-token': '', authorization: 'Bearer  hvs.b  ' } });
  assert.equal(core.last.clientToken, 'hvs.b');
  assert.equal(core.last.headers.authorization, undefined);
  for (const a of ['bearer hvs.c', 'Basic abc', 'Bearerhvs.d']) {
    await app.inject({ method: 'GET', url: '/v1/x', headers: { authorization: a } });
    assert.equal(core.last.clientToken, '', a);
    assert.equal(core.last.headers.authorization, a);
  }
  await app.inject({ method: 'GET', url: '/v1/x', headers: { 'x-vault-request': 'true' } });
  assert.equal(core.last.clientToken, '');
});

test('X-Vault-Wrap-TTL: durations parsed; errors carry the header prefix', async () => {
  const { core, app } = setup();
  for (const [v, want] of [['300', 300], ['5m', 300], ['1d', 86400], ['', 0]] as const) {
    await app.inject({ method: 'GET', url: '/v1/x', headers: { 'x-vault-wrap-ttl': v } });
    assert.equal(core.last.wrapTTL, want, v);
  }
  const n = core.requests.length;
  const neg = await app.inject({ method: 'GET', url: '/v1/x', headers: { 'x-vault-wrap-ttl': '-5m' } });
  assert.equal(neg.statusCode, 400);
  assert.deepEqual(errorsOf(neg), ['error parsing X-Vault-Wrap-TTL header: requested wrap ttl cannot be negative']);
  const bad = await app.inject({ method: 'GET', url: '/v1/x', headers: { 'x-vault-wrap-ttl': 'soon' } });
  assert.equal(bad.statusCode, 400);
  assert.match((errorsOf(bad) as string[])[0], /^error parsing X-Vault-Wrap-TTL header: time: invalid duration/);
  assert.equal(core.requests.length, n);
});

test('X-Vault-Namespace is accepted and echoed back', async () => {
  const { app } = setup();
  for (const ns of ['', 'root', '/', 'team-a']) {
    const res = await app.inject({ method: 'GET', url: '/v1/x', headers: { 'x-vault-namespace': ns } });
    assert.equal(res.statusCode, 200, ns);
    assert.equal(res.headers['x-vault-namespace'], ns);
  }
  const none = await app.inject({ method: 'GET', url: '/v1/x' });
  assert.equal(none.headers['x-vault-namespace'], undefined);
});

test('sealed: logical paths -> 503 Vault is sealed', async () => {
  const { core, app } = setup();
  core.sealed = true;
  for (const [method, url] of [['GET', '/v1/secret/data/a'], ['POST', '/v1/auth/jwt/login'], ['GET', '/v1/sys/mounts']] as const) {
    const res = await app.inject({ method, url, payload: method === 'POST' ? '{}' : undefined });
    assert.equal(res.statusCode, 503);
    assert.deepEqual(errorsOf(res), ['Vault is sealed']);
    assertHeaders(res);
  }
  assert.equal(core.requests.length, 0);
});

test('relative paths: encoded dot segments -> 400; write to a path ending in / -> 400', async () => {
  const { core, app } = setup();
  // (inject() normalises %2e%2e segments itself; raw-socket cases are in relative-paths.test.ts)
  for (const url of ['/v1/secret/a%2F..%2Fb', '/v1/secret/a%2F.']) {
    const res = await app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 400, url);
    assert.deepEqual(errorsOf(res), ['relative paths not supported'], url);
  }
  for (const method of ['POST', 'PUT', 'PATCH'] as const) {
    const res = await app.inject({ method, url: '/v1/secret/data/dir/', payload: '{}', headers: { 'content-type': 'application/merge-patch+json' } });
    assert.equal(res.statusCode, 400, method);
    assert.deepEqual(errorsOf(res), ["cannot write to a path ending in '/'"], method);
  }
  assert.equal(core.requests.length, 0);
  await app.inject({ method: 'GET', url: '/v1/secret/data/a%20b..c' });
  assert.equal(core.last.path, 'secret/data/a b..c', 'percent-decoded; dots inside a segment are not relative');
});

test('the three kinds of 404', async () => {
  const { core, app } = setup();
  core.respond = () => undefined;
  const missing = await app.inject({ method: 'GET', url: '/v1/secret/data/none' });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.body, '{"errors":[]}');
  assertHeaders(missing);
  core.respond = () => ({ raw: { status: 404, body: { request_id: 'r', data: { data: null } } } });
  const deleted = await app.inject({ method: 'GET', url: '/v1/secret/data/deleted' });
  assert.equal(deleted.statusCode, 404);
  assert.deepEqual(JSON.parse(deleted.body), { request_id: 'r', data: { data: null } });
  assertHeaders(deleted);
  core.respond = () => ({ raw: { status: 404, body: '' } });
  const patch = await app.inject({ method: 'PATCH', url: '/v1/secret/data/nokey', payload: '{"data":{}}', headers: { 'content-type': 'application/merge-patch+json' } });
  assert.equal(patch.statusCode, 404);
  assert.equal(patch.body, '');
  core.respond = () => {
    throw unsupportedPath();
  };
  const unsupported = await app.inject({ method: 'GET', url: '/v1/secret/bogus' });
  assert.equal(unsupported.statusCode, 404);
  assert.deepEqual(errorsOf(unsupported), ['1 error occurred:\n\t* unsupported path\n\n']);
});

test('paths outside /v1/ -> 404 {"errors":[]}; other methods -> 405 {"errors":[]}', async () => {
  const { app } = setup();
  for (const url of ['/', '/v2/x', '/v1', '/ui', '/robots.txt']) {
    const res = await app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 404, url);
    assert.equal(res.body, '{"errors":[]}');
    assertHeaders(res);
  }
  for (const method of ['HEAD', 'OPTIONS', 'PROPFIND', 'TRACE', 'COPY'] as const) {
    const res = await app.inject({ method, url: '/v1/secret/data/a' });
    assert.equal(res.statusCode, 405, method);
    if (method !== 'HEAD') assert.equal(res.body, '{"errors":[]}', method);
    assert.equal(res.headers['cache-control'], 'no-store');
  }
});

test('errors from core render as {"errors":[...]}; unknown errors as 500 internal error', async () => {
  const { core, app } = setup();
  core.respond = () => {
    throw new KeepError('KEEP_E_X', 403, 'permission denied');
  };
  const denied = await app.inject({ method: 'GET', url: '/v1/x' });
  assert.equal(denied.statusCode, 403);
  assert.deepEqual(errorsOf(denied), ['permission denied']);
  core.respond = () => {
    throw new Error('boom: /var/secret');
  };
  const boom = await app.inject({ method: 'GET', url: '/v1/x' });
  assert.equal(boom.statusCode, 500);
  assert.deepEqual(errorsOf(boom), ['internal error']);
});

test('204 keeps the JSON content type; status from the response (202) is used', async () => {
  const { core, app } = setup();
  core.respond = () => undefined;
  const res = await app.inject({ method: 'POST', url: '/v1/x', payload: '{}' });
  assert.equal(res.statusCode, 204);
  assertHeaders(res);
  core.respond = () => ({ warnings: ['started'], status: 202 });
  const accepted = await app.inject({ method: 'POST', url: '/v1/x', payload: '{}' });
  assert.equal(accepted.statusCode, 202);
});

test('remote address reaches core', async () => {
  const { core, app } = setup();
  await app.inject({ method: 'GET', url: '/v1/x', remoteAddress: '10.1.2.3' });
  assert.equal(core.last.remoteAddress, '10.1.2.3');
});

test('__proto__ in query or form data stays an own key', async () => {
  const { core, app } = setup();
  await app.inject({ method: 'GET', url: '/v1/x?__proto__=a&b=1' });
  assert.equal(Object.getPrototypeOf(core.last.data), Object.prototype);
  assert.ok(Object.prototype.hasOwnProperty.call(core.last.data, '__proto__'));
  await app.inject({ method: 'POST', url: '/v1/x', payload: '__proto__=z', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(Object.getPrototypeOf(core.last.data), Object.prototype);
  assert.equal(core.last.data.__proto__, 'z');
});
