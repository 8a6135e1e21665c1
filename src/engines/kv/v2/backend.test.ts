import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogicalResponse, Operation } from '../../../framework/types.ts';
import { createKvBackend } from '../backend.ts';
import { harness, testMount } from '../test-harness.ts';
import { ROOT_WARNING, invalidPathWarning } from './catch-all.ts';
import { v2 } from './test-setup.ts';

const INVALID = (sub: string) =>
  'Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. ' +
  `If using the Vault CLI, use 'vault kv ${sub}' for this operation.`;

function rawBody(r: LogicalResponse | undefined): Record<string, unknown> {
  assert.equal(r?.raw?.status, 404);
  assert.equal(r?.raw?.contentType, 'application/json');
  return r?.raw?.body as Record<string, unknown>;
}

test('createKvBackend with options.version "2" is versioned and usable immediately', async () => {
  const h = await harness(createKvBackend, testMount('secret/', 'kv', { version: '2' }));
  assert.equal((await h.call('update', 'data/app', { data: { a: 'b' } })).response?.data?.version, 1);
  assert.deepEqual((await h.call('read', 'data/app')).response?.data?.data, { a: 'b' });
});

test('config: defaults, write, Go duration rendering, negative disables, no fields no-op', async () => {
  const h = await v2();
  assert.deepEqual((await h.call('read', 'config')).response, {
    data: { cas_required: false, delete_version_after: '0s', max_versions: 0 },
  });
  assert.equal((await h.call('update', 'config', {})).response, undefined);
  await h.call('update', 'config', { max_versions: 7, cas_required: 'true', delete_version_after: 12319 });
  assert.deepEqual((await h.call('read', 'config')).response?.data, {
    cas_required: true,
    delete_version_after: '3h25m19s',
    max_versions: 7,
  });
  await h.call('update', 'config', { delete_version_after: '-5m' });
  assert.equal((await h.call('read', 'config')).response?.data?.delete_version_after, '-1s');
  await h.call('update', 'config', { delete_version_after: '0s' });
  const cfg = (await h.call('read', 'config')).response?.data;
  assert.deepEqual(cfg, { cas_required: true, delete_version_after: '0s', max_versions: 7 }, 'other fields kept');
  assert.match((await h.fail('update', 'config', { max_versions: 'many' })).message, /^Field validation failed/);
});

test('config cache is dropped on invalidate', async () => {
  const h = await v2();
  await h.call('read', 'config');
  await h.storage.putJSON('config', { max_versions: 2, cas_required: true, delete_version_after: 0 });
  assert.equal((await h.call('read', 'config')).response?.data?.max_versions, 0, 'cached');
  h.backend.invalidate?.('config');
  assert.equal((await h.call('read', 'config')).response?.data?.max_versions, 2);
});

test('catch-all: raw 404 envelope naming the vault kv subcommand for each operation', async () => {
  const h = await v2();
  const cases: [Operation, string, string][] = [
    ['read', 'app', 'get'],
    ['update', 'app', 'put'],
    ['create', 'app', 'put'],
    ['patch', 'app', 'patch'],
    ['delete', 'app', 'delete'],
    ['list', 'app/', 'list'],
    ['list', 'data/', 'list'],
    ['read', 'data/', 'get'],
    ['read', 'subkeys/app', 'get'],
  ];
  for (const [op, path, sub] of cases) {
    const body = rawBody((await h.call(op, path, { x: 1 })).response);
    assert.deepEqual({ ...body, request_id: '' }, {
      request_id: '',
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: null,
      wrap_info: null,
      warnings: [INVALID(sub)],
      auth: null,
      mount_type: '',
    }, `${op} ${path}`);
    assert.notEqual(body.request_id, '');
  }
  assert.equal(invalidPathWarning('read'), INVALID('get'));
});

test('catch-all: non-listing operations on the roots', async () => {
  const h = await v2();
  for (const root of ['data', 'metadata', 'delete', 'undelete', 'destroy']) {
    for (const op of ['read', 'update', 'delete'] as const) {
      const body = rawBody((await h.call(op, root)).response);
      assert.deepEqual(body.warnings, [ROOT_WARNING]);
      assert.equal(body.data, null);
    }
  }
  assert.equal(ROOT_WARNING, 'Non-listing operations on the root of a K/V v2 mount are not supported.');
});

test('existence checks: data/ and metadata/ decide create vs update; others stay update', async () => {
  const h = await v2();
  assert.equal((await h.call('update', 'metadata/k', { max_versions: 1 })).operation, 'create');
  assert.equal((await h.call('update', 'data/k', { data: {} })).operation, 'update', 'metadata exists');
  assert.equal((await h.call('update', 'data/j', { data: {} })).operation, 'create');
  assert.equal((await h.call('update', 'metadata/j', {})).operation, 'update');
  assert.equal((await h.call('update', 'delete/j', { versions: [1] })).operation, 'update');
  assert.equal((await h.call('update', 'config', {})).operation, 'update');
});
