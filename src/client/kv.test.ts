import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { KeepClient } from './client.ts';
import { KeepApiError } from './errors.ts';
import { addKvPrefix, joinPath, KvUnsupportedError } from './kv.ts';
import { envelope, startMockServer } from './mock-server.ts';
import type { MockServer } from './mock-server.ts';

let srv: MockServer;
let c: KeepClient;
before(async () => {
  srv = await startMockServer();
  c = new KeepClient({ address: srv.url, token: 't', retries: 0 });
  const v2 = envelope({ path: 'secret/', type: 'kv', options: { version: '2' } });
  const v1 = envelope({ path: 'kv1/', type: 'kv', options: null });
  for (const p of ['secret', 'secret/app', 'secret/app/db', 'secret/dir']) srv.on(`GET /v1/sys/internal/ui/mounts/${p}`, { status: 200, body: v2 });
  for (const p of ['kv1', 'kv1/app']) srv.on(`GET /v1/sys/internal/ui/mounts/${p}`, { status: 200, body: v1 });
  srv.on('GET /v1/sys/internal/ui/mounts/denied/x', { status: 403, body: { errors: ['preflight capability check returned 403, please ensure client\'s policies grant access to path "denied/x/"'] } });
});
after(async () => {
  c.close();
  await srv.close();
});
beforeEach(() => {
  srv.requests.length = 0;
});

test('path helpers follow the Vault CLI', () => {
  assert.equal(addKvPrefix('secret/app', 'secret/', 'data'), 'secret/data/app');
  assert.equal(addKvPrefix('secret/a/b', 'secret/', 'metadata'), 'secret/metadata/a/b');
  assert.equal(addKvPrefix('secret', 'secret/', 'metadata'), 'secret/metadata');
  assert.equal(addKvPrefix('secret/', 'secret/', 'data'), 'secret/data');
  assert.equal(joinPath('secret/', '', 'data', '/x/'), 'secret/data/x');
});

test('kv get on v2 reads M/data/k after the preflight, with ?version', async () => {
  srv.on('GET /v1/secret/data/app', (r) => ({ status: 200, body: envelope({ data: { v: r.query.get('version') ?? 'cur' }, metadata: { version: 1 } }) }));
  const r = await c.kvGet('secret/app', { version: 3 });
  assert.equal(srv.requests[0].path, '/v1/sys/internal/ui/mounts/secret/app');
  assert.equal(r.path, 'secret/data/app');
  assert.equal(r.version, 2);
  assert.deepEqual((r.secret?.data?.data as { v: string }).v, '3');
});

test('kv get with -mount: the argument is the key inside the mount', async () => {
  srv.on('GET /v1/secret/data/app/db', { status: 200, body: envelope({ data: { a: 1 }, metadata: {} }) });
  const r = await c.kv.get('app/db', { mount: 'secret' });
  assert.equal(srv.requests[0].path, '/v1/sys/internal/ui/mounts/secret');
  assert.equal(r.path, 'secret/data/app/db');
});

test('preflight 404 means KV v1 (old server): the path is used as-is', async () => {
  srv.on('GET /v1/old/app', { status: 200, body: envelope({ a: 'b' }) });
  srv.on('PUT /v1/old/app', { status: 204 });
  const r = await c.kvGet('old/app');
  assert.equal(r.version, 1);
  assert.equal(r.path, 'old/app');
  const w = await c.kvPut('old/app', { a: 'c' });
  assert.equal(w.secret, null);
  assert.deepEqual(JSON.parse(srv.requests.at(-1)?.body ?? ''), { a: 'c' });
});

test('a preflight 403 aborts the command', async () => {
  await assert.rejects(c.kvGet('denied/x'), (e: unknown) => e instanceof KeepApiError && e.status === 403);
});

test('kv put on v2 wraps data and cas; v1 sends the data itself', async () => {
  srv.on('PUT /v1/secret/data/app', { status: 200, body: envelope({ version: 2 }) });
  srv.on('PUT /v1/kv1/app', { status: 204 });
  await c.kvPut('secret/app', { a: 'b' }, { cas: 1 });
  assert.deepEqual(JSON.parse(srv.requests[1].body), { data: { a: 'b' }, options: { cas: 1 } });
  await c.kvPut('secret/app', { a: 'b' });
  assert.deepEqual(JSON.parse(srv.requests[3].body), { data: { a: 'b' }, options: {} });
  await c.kvPut('kv1/app', { a: 'b' });
  assert.deepEqual(JSON.parse(srv.requests[5].body), { a: 'b' });
});

test('kv list uses M/metadata/p; nothing there is null keys', async () => {
  srv.on('GET /v1/secret/metadata/dir', { status: 200, body: envelope({ keys: ['x', 'y/'] }) });
  const r = await c.kvList('secret/dir');
  assert.equal(r.path, 'secret/metadata/dir');
  assert.deepEqual(r.keys, ['x', 'y/']);
  assert.equal(srv.requests[1].query.get('list'), 'true');
  const none = await c.kvList('secret/app');
  assert.equal(none.keys, null);
});

test('kv delete: current version via DELETE, listed versions via PUT M/delete/k', async () => {
  srv.on('DELETE /v1/secret/data/app', { status: 204 });
  srv.on('PUT /v1/secret/delete/app', { status: 204 });
  await c.kvDelete('secret/app');
  assert.equal(srv.requests[1].method, 'DELETE');
  await c.kvDelete('secret/app', { versions: [1, '2'] });
  assert.deepEqual(JSON.parse(srv.requests[3].body), { versions: ['1', '2'] });
});

test('kv patch sends PATCH, and falls back to read + put with cas on 405', async () => {
  srv.on('PATCH /v1/secret/data/app', { status: 200, body: envelope({ version: 4 }) });
  const r = await c.kv.patch('secret/app', { b: '2' });
  assert.equal(r.secret?.data?.version, 4);
  assert.equal(srv.requests[1].headers['content-type'], 'application/merge-patch+json');

  srv.requests.length = 0;
  srv.on('PATCH /v1/secret/data/app', { status: 405, body: { errors: ['1 error occurred:\n\t* unsupported operation\n\n'] } });
  srv.on('GET /v1/secret/data/app', { status: 200, body: envelope({ data: { a: '1', b: '1', c: '1' }, metadata: { version: 7 } }) });
  srv.on('PUT /v1/secret/data/app', { status: 200, body: envelope({ version: 8 }) });
  await c.kv.patch('secret/app', { b: '2', c: null });
  const put = srv.requests.find((q) => q.method === 'PUT');
  assert.deepEqual(JSON.parse(put?.body ?? ''), { data: { a: '1', b: '2' }, options: { cas: 7 } });

  srv.requests.length = 0;
  await assert.rejects(c.kv.patch('secret/app', { b: '2' }, { method: 'patch' }), (e: unknown) => e instanceof KeepApiError && e.status === 405);
});

test('v2-only operations refuse v1 mounts', async () => {
  await assert.rejects(c.kv.patch('kv1/app', { a: 1 }), (e: unknown) => e instanceof KvUnsupportedError && /version 2 for patch/.test(e.message));
  await assert.rejects(c.kv.metadataGet('kv1/app'), KvUnsupportedError);
  await assert.rejects(c.kv.undelete('kv1/app', [1]), /Undelete not supported/);
  await assert.rejects(c.kv.destroy('kv1/app', [1]), /Destroy not supported/);
});

test('metadata and version operations hit the v2 paths', async () => {
  srv.on('GET /v1/secret/metadata/app', { status: 200, body: envelope({ current_version: 1, versions: {} }) });
  srv.on('PUT /v1/secret/metadata/app', { status: 204 });
  srv.on('PATCH /v1/secret/metadata/app', { status: 204 });
  srv.on('DELETE /v1/secret/metadata/app', { status: 204 });
  srv.on('PUT /v1/secret/undelete/app', { status: 204 });
  srv.on('PUT /v1/secret/destroy/app', { status: 204 });
  assert.equal((await c.kv.metadataGet('secret/app')).secret?.data?.current_version, 1);
  await c.kv.metadataPut('secret/app', { max_versions: 3 });
  await c.kv.metadataPatch('secret/app', { custom_metadata: { a: null } });
  await c.kv.metadataDelete('secret/app');
  await c.kv.undelete('secret/app', [2]);
  await c.kv.destroy('secret/app', ['3']);
  const seen = srv.requests.filter((r) => !r.path.includes('internal')).map((r) => `${r.method} ${r.path}`);
  assert.deepEqual(seen, [
    'GET /v1/secret/metadata/app',
    'PUT /v1/secret/metadata/app',
    'PATCH /v1/secret/metadata/app',
    'DELETE /v1/secret/metadata/app',
    'PUT /v1/secret/undelete/app',
    'PUT /v1/secret/destroy/app',
  ]);
});
