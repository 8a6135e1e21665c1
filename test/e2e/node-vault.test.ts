/**
 * node-vault, unchanged, against a real server: mounts through vault.mount, write/read/list/
 * delete on KV v1 and v2 (list uses the LIST verb; also the ?list=1 fallback), PATCH through
 * vault.update, and the LIST verb mixed with other requests on one keep-alive connection.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { KeepServer } from '../helpers/server.ts';
import { startKeep, useKeepHooks } from '../helpers/server.ts';
import type { VaultClient } from '../helpers/node-vault.ts';
import { vaultClient, vaultFailure } from '../helpers/node-vault.ts';
import nodeVault from 'node-vault';
import { RawConnection, rawJson, rawNoBody } from '../helpers/raw-socket.ts';

useKeepHooks();

const T = { timeout: 120_000 };
let server: KeepServer;
let vault: VaultClient;

before(async () => {
  server = await startKeep({ dev: true });
  vault = vaultClient(server.addr, 'root');
  await vault.mount({ mount_point: 'kv1', type: 'kv', options: { version: '1' }, description: 'v1 for node-vault' });
  await vault.mount({ mount_point: 'kv2', type: 'kv', options: { version: '2' } });
});

test('vault.mounts shows the mounts enabled through vault.mount', T, async () => {
  const mounts = await vault.mounts();
  assert.equal(mounts.data['kv1/'].type, 'kv');
  assert.equal(mounts.data['kv1/'].options.version, '1');
  assert.equal(mounts.data['kv1/'].description, 'v1 for node-vault');
  assert.equal(mounts.data['kv2/'].options.version, '2');
  // Top-level copies, as older clients read them.
  assert.equal(mounts['kv2/'].type, 'kv');
});

test('KV v1: write, read (lease_duration from ttl), list with the LIST verb, delete', T, async () => {
  await vault.write('kv1/app/db', { user: 'ci', ttl: '1h' });
  await vault.write('kv1/app/api', { key: 'k' });
  await vault.write('kv1/top', { x: 1 });

  const r = await vault.read('kv1/app/db');
  assert.deepEqual(r.data, { user: 'ci', ttl: '1h' });
  assert.equal(r.lease_duration, 3600);
  assert.equal(r.lease_id, '');
  assert.equal(r.renewable, false);
  const noTtl = await vault.read('kv1/top');
  assert.equal(noTtl.lease_duration, 2764800);
  assert.deepEqual(noTtl.data, { x: 1 });

  // node-vault's list sends LIST /v1/<path> (with or without the trailing slash).
  const l1 = await vault.list('kv1/app');
  assert.deepEqual(l1.data.keys, ['api', 'db']);
  const l2 = await vault.list('kv1/');
  assert.deepEqual(l2.data.keys, ['app/', 'top']);
  // The ?list=1 fallback of node-vault's noCustomHTTPVerbs mode.
  const getList = nodeVault({ endpoint: server.addr, token: 'root', noCustomHTTPVerbs: true });
  const l3 = await getList.list('kv1/app');
  assert.deepEqual(l3.data.keys, ['api', 'db']);

  await vault.delete('kv1/app/db');
  const gone = await vaultFailure(vault.read('kv1/app/db'));
  assert.equal(gone.status, 404);
  assert.deepEqual(gone.body, { errors: [] });
  const empty = await vaultFailure(vault.list('kv1/nothing-here'));
  assert.equal(empty.status, 404);

  // PATCH is not a KV v1 operation.
  const patch = await vaultFailure(vault.update('kv1/top', { x: 2 }));
  assert.equal(patch.status, 405);
  assert.match(patch.message, /unsupported operation/);
});

test('KV v2: write, read, PATCH via vault.update, list metadata, delete, deleted read', T, async () => {
  const w = await vault.write('kv2/data/app', { data: { a: '1' } });
  assert.equal(w.data.version, 1);
  const r = await vault.read('kv2/data/app');
  assert.equal(r.data.data.a, '1');
  assert.equal(r.data.metadata.version, 1);
  assert.equal(r.lease_duration, 0);

  const p = await vault.update('kv2/data/app', { data: { b: '2' } });
  assert.equal(p.data.version, 2);
  const r2 = await vault.read('kv2/data/app');
  assert.equal(r2.data.data.a, '1');
  assert.equal(r2.data.data.b, '2');
  const v1 = await vault.read('kv2/data/app?version=1');
  assert.equal(v1.data.metadata.version, 1);
  assert.equal(v1.data.data.b, undefined);

  await vault.write('kv2/data/dir/inner', { data: { z: 'z' } });
  const l = await vault.list('kv2/metadata/');
  assert.deepEqual(l.data.keys, ['app', 'dir/']);
  const l2 = await vault.list('kv2/metadata/dir');
  assert.deepEqual(l2.data.keys, ['inner']);

  await vault.delete('kv2/data/app');
  const deleted = await vaultFailure(vault.read('kv2/data/app'));
  assert.equal(deleted.status, 404);
  // A deleted version answers 404 with the version metadata in a full envelope (no errors key).
  const body = deleted.body as { data: { data: unknown; metadata: { deletion_time: string; version: number } }; errors?: unknown };
  assert.equal(body.errors, undefined);
  assert.equal(body.data.data, null);
  assert.equal(body.data.metadata.version, 2);
  assert.notEqual(body.data.metadata.deletion_time, '');

  await vault.delete('kv2/metadata/app');
  await vault.delete('kv2/metadata/dir/inner');
  const none = await vaultFailure(vault.list('kv2/metadata/'));
  assert.equal(none.status, 404);
  const missing = await vaultFailure(vault.read('kv2/data/app'));
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.body, { errors: [] });
});

test('LIST over keep-alive: GET, LIST, POST, LIST, GET on one connection', T, async () => {
  await vault.write('kv1/ka/one', { n: '1' });
  const conn = await RawConnection.open(server.port);
  try {
    const steps: Array<{ raw: string; status: number; check?: (body: string) => void }> = [
      { raw: rawNoBody('GET', '/v1/kv1/ka/one', 'root'), status: 200, check: (b) => assert.deepEqual(JSON.parse(b).data, { n: '1' }) },
      { raw: rawNoBody('LIST', '/v1/kv1/ka', 'root'), status: 200, check: (b) => assert.deepEqual(JSON.parse(b).data.keys, ['one']) },
      { raw: rawJson('POST', '/v1/kv1/ka/two', { n: '2' }, 'root'), status: 204 },
      { raw: rawNoBody('LIST', '/v1/kv1/ka/', 'root'), status: 200, check: (b) => assert.deepEqual(JSON.parse(b).data.keys, ['one', 'two']) },
      { raw: rawNoBody('GET', '/v1/kv1/ka/two', 'root'), status: 200, check: (b) => assert.deepEqual(JSON.parse(b).data, { n: '2' }) },
    ];
    for (const [i, s] of steps.entries()) {
      const res = await conn.request(s.raw);
      assert.equal(res.status, s.status, `step ${i + 1} (${s.raw.split('\r\n')[0]}): ${res.status} ${res.body}`);
      assert.notEqual(res.headers.connection?.toLowerCase(), 'close', `step ${i + 1} closed the connection`);
      s.check?.(res.body);
    }
    assert.equal(conn.closed, false);
  } finally {
    conn.close();
  }
});
