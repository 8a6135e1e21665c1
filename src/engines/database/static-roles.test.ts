import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rfc3339Nano } from '../../framework/time.ts';
import type { StaticRole } from './roles-store.ts';
import { ROTATE_ROLE_FAILED } from './static-rotation.ts';
import { assertError, fixture, type Fixture, T0, writeConfig } from './test-fakes.ts';
import type { StaticRotationWAL } from './wal.ts';

async function setup(): Promise<Fixture> {
  const f = await fixture();
  await writeConfig(f);
  f.db.users.set('app', { password: 'initial' });
  return f;
}

async function creds(f: Fixture, name = 'app-role') {
  return (await f.call('read', `static-creds/${name}`))?.data as Record<string, unknown>;
}

test('static role create rotates the password at once; read shape; static-creds shape with ttl', async () => {
  const f = await setup();
  assert.equal(await f.call('update', 'static-roles/app-role', { db_name: 'pg', username: 'app', rotation_period: '1h' }), undefined);
  const pw = f.db.users.get('app')?.password;
  assert.notEqual(pw, 'initial');
  assert.match(String(pw), /^Pw-default-/);
  assert.deepEqual((await f.call('read', 'static-roles/app-role'))?.data, {
    db_name: 'pg',
    username: 'app',
    credential_type: 'password',
    rotation_statements: [],
    rotation_period: 3600,
    last_vault_rotation: rfc3339Nano(T0),
  });
  f.clock.now += 1183_400;
  assert.deepEqual(await creds(f), {
    username: 'app',
    password: pw,
    last_vault_rotation: rfc3339Nano(T0),
    rotation_period: 3600,
    ttl: 2417,
  });
  assert.deepEqual((await f.call('list', 'static-roles/'))?.data, { keys: ['app-role'] });
  assert.deepEqual(await f.storage.keys(), ['config/pg', 'static-role/app-role'], 'no WAL left');
});

test('static role write rejections and their messages', async () => {
  const f = await setup();
  const base = { db_name: 'pg', username: 'app' };
  assertError(await f.fail('update', 'static-roles/r', { username: 'app', rotation_period: 60 }), 400, 'database name is a required field');
  assertError(await f.fail('update', 'static-roles/r', { db_name: 'pg', rotation_period: 60 }), 400, 'username is a required field to create a static account');
  assertError(
    await f.fail('update', 'static-roles/r', base),
    400,
    'one of rotation_schedule or rotation_period must be provided to create a static account',
  );
  assertError(
    await f.fail('update', 'static-roles/r', { ...base, rotation_period: 60, rotation_schedule: '* * * * *' }),
    400,
    'mutually exclusive fields rotation_period and rotation_schedule were both specified; only one of them can be provided',
  );
  assertError(await f.fail('update', 'static-roles/r', { ...base, rotation_period: 4 }), 400, 'rotation_period must be 5 seconds or more');
  assertError(
    await f.fail('update', 'static-roles/r', { ...base, rotation_period: 60, rotation_window: 3600 }),
    400,
    'rotation_window is invalid with use of rotation_period',
  );
  assertError(
    await f.fail('update', 'static-roles/r', { ...base, rotation_schedule: '* * *' }),
    400,
    'could not parse rotation_schedule: expected exactly 5 fields, found 3: [* * *]',
  );
  assertError(
    await f.fail('update', 'static-roles/r', { ...base, rotation_schedule: '0 0 30 2 *' }),
    400,
    'could not parse rotation_schedule: the schedule never fires',
  );
  assertError(
    await f.fail('update', 'static-roles/r', { ...base, rotation_schedule: '0 2 * * *', rotation_window: 600 }),
    400,
    'rotation_window is invalid: rotation_window must be 3600 seconds or more',
  );
  assertError(await f.fail('update', 'static-roles/r', { ...base, rotation_period: 60, credential_type: 'x' }), 400, 'invalid credential_type "x"');
  await f.call('update', 'roles/dyn', { db_name: 'pg' });
  assertError(await f.fail('update', 'static-roles/dyn', { ...base, rotation_period: 60 }), 400, 'Role and Static Role names must be unique');
  await assert.rejects(f.call('update', 'static-roles/r.', { ...base, rotation_period: 60 }), { status: 404 });
  assert.equal(f.db.callsOf('updatePassword').length, 0);
  assert.deepEqual(await f.storage.keys(), ['config/pg', 'role/dyn']);

  await f.call('update', 'static-roles/r', { ...base, rotation_period: 60 });
  assertError(await f.fail('update', 'static-roles/r', { username: 'other' }), 400, 'cannot update static account username');
  assertError(await f.fail('update', 'static-roles/r', { rotation_window: '2h' }), 400, 'rotation_window is invalid with use of rotation_period');
  assertError(await f.fail('update', 'roles/r', { db_name: 'pg' }), 400, 'Role and Static Role names must be unique');
});

test('a failed first rotation stores nothing (no user, not allowed, no connection)', async () => {
  const f = await setup();
  assertError(
    await f.fail('update', 'static-roles/ghost', { db_name: 'pg', username: 'nobody', rotation_period: 60 }),
    500,
    'error setting credentials: role "nobody" does not exist',
  );
  await f.call('update', 'config/pg', { allowed_roles: 'ci-*' });
  assertError(
    await f.fail('update', 'static-roles/app-role', { db_name: 'pg', username: 'app', rotation_period: 60 }),
    500,
    '"app-role" is not an allowed role',
  );
  assertError(
    await f.fail('update', 'static-roles/ci-x', { db_name: 'nope', username: 'app', rotation_period: 60 }),
    500,
    'failed to find entry for connection with name: "nope"',
  );
  f.db.echoFailure.add('updatePassword');
  const e = await f.fail('update', 'static-roles/ci-y', { db_name: 'pg', username: 'app', rotation_period: 60 });
  assertError(e, 500, "error setting credentials: syntax error near 'xxxxx'");
  assert.deepEqual(await f.storage.keys(), ['config/pg']);
  assert.equal(f.db.users.get('app')?.password, 'initial');
});

test('rotation on schedule (rotation_period) with a fake clock; not before it is due', async () => {
  const f = await setup();
  await f.call('update', 'static-roles/app-role', { db_name: 'pg', username: 'app', rotation_period: 600, rotation_statements: 'ALTER ROLE' });
  const first = f.db.users.get('app')?.password;
  f.clock.now += 599_000;
  await f.backend.periodic?.();
  assert.equal(f.db.users.get('app')?.password, first);
  f.clock.now += 1000;
  await f.backend.periodic?.();
  const second = f.db.users.get('app')?.password;
  assert.notEqual(second, first);
  const c = await creds(f);
  assert.equal(c.password, second);
  assert.equal(c.ttl, 600);
  assert.equal(c.last_vault_rotation, rfc3339Nano(T0 + 600_000));
  const call = f.db.callsOf('updatePassword').at(-1)?.args as { statements: string[]; username: string };
  assert.deepEqual(call, { statements: ['ALTER ROLE'], username: 'app', password: second });
});

test('a rotation missed while the server was down happens on start (once), then the period restarts', async () => {
  const f = await setup();
  await f.call('update', 'static-roles/app-role', { db_name: 'pg', username: 'app', rotation_period: 600 });
  const before = f.db.callsOf('updatePassword').length;
  // Down for three periods: nothing ran.
  f.clock.now += 3 * 600_000 + 5000;
  const g = await f.restart();
  assert.equal(g.backend.rotator.dueAt('app-role'), T0 + 600_000);
  await g.backend.periodic?.();
  assert.equal(g.db.callsOf('updatePassword').length, before + 1);
  await g.backend.periodic?.();
  assert.equal(g.db.callsOf('updatePassword').length, before + 1);
  const c = await creds(g);
  assert.equal(c.password, g.db.users.get('app')?.password);
  assert.equal(c.ttl, 600);
});

test('a failed rotation retries 10 s later with the same password (WAL); secrets stay out of the log', async () => {
  const f = await setup();
  await f.call('update', 'static-roles/app-role', { db_name: 'pg', username: 'app', rotation_period: 60 });
  const stored = f.db.users.get('app')?.password;
  f.clock.now += 60_000;
  f.db.failNext.set('updatePassword', new Error('deadlock detected'));
  await f.backend.periodic?.();
  const tried = (f.db.callsOf('updatePassword').at(-1)?.args as { password: string }).password;
  assert.equal(f.db.users.get('app')?.password, stored);
  assert.equal((await creds(f)).password, stored);
  const wal = await f.storage.getJSON<StaticRotationWAL>('wal/static/app-role');
  assert.equal(wal?.new_password, tried);
  assert.equal(f.backend.rotator.dueAt('app-role'), f.clock.now + 10_000);
  f.clock.now += 9000;
  await f.backend.periodic?.();
  assert.equal(f.db.callsOf('updatePassword').length, 2);
  f.clock.now += 1000;
  await f.backend.periodic?.();
  assert.equal(f.db.users.get('app')?.password, tried);
  assert.equal((await creds(f)).password, tried);
  assert.equal(await f.storage.getJSON('wal/static/app-role'), undefined);
});

test('a crash after the database changed but before storage: the WAL password is set again on start', async () => {
  const f = await setup();
  await f.call('update', 'static-roles/app-role', { db_name: 'pg', username: 'app', rotation_period: 3600 });
  const role = await f.storage.getJSON<StaticRole>('static-role/app-role');
  assert.ok(role);
  // The rotation that crashed: WAL written, database changed, role not stored.
  await f.storage.putJSON('wal/static/app-role', {
    role: 'app-role',
    username: 'app',
    new_password: 'from-the-wal',
    last_vault_rotation: role.last_vault_rotation,
    created: f.clock.now,
  } satisfies StaticRotationWAL);
  f.db.users.set('app', { password: 'from-the-wal' });
  // A stale WAL of a role that no longer exists is dropped.
  await f.storage.putJSON('wal/static/gone', { role: 'gone', username: 'x', new_password: 'y', last_vault_rotation: 0, created: 0 });
  f.clock.now += 1000;
  const g = await f.restart();
  await g.backend.periodic?.();
  assert.equal(g.db.users.get('app')?.password, 'from-the-wal');
  assert.equal((await creds(g)).password, 'from-the-wal');
  assert.deepEqual(await g.storage.keys(), ['config/pg', 'static-role/app-role']);
});

test('rotate-role: rotates now and restarts the period; unknown role 400; failure 500 and retried in the background', async () => {
  const f = await setup();
  await f.call('update', 'static-roles/app-role', { db_name: 'pg', username: 'app', rotation_period: 3600 });
  const first = f.db.users.get('app')?.password;
  f.clock.now += 1800_000;
  assert.equal(await f.call('update', 'rotate-role/app-role'), undefined);
  const second = f.db.users.get('app')?.password;
  assert.notEqual(second, first);
  assert.equal((await creds(f)).ttl, 3600);
  assert.equal(f.backend.rotator.dueAt('app-role'), f.clock.now + 3600_000);

  assertError(await f.fail('update', 'rotate-role/nope'), 400, 'no static role found for role name');
  await f.call('update', 'roles/dyn', { db_name: 'pg' });
  assertError(await f.fail('update', 'rotate-role/dyn'), 400, 'no static role found for role name');

  f.db.down = true;
  const e = await f.fail('update', 'rotate-role/app-role');
  assert.equal(e.status, 500);
  assert.ok(e.message.startsWith(ROTATE_ROLE_FAILED), e.message);
  assert.match(e.message, /connection refused/);
  assert.equal(f.backend.rotator.dueAt('app-role'), f.clock.now + 10_000);
  f.db.down = false;
  f.clock.now += 10_000;
  await f.backend.periodic?.();
  assert.notEqual(f.db.users.get('app')?.password, second);
});

test('update: a new rotation_period counts from now; switching to a schedule; username cannot change', async () => {
  const f = await setup();
  await f.call('update', 'static-roles/app-role', { db_name: 'pg', username: 'app', rotation_period: 3600 });
  f.clock.now += 600_000;
  await f.call('update', 'static-roles/app-role', { rotation_period: 7200 });
  assert.equal((await creds(f)).ttl, 7200);
  // Same username is fine; statements update keeps the countdown.
  f.clock.now += 200_000;
  await f.call('update', 'static-roles/app-role', { username: 'app', rotation_statements: ['X'] });
  assert.equal((await creds(f)).ttl, 7000);
  // To a daily schedule at 02:00 UTC: the next slot from now.
  await f.call('update', 'static-roles/app-role', { rotation_schedule: '0 2 * * *', rotation_window: '2h' });
  const d = (await f.call('read', 'static-roles/app-role'))?.data;
  assert.equal(d?.rotation_schedule, '0 2 * * *');
  assert.equal(d?.rotation_window, 7200);
  assert.ok(!('rotation_period' in (d ?? {})));
  const c = await creds(f);
  assert.equal(c.rotation_schedule, '0 2 * * *');
  assert.equal(c.rotation_window, 7200);
  assert.equal(c.ttl, Math.round((Date.UTC(2025, 5, 11, 2, 0) - f.clock.now) / 1000));
  // And back to a period: schedule and window are cleared.
  await f.call('update', 'static-roles/app-role', { rotation_period: 60 });
  const d2 = (await f.call('read', 'static-roles/app-role'))?.data;
  assert.equal(d2?.rotation_period, 60);
  assert.ok(!('rotation_schedule' in (d2 ?? {})));
});

test('rotation_schedule with a window: rotates inside the window, skips a slot that can no longer start', async () => {
  const f = await setup();
  await f.call('update', 'static-roles/app-role', { db_name: 'pg', username: 'app', rotation_schedule: '0 2 * * *', rotation_window: 3600 });
  const n0 = f.db.callsOf('updatePassword').length;
  const slot1 = Date.UTC(2025, 5, 11, 2, 0);
  assert.equal(f.backend.rotator.dueAt('app-role'), slot1);
  f.clock.now = slot1 + 30 * 60_000;
  await f.backend.periodic?.();
  assert.equal(f.db.callsOf('updatePassword').length, n0 + 1);
  const slot2 = Date.UTC(2025, 5, 12, 2, 0);
  assert.equal(f.backend.rotator.dueAt('app-role'), slot2);
  // Down over the whole window of slot 2: skipped to slot 3, no rotation.
  f.clock.now = slot2 + 3600_000;
  await f.backend.periodic?.();
  assert.equal(f.db.callsOf('updatePassword').length, n0 + 1);
  assert.equal(f.backend.rotator.dueAt('app-role'), Date.UTC(2025, 5, 13, 2, 0));
  assert.equal((await creds(f)).ttl, 23 * 3600);
});

test('rotation_schedule without a window: a missed slot is caught up at once', async () => {
  const f = await setup();
  await f.call('update', 'static-roles/app-role', { db_name: 'pg', username: 'app', rotation_schedule: '*/30 * * * *' });
  const n0 = f.db.callsOf('updatePassword').length;
  f.clock.now += 5 * 3600_000;
  const g = await f.restart();
  await g.backend.periodic?.();
  assert.equal(g.db.callsOf('updatePassword').length, n0 + 1);
  assert.equal(g.backend.rotator.dueAt('app-role'), f.clock.now + 30 * 60_000);
});

test('static-creds: unknown role 400; allowed_roles checked (500); delete leaves the user and clears the queue', async () => {
  const f = await setup();
  assertError(await f.fail('read', 'static-creds/nope'), 400, 'unknown role: nope');
  await f.call('update', 'static-roles/app-role', { db_name: 'pg', username: 'app', rotation_period: 60 });
  await f.call('update', 'config/pg', { allowed_roles: 'other' });
  assertError(await f.fail('read', 'static-creds/app-role'), 500, '"app-role" is not an allowed role');
  // A due rotation is refused too (and retried later).
  f.clock.now += 60_000;
  await f.backend.periodic?.();
  assert.equal(f.backend.rotator.dueAt('app-role'), f.clock.now + 10_000);
  const pw = f.db.users.get('app')?.password;
  assert.equal(await f.call('delete', 'static-roles/app-role'), undefined);
  assert.equal(f.db.users.get('app')?.password, pw);
  assert.equal(f.backend.rotator.dueAt('app-role'), undefined);
  assert.equal(await f.call('read', 'static-roles/app-role'), undefined);
  assert.equal(await f.call('list', 'static-roles'), undefined);
  assert.deepEqual(await f.storage.keys(), ['config/pg']);
});

test('invalidate of a static role written on another node updates the queue', async () => {
  const f = await setup();
  await f.call('update', 'static-roles/app-role', { db_name: 'pg', username: 'app', rotation_period: 60 });
  const role = await f.storage.getJSON<StaticRole>('static-role/app-role');
  assert.ok(role);
  await f.storage.putJSON('static-role/app-role', { ...role, next_vault_rotation: T0 + 999_000 });
  f.backend.invalidate?.('static-role/app-role');
  await new Promise((r) => setImmediate(r));
  assert.equal(f.backend.rotator.dueAt('app-role'), T0 + 999_000);
  await f.storage.delete('static-role/app-role');
  f.backend.invalidate?.('static-role/app-role');
  await new Promise((r) => setImmediate(r));
  assert.equal(f.backend.rotator.dueAt('app-role'), undefined);
});
