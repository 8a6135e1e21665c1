import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DatabaseConfig } from './config-store.ts';
import { parseJson } from '../../framework/json.ts';
import { ROOT_WAL_MIN_AGE_MS } from './rotate-root.ts';
import { assertError, CREATE_SQL, fixture, type Fixture, flush, writeConfig } from './test-fakes.ts';
import type { RootRotationWAL } from './wal.ts';

async function storedConfig(f: Fixture, name = 'pg'): Promise<DatabaseConfig> {
  const bytes = await f.storage.get(`config/${name}`);
  assert.ok(bytes);
  return parseJson(new TextDecoder().decode(bytes)) as DatabaseConfig;
}

test('rotate-root: plugin called with the statements, stored password changed, WAL cleared, pool reopened', async () => {
  const f = await fixture();
  await writeConfig(f, 'pg', { root_rotation_statements: ['ALTER ROLE "{{username}}" PASSWORD \'{{password}}\''], password_policy: 'root-pol' });
  assert.equal(await f.call('update', 'rotate-root/pg'), undefined);
  const call = f.db.callsOf('rotateRoot')[0].args as { statements: string[]; newPassword: string };
  assert.deepEqual(call.statements, ['ALTER ROLE "{{username}}" PASSWORD \'{{password}}\'']);
  assert.match(call.newPassword, /^Pw-root-pol-/);
  assert.equal(f.db.rootPassword, call.newPassword);
  assert.equal((await storedConfig(f)).connection_details.password, call.newPassword);
  assert.deepEqual(await f.storage.keys(), ['config/pg']);
  await flush();
  assert.ok(!f.backend.connections.has('pg'), 'the pool is closed');
  // Never readable through the API.
  const r = await f.call('read', 'config/pg');
  assert.ok(!JSON.stringify(r?.data).includes(call.newPassword));
  // Keep keeps working with the new password (a fresh pool from the stored config).
  await f.call('update', 'roles/r', { db_name: 'pg', creation_statements: CREATE_SQL });
  assert.ok((await f.call('read', 'creds/r'))?.data);
  // And again.
  await f.call('update', 'rotate-root/pg', {});
  assert.notEqual(f.db.rootPassword, call.newPassword);
  assert.ok((await f.call('read', 'creds/r'))?.data);
});

test('rotate-root rejections: unknown connection, no username, no password', async () => {
  const f = await fixture();
  assertError(await f.fail('update', 'rotate-root/nope'), 500, 'failed to find entry for connection with name: "nope"');
  f.db.checkPasswords = false;
  await writeConfig(f, 'nouser', { username: '' });
  assertError(await f.fail('update', 'rotate-root/nouser'), 500, 'unable to rotate root credentials: no username in configuration');
  await writeConfig(f, 'nopass', { password: '' });
  assertError(await f.fail('update', 'rotate-root/nopass'), 500, 'unable to rotate root credentials: no password in configuration');
  assert.equal(f.db.callsOf('rotateRoot').length, 0);
});

test('rotate-root failure: 500 without secrets, config unchanged; the WAL is settled before the next rotation', async () => {
  const f = await fixture();
  await writeConfig(f);
  f.db.echoFailure.add('rotateRoot');
  const e = await f.fail('update', 'rotate-root/pg');
  assert.equal(e.status, 500);
  assert.equal(e.message, "failed to update user: syntax error near 'xxxxx' for 'xxxxx'");
  assert.equal((await storedConfig(f)).connection_details.password, 'root-secret');
  assert.ok(await f.storage.getJSON('wal/rotate-root/pg'));
  f.db.echoFailure.clear();
  // The stored password still connects: the WAL is dropped, then the rotation runs.
  await f.call('update', 'rotate-root/pg');
  assert.notEqual(f.db.rootPassword, 'root-secret');
  assert.equal((await storedConfig(f)).connection_details.password, f.db.rootPassword);
  assert.deepEqual(await f.storage.keys(), ['config/pg']);
});

test('crash between the database change and the storage write: rolled forward on start', async () => {
  const f = await fixture();
  await writeConfig(f);
  // The database took the new password but the answer was lost (as if the process died).
  f.db.loseRotateAck = true;
  await f.fail('update', 'rotate-root/pg');
  f.db.loseRotateAck = false;
  const wal = await f.storage.getJSON<RootRotationWAL>('wal/rotate-root/pg');
  assert.ok(wal);
  assert.equal(f.db.rootPassword, wal.new_password);
  assert.equal((await storedConfig(f)).connection_details.password, 'root-secret');

  const g = await f.restart();
  // Too young: a rotation might still be running.
  await g.backend.periodic?.();
  assert.ok(await g.storage.getJSON('wal/rotate-root/pg'));
  g.clock.now += ROOT_WAL_MIN_AGE_MS;
  await g.backend.periodic?.();
  assert.equal(await g.storage.getJSON('wal/rotate-root/pg'), undefined);
  assert.equal((await storedConfig(g)).connection_details.password, wal.new_password);
  await g.call('update', 'roles/r', { db_name: 'pg', creation_statements: CREATE_SQL });
  assert.ok((await g.call('read', 'creds/r'))?.data);
});

test('crash before the database changed: the WAL is dropped; database down: the WAL waits and is retried', async () => {
  const f = await fixture();
  await writeConfig(f);
  await f.storage.putJSON('wal/rotate-root/pg', {
    connection: 'pg',
    username: 'root',
    old_password: 'root-secret',
    new_password: 'never-applied',
    created: f.clock.now,
  } satisfies RootRotationWAL);
  f.db.down = true;
  f.clock.now += ROOT_WAL_MIN_AGE_MS;
  await f.backend.periodic?.();
  assert.ok(await f.storage.getJSON('wal/rotate-root/pg'), 'kept while the database is down');
  f.db.down = false;
  f.clock.now += 30_000;
  await f.backend.periodic?.();
  assert.ok(await f.storage.getJSON('wal/rotate-root/pg'), 'retried after a pause');
  f.clock.now += 30_000;
  await f.backend.periodic?.();
  assert.equal(await f.storage.getJSON('wal/rotate-root/pg'), undefined);
  assert.equal((await storedConfig(f)).connection_details.password, 'root-secret');
  assert.equal(f.db.rootPassword, 'root-secret');
  // A WAL of a deleted connection is dropped.
  await f.storage.putJSON('wal/rotate-root/gone', { connection: 'gone', username: 'u', old_password: 'a', new_password: 'b', created: 0 });
  await f.backend.periodic?.();
  assert.equal(await f.storage.getJSON('wal/rotate-root/gone'), undefined);
});
