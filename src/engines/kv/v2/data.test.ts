import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render } from '../test-harness.ts';
import { versionKey } from './store.ts';
import { T0, v2 } from './test-setup.ts';

const META_T0 = { created_time: '2025-02-03T10:11:12.123Z', custom_metadata: null, deletion_time: '', destroyed: false };

test('write: version metadata in data; create for a new key, update after', async () => {
  const h = await v2();
  const w = await h.call('update', 'data/app', { data: { db_password: 's3cr3t' }, options: {} });
  assert.equal(w.operation, 'create');
  assert.deepEqual(w.response, { data: { ...META_T0, version: 1 } });
  const w2 = await h.call('update', 'data/app', { data: { db_password: 'new' } });
  assert.equal(w2.operation, 'update');
  assert.equal(w2.response?.data?.version, 2);
});

test('read: current or ?version=N, with metadata; version 0 = current', async () => {
  const h = await v2();
  await h.call('update', 'data/app', { data: { v: '1' } });
  h.clock.now = T0 + 1000;
  await h.call('update', 'data/app', { data: { v: '2' } });
  assert.deepEqual((await h.call('read', 'data/app')).response, {
    data: { data: { v: '2' }, metadata: { ...META_T0, created_time: '2025-02-03T10:11:13.123Z', version: 2 } },
  });
  assert.deepEqual((await h.call('read', 'data/app', { version: '1' })).response?.data?.data, { v: '1' });
  assert.deepEqual((await h.call('read', 'data/app', { version: 0 })).response?.data?.data, { v: '2' });
});

test('read of a missing key or version is nothing (404 {"errors":[]})', async () => {
  const h = await v2();
  assert.equal((await h.call('read', 'data/none')).response, undefined);
  await h.call('update', 'data/app', { data: { a: 'b' } });
  assert.equal((await h.call('read', 'data/app', { version: 7 })).response, undefined);
  await h.call('update', 'metadata/only-meta', { max_versions: 3 });
  assert.equal((await h.call('read', 'data/only-meta')).response, undefined);
});

test('read costs two storage gets: metadata and version', async () => {
  const h = await v2();
  await h.call('update', 'data/app', { data: { a: 'b' } });
  h.storage.counters.gets = 0;
  await h.call('read', 'data/app');
  assert.equal(h.storage.counters.gets, 2);
});

test('write: data is required; {} is allowed; a non-object is a field error', async () => {
  const h = await v2();
  const e = await h.fail('update', 'data/app', { options: {} });
  assert.equal(e.status, 400);
  assert.equal(e.message, 'no data provided');
  assert.equal((await h.fail('update', 'data/app', { data: null })).message, 'no data provided');
  assert.equal((await h.call('update', 'data/app', { data: {} })).response?.data?.version, 1);
  assert.deepEqual((await h.call('read', 'data/app')).response?.data?.data, {});
  const bad = await h.fail('update', 'data/app', { data: 'text' });
  assert.equal(bad.status, 400);
  assert.match(bad.message, /^Field validation failed: error converting input/);
});

test('unknown fields: warning on a write response', async () => {
  const h = await v2();
  const w = await h.call('update', 'data/app', { data: { a: 'b' }, extra: 1 });
  assert.deepEqual(w.response?.warnings, ['Endpoint ignored these unrecognized parameters: [extra]']);
});

test('CAS: match, mismatch, 0 for a new key, unparsable, required by mount or key', async () => {
  const h = await v2();
  const mismatch = await h.fail('update', 'data/k', { data: { a: '1' }, options: { cas: 1 } });
  assert.equal(mismatch.message, 'check-and-set parameter did not match the current version');
  assert.equal((await h.call('update', 'data/k', { data: { a: '1' }, options: { cas: 0 } })).response?.data?.version, 1);
  assert.equal(
    (await h.fail('update', 'data/k', { data: { a: '2' }, options: { cas: 0 } })).message,
    'check-and-set parameter did not match the current version',
  );
  assert.equal((await h.call('update', 'data/k', { data: { a: '2' }, options: { cas: '1' } })).response?.data?.version, 2);
  assert.equal(
    (await h.fail('update', 'data/k', { data: { a: '3' }, options: { cas: 'x' } })).message,
    'error parsing check-and-set parameter',
  );
  assert.equal(
    (await h.fail('update', 'data/k', '{"data": {"a": "3"}, "options": {"cas": 1.5}}')).message,
    'error parsing check-and-set parameter',
  );

  await h.call('update', 'config', { cas_required: true });
  const required = await h.fail('update', 'data/k', { data: { a: '3' } });
  assert.equal(required.status, 400);
  assert.equal(required.message, 'check-and-set parameter required for this call');
  assert.equal((await h.call('update', 'data/k', { data: { a: '3' }, options: { cas: 2 } })).response?.data?.version, 3);
  await h.call('update', 'config', { cas_required: false });

  await h.call('update', 'metadata/k', { cas_required: true });
  assert.equal(
    (await h.fail('update', 'data/k', { data: { a: '4' } })).message,
    'check-and-set parameter required for this call',
  );
});

test('CAS: a soft-deleted current version keeps its number', async () => {
  const h = await v2();
  await h.call('update', 'data/k', { data: { a: '1' } });
  await h.call('delete', 'data/k');
  assert.equal((await h.call('update', 'data/k', { data: { a: '2' }, options: { cas: 1 } })).response?.data?.version, 2);
});

test('deleted or destroyed version: raw 404 with the full envelope', async () => {
  const h = await v2();
  await h.call('update', 'data/app', { data: { a: 'b' } });
  h.clock.now = T0 + 500;
  await h.call('delete', 'data/app');
  const r = (await h.call('read', 'data/app')).response;
  assert.equal(r?.raw?.status, 404);
  const body = r?.raw?.body as Record<string, unknown>;
  assert.deepEqual(Object.keys(body), [
    'request_id', 'lease_id', 'renewable', 'lease_duration', 'data', 'wrap_info', 'warnings', 'auth', 'mount_type',
  ]);
  assert.match(String(body.request_id), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.deepEqual({ ...body, request_id: 'x' }, {
    request_id: 'x',
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: { data: null, metadata: { ...META_T0, deletion_time: '2025-02-03T10:11:12.623Z', version: 1 } },
    wrap_info: null,
    warnings: null,
    auth: null,
    mount_type: '',
  });

  await h.call('update', 'data/app', { data: { a: 'c' } });
  await h.call('update', 'destroy/app', { versions: [2] });
  const d = (await h.call('read', 'data/app')).response;
  assert.equal(d?.raw?.status, 404);
  const dm = (d?.raw?.body as { data: { metadata: Record<string, unknown> } }).data.metadata;
  assert.equal(dm.destroyed, true);
  assert.equal(dm.version, 2);
});

test('a version with a future deletion_time is still served', async () => {
  const h = await v2();
  await h.call('update', 'config', { delete_version_after: '1h' });
  await h.call('update', 'data/app', { data: { a: 'b' } });
  const r = await h.call('read', 'data/app');
  assert.deepEqual(r.response?.data?.data, { a: 'b' });
  h.clock.now = T0 + 3600_000 + 1;
  assert.equal((await h.call('read', 'data/app')).response?.raw?.status, 404);
});

test('soft delete: current version only; no-op when missing or already deleted', async () => {
  const h = await v2();
  assert.equal((await h.call('delete', 'data/none')).response, undefined);
  await h.call('update', 'data/app', { data: { a: '1' } });
  await h.call('update', 'data/app', { data: { a: '2' } });
  h.clock.now = T0 + 10;
  await h.call('delete', 'data/app');
  h.clock.now = T0 + 20;
  await h.call('delete', 'data/app');
  const meta = (await h.call('read', 'metadata/app')).response?.data as { versions: Record<string, { deletion_time: string }> };
  assert.equal(meta.versions['1'].deletion_time, '');
  assert.equal(meta.versions['2'].deletion_time, '2025-02-03T10:11:12.133Z', 'first delete time kept');
  assert.deepEqual((await h.call('read', 'data/app', { version: 1 })).response?.data?.data, { a: '1' });
});

test('patch: RFC 7386 merge into a new version', async () => {
  const h = await v2();
  await h.call('update', 'data/app', {
    data: { keep: 'k', drop: 'd', nested: { a: '1', b: '2' }, list: ['x', 'y'], replace: { o: 'x' } },
  });
  const p = await h.call('patch', 'data/app', {
    data: { drop: null, nested: { b: null, c: '3' }, list: ['z'], replace: 'scalar', added: 'new' },
  });
  assert.deepEqual(p.response, { data: { ...META_T0, version: 2 } });
  assert.deepEqual((await h.call('read', 'data/app')).response?.data?.data, {
    keep: 'k',
    nested: { a: '1', c: '3' },
    list: ['z'],
    replace: 'scalar',
    added: 'new',
  });
});

test('patch: missing data, missing key (empty 404), CAS, deleted current version', async () => {
  const h = await v2();
  const noData = await h.fail('patch', 'data/app', {});
  assert.equal(noData.message, 'no data provided');
  assert.deepEqual((await h.call('patch', 'data/app', { data: { a: 'b' } })).response, {
    raw: { status: 404, contentType: 'application/json', body: '' },
  });
  await h.call('update', 'metadata/app', { max_versions: 2 });
  assert.equal((await h.call('patch', 'data/app', { data: { a: 'b' } })).response?.raw?.body, '', 'metadata without a version');

  await h.call('update', 'data/app', { data: { a: 'b' } });
  assert.equal(
    (await h.fail('patch', 'data/app', { data: { a: 'c' }, options: { cas: 5 } })).message,
    'check-and-set parameter did not match the current version',
  );
  await h.call('update', 'config', { cas_required: true });
  assert.equal(
    (await h.fail('patch', 'data/app', { data: { a: 'c' } })).message,
    'check-and-set parameter required for this call',
  );
  assert.equal((await h.call('patch', 'data/app', { data: { a: 'c' }, options: { cas: 1 } })).response?.data?.version, 2);
  await h.call('update', 'config', { cas_required: false });

  h.clock.now = T0 + 1;
  await h.call('delete', 'data/app');
  const gone = (await h.call('patch', 'data/app', { data: { a: 'd' } })).response;
  assert.equal(gone?.raw?.status, 404);
  assert.deepEqual((gone?.raw?.body as { data: unknown }).data, {
    ...META_T0,
    deletion_time: '2025-02-03T10:11:12.124Z',
    version: 2,
  });
});

test('number fidelity: big integers and 1.0 stored and read back verbatim (write and patch)', async () => {
  const h = await v2();
  await h.call('update', 'data/n', '{"data": {"big": 12345678901234567890, "one": 1.0, "neg": -0.50, "int": 7}}');
  const r = await h.call('read', 'data/n');
  assert.equal(render(r.response?.data?.data), '{"big":12345678901234567890,"one":1.0,"neg":-0.50,"int":7}');
  await h.call('patch', 'data/n', '{"data": {"int": 98765432109876543210, "deep": {"f": 2.50}}}');
  const p = await h.call('read', 'data/n');
  assert.equal(
    render(p.response?.data?.data),
    '{"big":12345678901234567890,"one":1.0,"neg":-0.50,"int":98765432109876543210,"deep":{"f":2.50}}',
  );
});

test('concurrent writes to one key produce consecutive versions', async () => {
  const h = await v2();
  const writes = Array.from({ length: 25 }, (_, i) => h.call('update', 'data/hot', { data: { i: String(i) } }));
  const versions = (await Promise.all(writes)).map((w) => w.response?.data?.version);
  assert.deepEqual([...versions].sort((a, b) => Number(a) - Number(b)), Array.from({ length: 25 }, (_, i) => i + 1));
  const meta = (await h.call('read', 'metadata/hot')).response?.data;
  assert.equal(meta?.current_version, 25);
  assert.equal(meta?.oldest_version, 16);
});

test('keys: `data/` itself and keys ending in / are not data paths', async () => {
  const h = await v2();
  const r = (await h.call('read', 'data/')).response;
  assert.equal(r?.raw?.status, 404);
  const e = await h.fail('update', 'data/a..b', { data: { a: 'b' } });
  assert.equal(e.message, 'relative paths not supported');
});

test('a version destroyed or pruned between the metadata and data reads', async () => {
  const h = await v2();
  await h.call('update', 'data/app', { data: { a: 'b' } });
  await h.call('update', 'data/app', { data: { a: 'c' } });
  const once = (work: () => Promise<unknown>) => {
    h.storage.beforeGet = async (key) => {
      if (!key.startsWith('versions/')) return;
      h.storage.beforeGet = undefined;
      await work();
    };
  };
  once(() => h.call('update', 'destroy/app', { versions: [2] }));
  const destroyed = (await h.call('read', 'data/app')).response;
  assert.equal(destroyed?.raw?.status, 404);
  assert.equal((destroyed?.raw?.body as { data: { metadata: { destroyed: boolean } } }).data.metadata.destroyed, true);

  once(async () => {
    await h.call('update', 'metadata/app', { max_versions: 1 });
    await h.call('update', 'data/app', { data: { a: 'd' } });
  });
  assert.equal((await h.call('read', 'data/app', { version: 1 })).response, undefined, 'pruned meanwhile');

  await h.storage.delete(versionKey('app', 3));
  const e = await h.fail('read', 'data/app');
  assert.equal(e.status, 500);
  assert.equal(e.message, 'could not find version data');
});

test('write reads the metadata once: the existence check read is reused', async () => {
  const h = await v2();
  await h.call('update', 'data/app', { data: { a: '1' } });
  h.storage.counters.gets = 0;
  const w = await h.call('update', 'data/app', { data: { a: '2' } });
  assert.equal(w.operation, 'update');
  assert.equal(w.response?.data?.version, 2);
  assert.equal(h.storage.counters.gets, 1);
});

test('write after its existence check: a write that finished in between is not lost', async () => {
  const { prepare } = await import('../../../framework/dispatch.ts');
  const h = await v2();
  await h.call('update', 'data/app', { data: { a: '1' } });
  const base = {
    requestId: 'r',
    operation: 'update' as const,
    path: 'data/app',
    fullPath: 'secret/data/app',
    raw: { data: { a: 'late' } },
    storage: h.storage,
    mount: h.mount,
    caller: undefined,
    clientToken: '',
    remoteAddress: '127.0.0.1',
    wrapTTL: 0,
    headers: {},
  };
  const late = prepare(h.compiled, base);
  assert.equal(await late.exists(), true); // reads version 1's metadata
  assert.equal((await h.call('update', 'data/app', { data: { a: 'other' } })).response?.data?.version, 2);
  h.storage.counters.gets = 0;
  const r = await late.execute('update');
  assert.equal(r?.data?.version, 3);
  assert.equal(h.storage.counters.gets, 1); // read again
  assert.deepEqual((await h.call('read', 'data/app', { version: 2 })).response?.data?.data, { a: 'other' });
  assert.deepEqual((await h.call('read', 'data/app')).response?.data?.data, { a: 'late' });
});
