/**
 * The MySQL plugin against the real MariaDB on 127.0.0.1:3306 (root, empty password). MariaDB
 * checks passwords, so logins prove what works and what does not.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type mysql from 'mysql2/promise';
import { ConnectionVerifyError, createPlugin, type DatabasePlugin, type Statements } from '../plugin.ts';
import { MYSQL_LEGACY_USERNAME_TEMPLATE, renderUsername } from '../username-template.ts';
import { MY_ADMIN_URL, MY_HOST, MY_PORT, myAdmin, mysqlLoginError, probeMysql, requireServer, skipReason, uniqueName } from './test-databases.ts';

const problem = await probeMysql();
const skip = skipReason(`MariaDB/MySQL at ${MY_HOST}:${MY_PORT}`, problem);

function statements(db: string, over: Partial<Statements> = {}): Statements {
  return {
    creation: [`CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'; GRANT SELECT ON ${db}.* TO '{{name}}'@'%';`],
    revocation: [],
    rollback: [],
    renew: [],
    rotation: [],
    ...over,
  };
}

const inOneHour = () => new Date(Date.now() + 3600_000);

describe('mysql-database-plugin (real MariaDB)', { skip }, () => {
  requireServer(`MariaDB/MySQL at ${MY_HOST}:${MY_PORT}`, problem);
  if (problem !== undefined) return;

  let admin: mysql.Connection;
  let plugin: DatabasePlugin;
  const db = uniqueName('keep_db');
  const created = new Set<string>();
  const user = (prefix = 'v-keep') => {
    const name = uniqueName(prefix);
    created.add(name);
    return name;
  };
  const hosts = async (name: string) => {
    const [rows] = await admin.query('SELECT Host AS host FROM mysql.user WHERE User = ?', [name]);
    return (rows as Array<{ host: string }>).map((r) => r.host);
  };

  before(async () => {
    admin = await myAdmin();
    await admin.query(`CREATE DATABASE ${db}`);
    await admin.query(`CREATE TABLE ${db}.items (id int)`);
    await admin.query(`INSERT INTO ${db}.items VALUES (1), (2)`);
    plugin = createPlugin('mysql-database-plugin');
    await plugin.initialize({ connection_url: MY_ADMIN_URL, username: 'root', password: '', max_open_connections: 2 }, true);
  });

  after(async () => {
    await plugin.close();
    for (const name of created) {
      for (const host of await hosts(name)) await admin.query('DROP USER IF EXISTS ?@?', [name, host]);
    }
    await admin.query(`DROP DATABASE IF EXISTS ${db}`);
    await admin.end();
  });

  it('creates a user that logs in with its password, can do what it was granted and nothing more', async () => {
    const name = user();
    const password = 'aB3-kLm9QzXw2pR7tYuV';
    await plugin.newUser({ statements: statements(db), username: name, password, expiration: inOneHour() });
    assert.deepEqual(await hosts(name), ['%']);
    assert.equal(await mysqlLoginError(name, password, db), undefined);
    assert.match((await mysqlLoginError(name, 'wrong-password', db)) ?? '', /Access denied/);
    const { default: mysql2 } = await import('mysql2/promise');
    const c = await mysql2.createConnection({ host: MY_HOST, port: MY_PORT, user: name, password, database: db });
    const [rows] = await c.query('SELECT count(*) AS n FROM items');
    assert.equal((rows as Array<{ n: number }>)[0].n, 2);
    await assert.rejects(c.query('INSERT INTO items VALUES (3)'), /denied/);
    await c.end();
  });

  it('revokes: the user is gone, cannot log in, its open session ends; idempotent', async () => {
    const name = user();
    const password = 'pw-BBBBBBBBBBBBBBBBB1';
    await plugin.newUser({ statements: statements(db), username: name, password, expiration: inOneHour() });
    const { default: mysql2 } = await import('mysql2/promise');
    const session = await mysql2.createConnection({ host: MY_HOST, port: MY_PORT, user: name, password, database: db });
    session.on('error', () => undefined);
    await plugin.revokeUser({ statements: statements(db), username: name });
    assert.deepEqual(await hosts(name), []);
    assert.match((await mysqlLoginError(name, password)) ?? '', /Access denied/);
    await assert.rejects(session.query('SELECT 1'), 'the open session was killed');
    session.destroy();
    await plugin.revokeUser({ statements: statements(db), username: name });
  });

  it('renew without renew statements is a no-op; custom revocation statements run', async () => {
    const name = user();
    await plugin.newUser({ statements: statements(db), username: name, password: 'pw-CCCCCCCCCCCCCCCCC1', expiration: inOneHour() });
    await plugin.renewUser({ statements: statements(db), username: name, expiration: inOneHour() });
    await plugin.revokeUser({ statements: statements(db, { revocation: [`DROP USER '{{name}}'@'%'`] }), username: name });
    assert.deepEqual(await hosts(name), []);
  });

  it('a failing creation leaves no user behind (best-effort drop)', async () => {
    const name = user();
    await assert.rejects(
      plugin.newUser({
        statements: statements(db, { creation: [`CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'`, `GRANT SELECT ON ${db}.no_such_table TO '{{name}}'@'%'`] }),
        username: name,
        password: 'pw-DDDDDDDDDDDDDDDDD1',
        expiration: inOneHour(),
      }),
      /no_such_table/,
    );
    assert.deepEqual(await hosts(name), []);
  });

  it('a failing creation runs the rollback statements', async () => {
    const name = user();
    await assert.rejects(
      plugin.newUser({
        statements: statements(db, {
          creation: [`CREATE USER '{{name}}'@'localhost' IDENTIFIED BY '{{password}}'`, 'SELECT * FROM keep_no_such_db.t'],
          rollback: [`DROP USER '{{name}}'@'localhost'`],
        }),
        username: name,
        password: 'pw-EEEEEEEEEEEEEEEEE1',
        expiration: inOneHour(),
      }),
      /keep_no_such_db/,
    );
    assert.deepEqual(await hosts(name), []);
  });

  it('never drops an account that existed before a failed creation', async () => {
    const name = user();
    await admin.query(`CREATE USER ?@'%' IDENTIFIED BY 'pre-existing-pw'`, [name]);
    await assert.rejects(plugin.newUser({ statements: statements(db), username: name, password: 'pw-FFFFFFFFFFFFFFFFF1', expiration: inOneHour() }));
    assert.deepEqual(await hosts(name), ['%']);
    assert.equal(await mysqlLoginError(name, 'pre-existing-pw'), undefined);
  });

  it('hostile names and passwords stay data', async () => {
    const name = user(`v'@'%'; DROP USER root; --`);
    const password = `p'"\\; GRANT ALL ON *.* TO x; --`;
    await plugin.newUser({ statements: statements(db), username: name, password, expiration: inOneHour() });
    assert.deepEqual(await hosts(name), ['%']);
    assert.equal(await mysqlLoginError(name, password, db), undefined);
    await plugin.revokeUser({ statements: statements(db), username: name });
    assert.deepEqual(await hosts(name), []);
  });

  it('updatePassword: the new password works, the old one fails', async () => {
    const name = user();
    await plugin.newUser({ statements: statements(db), username: name, password: 'pw-GGGGGGGGGGGGGGGGG1', expiration: inOneHour() });
    await plugin.updatePassword({ statements: [], username: name, password: 'pw-HHHHHHHHHHHHHHHHH2' });
    assert.equal(await mysqlLoginError(name, 'pw-HHHHHHHHHHHHHHHHH2'), undefined);
    assert.match((await mysqlLoginError(name, 'pw-GGGGGGGGGGGGGGGGG1')) ?? '', /Access denied/);
  });

  it('rotateRoot: the old root password fails, the new one works, the plugin keeps working', async () => {
    const rootName = user('keep_root');
    await admin.query(`CREATE USER ?@'%' IDENTIFIED BY 'old-root-pw'`, [rootName]);
    await admin.query(`GRANT ALL PRIVILEGES ON *.* TO ?@'%' WITH GRANT OPTION`, [rootName]);
    const p = createPlugin('mysql-database-plugin');
    try {
      await p.initialize({ connection_url: MY_ADMIN_URL, username: rootName, password: 'old-root-pw' }, true);
      const before = user();
      await p.newUser({ statements: statements(db), username: before, password: 'pw-IIIIIIIIIIIIIIIII1', expiration: inOneHour() });
      await p.rotateRoot({ statements: [], newPassword: 'new-root-pw-1234567' });
      assert.match((await mysqlLoginError(rootName, 'old-root-pw')) ?? '', /Access denied/);
      assert.equal(await mysqlLoginError(rootName, 'new-root-pw-1234567'), undefined);
      const afterName = user();
      await p.newUser({ statements: statements(db), username: afterName, password: 'pw-JJJJJJJJJJJJJJJJJ1', expiration: inOneHour() });
      await p.revokeUser({ statements: statements(db), username: before });
      await p.revokeUser({ statements: statements(db), username: afterName });
      assert.deepEqual(await hosts(afterName), []);
    } finally {
      await p.close();
    }
  });

  it('rotateRoot while other operations run: none of them is cut off', async () => {
    const rootName = user('keep_root');
    await admin.query(`CREATE USER ?@'%' IDENTIFIED BY 'old-root-pw'`, [rootName]);
    await admin.query(`GRANT ALL PRIVILEGES ON *.* TO ?@'%' WITH GRANT OPTION`, [rootName]);
    const p = createPlugin('mysql-database-plugin');
    try {
      await p.initialize({ connection_url: MY_ADMIN_URL, username: rootName, password: 'old-root-pw', max_open_connections: 2 }, true);
      const names = Array.from({ length: 10 }, () => user());
      const issued = names.map((n) => p.newUser({ statements: statements(db), username: n, password: 'pw-MMMMMMMMMMMMMMMMM1', expiration: inOneHour() }));
      await Promise.all([...issued, p.rotateRoot({ statements: [], newPassword: 'new-root-pw-7654321' })]);
      for (const n of names) assert.deepEqual(await hosts(n), ['%']);
      await Promise.all(names.map((n) => p.revokeUser({ statements: statements(db), username: n })));
      assert.equal(await mysqlLoginError(rootName, 'new-root-pw-7654321'), undefined);
    } finally {
      await p.close();
    }
  });

  it('creation and renew statements get {{expiration}}', async () => {
    const name = user();
    await plugin.newUser({
      statements: statements(db, { creation: [`CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'`, `SELECT '{{expiration}}'`], renew: [`SELECT '{{expiration}}'`] }),
      username: name,
      password: 'pw-NNNNNNNNNNNNNNNNN1',
      expiration: inOneHour(),
    });
    await plugin.renewUser({ statements: statements(db, { renew: [`SELECT CAST('{{expiration}}' AS CHAR)`] }), username: name, expiration: inOneHour() });
    await plugin.revokeUser({ statements: statements(db), username: name });
  });

  it('legacy variants create 16-character users', async () => {
    const p = createPlugin('mysql-legacy-database-plugin');
    assert.equal(p.maxUsernameLength, 16);
    assert.equal(p.defaultUsernameTemplate, MYSQL_LEGACY_USERNAME_TEMPLATE);
    await p.initialize({ connection_url: MY_ADMIN_URL, username: 'root', password: '' }, true);
    try {
      const name = renderUsername(p.defaultUsernameTemplate, { displayName: 'token', roleName: 'readonly', unixTime: 0 }, p.maxUsernameLength);
      created.add(name);
      assert.equal(name.length, 16);
      await p.newUser({ statements: statements(db), username: name, password: 'pw-KKKKKKKKKKKKKKKKK1', expiration: inOneHour() });
      assert.equal(await mysqlLoginError(name, 'pw-KKKKKKKKKKKKKKKKK1'), undefined);
      await p.revokeUser({ statements: statements(db), username: name });
    } finally {
      await p.close();
    }
  });

  it('many concurrent creations and revocations succeed within max_open_connections', async () => {
    const p = createPlugin('mysql-database-plugin');
    await p.initialize({ connection_url: MY_ADMIN_URL, username: 'root', password: '', max_open_connections: 3 }, true);
    try {
      const names = Array.from({ length: 20 }, () => user());
      await Promise.all(names.map((n) => p.newUser({ statements: statements(db), username: n, password: 'pw-LLLLLLLLLLLLLLLLL1', expiration: inOneHour() })));
      await Promise.all(names.map((n) => p.revokeUser({ statements: statements(db), username: n })));
      for (const n of names) assert.deepEqual(await hosts(n), []);
    } finally {
      await p.close();
    }
  });

  it('verify=true reports a wrong root password with the driver message', async () => {
    const p = createPlugin('mysql-database-plugin');
    await assert.rejects(p.initialize({ connection_url: MY_ADMIN_URL, username: 'root', password: 'definitely-wrong' }, true), (e: unknown) => {
      assert.ok(e instanceof ConnectionVerifyError);
      assert.match(e.message, /Access denied for user 'root'/);
      assert.doesNotMatch(e.message, /definitely-wrong/);
      return true;
    });
    await p.close();
  });

  it('rejects unknown plugin names', () => {
    assert.throws(() => createPlugin('oracle-database-plugin'), /error creating database object: invalid plugin name "oracle-database-plugin"/);
  });
});
