import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJson, stringifyJson } from '../../framework/json.ts';
import { PASSWORD_IN_URL_WARNING } from './config-store.ts';
import { assertError, fixture, flush, writeConfig } from './test-fakes.ts';

test('config write then read: 2.4 shape, password never returned, arrays never null, JSON types kept', async () => {
  const f = await fixture();
  const body = parseJson(
    '{"plugin_name":"postgresql-database-plugin","connection_url":"postgresql://{{username}}:{{password}}@db:5432/app",' +
      '"username":"root","password":"root-secret","max_open_connections":4,"max_connection_lifetime":"60s","max_idle_connections":1.0}',
  ) as Record<string, unknown>;
  assert.equal(await f.call('update', 'config/pg', body), undefined);
  const r = await f.call('read', 'config/pg');
  // As the HTTP layer renders it: number literals keep their text (1.0 stays 1.0).
  assert.equal(
    stringifyJson(r?.data),
    '{"plugin_name":"postgresql-database-plugin","plugin_version":"","connection_details":{' +
      '"connection_url":"postgresql://{{username}}:{{password}}@db:5432/app","username":"root",' +
      '"max_open_connections":4,"max_connection_lifetime":"60s","max_idle_connections":1.0},' +
      '"allowed_roles":[],"root_credentials_rotate_statements":[],"password_policy":"","verify_connection":true,' +
      '"skip_static_role_import_rotation":false}',
  );
});

test('config: a literal password in the URL is masked on read and warned about on write', async () => {
  const f = await fixture();
  const w = await f.call('update', 'config/pg', {
    plugin_name: 'postgresql-database-plugin',
    connection_url: 'postgresql://root:root-secret@db:5432/app',
    verify_connection: false,
  });
  assert.deepEqual(w, { data: null, warnings: [PASSWORD_IN_URL_WARNING] });
  const r = await f.call('read', 'config/pg');
  const details = r?.data?.connection_details as Record<string, unknown>;
  assert.equal(details.connection_url, 'postgresql://root:xxxxx@db:5432/app');
  // A Go DSN (MySQL) is not a URL: nothing masked, no warning.
  const w2 = await f.call('update', 'config/my', {
    plugin_name: 'mysql-database-plugin',
    connection_url: '{{username}}:{{password}}@tcp(db:3306)/',
    verify_connection: false,
  });
  assert.equal(w2, undefined);
});

test('config update merges connection details and keeps omitted engine fields', async () => {
  const f = await fixture();
  await writeConfig(f, 'pg', { allowed_roles: 'ci-*,deploy', root_rotation_statements: ['ALTER ROLE x'], password_policy: 'strong' });
  await f.call('update', 'config/pg', { max_open_connections: 9 });
  const r = await f.call('read', 'config/pg');
  assert.deepEqual(r?.data?.allowed_roles, ['ci-*', 'deploy']);
  assert.deepEqual(r?.data?.root_credentials_rotate_statements, ['ALTER ROLE x']);
  assert.equal(r?.data?.password_policy, 'strong');
  assert.equal(r?.data?.plugin_name, 'postgresql-database-plugin');
  const d = r?.data?.connection_details as Record<string, unknown>;
  assert.equal(d.max_open_connections, 9);
  assert.equal(d.username, 'root');
  assert.match(String(d.connection_url), /^postgresql:/);
  // The stored password is still there (the write verified with it).
  const last = f.db.callsOf('initialize').at(-1);
  assert.deepEqual(last?.args, { verify: true });
});

test('config write replaces the live plugin and closes the old one; delete closes it too', async () => {
  const f = await fixture();
  await writeConfig(f);
  assert.ok(f.backend.connections.has('pg'));
  await f.call('update', 'config/pg', { max_open_connections: 2 });
  await flush();
  assert.equal(f.db.callsOf('close').length, 1);
  assert.equal(f.db.callsOf('close')[0].plugin, 1);
  assert.equal(await f.call('delete', 'config/pg'), undefined);
  await flush();
  assert.equal(f.db.callsOf('close').length, 2);
  assert.ok(!f.backend.connections.has('pg'));
  assert.equal(await f.call('read', 'config/pg'), undefined);
  // Deleting again is fine.
  assert.equal(await f.call('delete', 'config/pg'), undefined);
});

test('config LIST: sorted names; 404 when none', async () => {
  const f = await fixture();
  assert.equal(await f.call('list', 'config/'), undefined);
  await writeConfig(f, 'b');
  await writeConfig(f, 'a');
  assert.deepEqual((await f.call('list', 'config/'))?.data, { keys: ['a', 'b'] });
  assert.deepEqual((await f.call('list', 'config'))?.data, { keys: ['a', 'b'] });
});

test('verify_connection failure: 400 naming the step, nothing stored, no secret in the message', async () => {
  const f = await fixture();
  f.db.down = true;
  const e = await f.fail('update', 'config/pg', {
    plugin_name: 'postgresql-database-plugin',
    connection_url: 'postgresql://{{username}}:{{password}}@127.0.0.1:1/app',
    username: 'root',
    password: 'root-secret',
  });
  assertError(e, 400, 'error creating database object: error verifying connection: dial tcp 127.0.0.1:5432: connect: connection refused');
  assert.equal(await f.call('read', 'config/pg'), undefined);
  assert.deepEqual(await f.storage.keys(), []);
  await flush();
  assert.equal(f.db.callsOf('close').length, 1, 'the failed plugin is closed');

  // Wrong password: the driver message is kept, the password never shows.
  f.db.down = false;
  f.db.rootPassword = 'other';
  const e2 = await f.fail('update', 'config/pg', {
    plugin_name: 'postgresql-database-plugin',
    connection_url: 'postgresql://{{username}}:{{password}}@db/app',
    username: 'root-secret',
    password: 'root-secret',
  });
  assert.equal(e2.status, 400);
  assert.ok(!e2.message.includes('root-secret'), e2.message);
  assert.match(e2.message, /^error creating database object: error verifying connection: password authentication failed/);
});

test('verify_connection=false stores a config the database would refuse; failed update keeps the old config', async () => {
  const f = await fixture();
  f.db.down = true;
  await writeConfig(f, 'pg', { verify_connection: false });
  assert.equal((await f.call('read', 'config/pg'))?.data?.verify_connection, false);
  await writeConfig(f, 'pg', { verify_connection: false, max_open_connections: 3 });
  // Turning verification on while the database is down fails and changes nothing.
  const e = await f.fail('update', 'config/pg', { verify_connection: true, max_open_connections: 7 });
  assert.equal(e.status, 400);
  const d = (await f.call('read', 'config/pg'))?.data;
  assert.equal(d?.verify_connection, false);
  assert.equal((d?.connection_details as Record<string, unknown>).max_open_connections, 3);
});

test('config write rejections', async () => {
  const f = await fixture();
  assertError(await f.fail('update', 'config/pg', { connection_url: 'x' }), 400, 'empty plugin name');
  assertError(
    await f.fail('update', 'config/pg', { plugin_name: 'oracle-database-plugin', connection_url: 'x' }),
    400,
    'error creating database object: invalid plugin name "oracle-database-plugin"',
  );
  assertError(
    await f.fail('update', 'config/pg', { plugin_name: 'postgresql-database-plugin', verify_connection: false }),
    400,
    'error creating database object: connection_url cannot be empty',
  );
  assertError(
    await f.fail('update', 'config/pg', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: 'postgresql://{{username}}:{{password}}@db/app',
      username: 'root',
      password: 'a{{password}}',
    }),
    400,
    'error creating database object: username and/or password cannot contain the template variables',
  );
  const bad = await f.fail('update', 'config/pg', {
    plugin_name: 'postgresql-database-plugin',
    connection_url: 'postgresql://{{username}}:{{password}}@db/app',
    username_template: '{{ .RoleName | nosuchfunc }}',
    verify_connection: false,
  });
  assert.equal(bad.status, 400);
  assert.match(bad.message, /^error creating database object: unable to initialize username template: /);
  assert.deepEqual(await f.storage.keys(), []);
  // Names: the path does not match bad names at all.
  await assert.rejects(f.call('update', 'config/-bad', { plugin_name: 'postgresql-database-plugin' }), { status: 404 });
});

test('reset closes the pool and opens a new one; unknown connection is a 500', async () => {
  const f = await fixture();
  await writeConfig(f);
  assert.equal(await f.call('update', 'reset/pg'), undefined);
  await flush();
  assert.equal(f.db.callsOf('close').length, 1);
  assert.equal(f.db.callsOf('initialize').length, 2);
  assert.ok(f.backend.connections.has('pg'));
  assertError(await f.fail('update', 'reset/nope'), 500, 'failed to find entry for connection with name: "nope"');
  f.db.down = true;
  const e = await f.fail('update', 'reset/pg');
  assert.equal(e.status, 500);
  assert.match(e.message, /connection refused/);
});

test('cleanup closes every pool', async () => {
  const f = await fixture();
  await writeConfig(f, 'a');
  await writeConfig(f, 'b');
  await f.backend.cleanup?.();
  assert.equal(f.db.callsOf('close').length, 2);
  assert.ok(!f.backend.connections.has('a'));
});

test('invalidate of a config key drops the live plugin (written on another node)', async () => {
  const f = await fixture();
  await writeConfig(f);
  f.backend.invalidate?.('config/pg');
  await flush();
  assert.ok(!f.backend.connections.has('pg'));
  assert.equal(f.db.callsOf('close').length, 1);
});
