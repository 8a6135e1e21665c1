/**
 * The PostgreSQL plugin against the real server on 127.0.0.1:5432 (trust auth: logins prove
 * nothing about passwords, so passwords are checked against the stored SCRAM verifier).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ConnectionVerifyError, createPlugin, type DatabasePlugin, type Statements } from '../plugin.ts';
import { renderUsername } from '../username-template.ts';
import { PG_ADMIN_URL, PG_HOST, PG_PORT, pgAdmin, probePostgres, requireServer, scramMatches, skipReason, uniqueName } from './test-databases.ts';

const problem = await probePostgres();
const skip = skipReason(`PostgreSQL at ${PG_HOST}:${PG_PORT}`, problem);

const CREATE = [
  `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
  `GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";`,
];

function statements(over: Partial<Statements> = {}): Statements {
  return { creation: CREATE, revocation: [], rollback: [], renew: [], rotation: [], ...over };
}

const inOneHour = () => new Date(Math.floor(Date.now() / 1000) * 1000 + 3600_000);

describe('postgresql-database-plugin (real server)', { skip }, () => {
  requireServer(`PostgreSQL at ${PG_HOST}:${PG_PORT}`, problem);
  if (problem !== undefined) return;

  let admin: pg.Client;
  let plugin: DatabasePlugin;
  const created = new Set<string>();
  const user = (prefix = 'v-keep') => {
    const name = uniqueName(prefix);
    created.add(name);
    return name;
  };
  const role = async (name: string) =>
    (
      await admin.query<{ rolcanlogin: boolean; rolvaliduntil: Date | null; rolpassword: string | null }>(
        'SELECT r.rolcanlogin, r.rolvaliduntil, a.rolpassword FROM pg_roles r JOIN pg_authid a ON a.oid = r.oid WHERE r.rolname = $1',
        [name],
      )
    ).rows[0];

  before(async () => {
    admin = await pgAdmin();
    plugin = createPlugin('postgresql-database-plugin');
    await plugin.initialize({ connection_url: PG_ADMIN_URL, max_open_connections: 2 }, true);
  });

  after(async () => {
    await plugin.close();
    for (const name of created) {
      await admin.query(`DROP OWNED BY ${pg.escapeIdentifier(name)}`).catch(() => undefined);
      await admin.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(name)}`);
    }
    await admin.end();
  });

  it('creates a login role valid until the expiration; it can connect and select', async () => {
    const name = user();
    const password = 'aB3-kLm9QzXw2pR7tYuV';
    const expiration = inOneHour();
    await plugin.newUser({ statements: statements(), username: name, password, expiration });
    const r = await role(name);
    assert.ok(r, 'role exists');
    assert.equal(r.rolcanlogin, true);
    assert.equal(r.rolvaliduntil?.getTime(), expiration.getTime());
    assert.ok(r.rolpassword && scramMatches(r.rolpassword, password), 'stored verifier matches the password');
    assert.equal(scramMatches(r.rolpassword, 'wrong'), false);
    const c = new pg.Client({ host: PG_HOST, port: PG_PORT, user: name, password, database: 'postgres' });
    await c.connect();
    assert.equal((await c.query('SELECT current_user AS u')).rows[0].u, name);
    await c.end();
  });

  it('renews: VALID UNTIL moves to the new expiration (default renew statement)', async () => {
    const name = user();
    await plugin.newUser({ statements: statements(), username: name, password: 'pw-AAAAAAAAAAAAAAAAA1', expiration: inOneHour() });
    const later = new Date(inOneHour().getTime() + 86400_000);
    await plugin.renewUser({ statements: statements(), username: name, expiration: later });
    assert.equal((await role(name))?.rolvaliduntil?.getTime(), later.getTime());
  });

  it('renew of a missing role fails', async () => {
    await assert.rejects(plugin.renewUser({ statements: statements(), username: uniqueName('v-gone'), expiration: inOneHour() }), /does not exist/);
  });

  it('revokes: ends sessions, hands owned objects to root, drops the role; idempotent', async () => {
    const name = user();
    const schema = uniqueName('keep_s');
    const password = 'pw-BBBBBBBBBBBBBBBBB1';
    await admin.query(`CREATE SCHEMA ${schema}`);
    try {
      await plugin.newUser({
        statements: statements({ creation: [...CREATE, `GRANT USAGE, CREATE ON SCHEMA ${schema} TO "{{name}}";`] }),
        username: name,
        password,
        expiration: inOneHour(),
      });
      const session = new pg.Client({ host: PG_HOST, port: PG_PORT, user: name, password, database: 'postgres' });
      session.on('error', () => undefined);
      await session.connect();
      await session.query(`CREATE TABLE ${schema}.owned_by_user (x int)`);
      await plugin.revokeUser({ statements: statements(), username: name });
      assert.equal(await role(name), undefined, 'role dropped');
      await assert.rejects(session.query('SELECT 1'), 'the open session was terminated');
      const owner = await admin.query(`SELECT tableowner FROM pg_tables WHERE schemaname = $1 AND tablename = 'owned_by_user'`, [schema]);
      assert.equal(owner.rows[0]?.tableowner, 'postgres', 'the table now belongs to the root user');
      await plugin.revokeUser({ statements: statements(), username: name });
    } finally {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    }
  });

  it('revokes with custom revocation statements in a transaction', async () => {
    const name = user();
    await plugin.newUser({ statements: statements(), username: name, password: 'pw-CCCCCCCCCCCCCCCCC1', expiration: inOneHour() });
    await plugin.revokeUser({ statements: statements({ revocation: [`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{{name}}"; DROP ROLE "{{name}}";`] }), username: name });
    assert.equal(await role(name), undefined);
  });

  it('a failing creation statement rolls everything back and runs the rollback statements', async () => {
    const name = user();
    const marker = uniqueName('keep_rb');
    await assert.rejects(
      plugin.newUser({
        statements: statements({
          creation: [...CREATE, 'SELECT * FROM keep_no_such_table'],
          rollback: [`CREATE TABLE ${marker} (who text); INSERT INTO ${marker} VALUES ('{{name}}')`],
        }),
        username: name,
        password: 'pw-DDDDDDDDDDDDDDDDD1',
        expiration: inOneHour(),
      }),
      /keep_no_such_table/,
    );
    assert.equal(await role(name), undefined, 'no role left behind');
    const rows = await admin.query(`SELECT who FROM ${marker}`);
    assert.deepEqual(rows.rows, [{ who: name }]);
    await admin.query(`DROP TABLE ${marker}`);
  });

  it('refuses empty creation statements', async () => {
    await assert.rejects(plugin.newUser({ statements: statements({ creation: [] }), username: user(), password: 'x', expiration: inOneHour() }), /empty creation statements/);
  });

  it('hostile names and passwords stay data: the role gets exactly that name and password', async () => {
    const name = user(`v-evil"; DROP ROLE postgres; --'`);
    const password = `p'"; ALTER ROLE postgres NOLOGIN; --\\`;
    await plugin.newUser({ statements: statements(), username: name, password, expiration: inOneHour() });
    const r = await role(name);
    assert.ok(r, 'role with the hostile name exists');
    assert.ok(r.rolpassword && scramMatches(r.rolpassword, password));
    const pgRole = await admin.query(`SELECT rolcanlogin FROM pg_roles WHERE rolname = 'postgres'`);
    assert.equal(pgRole.rows[0].rolcanlogin, true);
    await plugin.revokeUser({ statements: statements(), username: name });
    assert.equal(await role(name), undefined);
  });

  it('usernames from the default template with a hostile display name are created and revoked', async () => {
    const name = renderUsername(
      `{{ printf "v-%s-%s-%s" (.DisplayName | truncate 20) (.RoleName | truncate 8) (random 8) | truncate 63 }}`,
      { displayName: `jwt-"x';--`, roleName: 'ci', unixTime: 0 },
      63,
    );
    created.add(name);
    await plugin.newUser({ statements: statements(), username: name, password: 'pw-EEEEEEEEEEEEEEEEE1', expiration: inOneHour() });
    assert.ok(await role(name));
    await plugin.revokeUser({ statements: statements(), username: name });
    assert.equal(await role(name), undefined);
  });

  it('updatePassword sets a new password (default rotation statement)', async () => {
    const name = user();
    await plugin.newUser({ statements: statements(), username: name, password: 'pw-FFFFFFFFFFFFFFFFF1', expiration: inOneHour() });
    await plugin.updatePassword({ statements: [], username: name, password: 'pw-GGGGGGGGGGGGGGGGG2' });
    const r = await role(name);
    assert.ok(r?.rolpassword && scramMatches(r.rolpassword, 'pw-GGGGGGGGGGGGGGGGG2'));
    assert.equal(scramMatches(r.rolpassword, 'pw-FFFFFFFFFFFFFFFFF1'), false);
  });

  it('rotateRoot changes the root password and keeps working on the new pool', async () => {
    const rootName = user('keep_root');
    await admin.query(`CREATE ROLE ${pg.escapeIdentifier(rootName)} WITH LOGIN CREATEROLE PASSWORD 'old-root-pw'`);
    const p = createPlugin('postgresql-database-plugin');
    try {
      await p.initialize({ connection_url: `postgresql://{{username}}:{{password}}@${PG_HOST}:${PG_PORT}/postgres?sslmode=disable`, username: rootName, password: 'old-root-pw' }, true);
      await p.rotateRoot({ statements: [], newPassword: 'new-root-pw-1234567' });
      const r = await role(rootName);
      assert.ok(r?.rolpassword && scramMatches(r.rolpassword, 'new-root-pw-1234567'));
      assert.equal(scramMatches(r.rolpassword, 'old-root-pw'), false);
      const name = user();
      await p.newUser({ statements: statements({ creation: [CREATE[0]] }), username: name, password: 'pw-HHHHHHHHHHHHHHHHH1', expiration: inOneHour() });
      assert.ok(await role(name), 'the rotated root still creates users');
      await p.revokeUser({ statements: statements({ revocation: ['DROP ROLE "{{name}}"'] }), username: name });
    } finally {
      await p.close();
    }
  });

  it('connects with a key=value DSN (disable_escaping) and keeps in-flight work across rotateRoot', async () => {
    const rootName = user('keep_root');
    await admin.query(`CREATE ROLE ${pg.escapeIdentifier(rootName)} WITH LOGIN CREATEROLE PASSWORD 'old root pw'`);
    const p = createPlugin('postgresql-database-plugin');
    try {
      await p.initialize(
        {
          connection_url: `host=${PG_HOST} port=${PG_PORT} user={{username}} password='{{password}}' dbname=postgres sslmode=disable`,
          username: rootName,
          password: 'old root pw',
          disable_escaping: true,
          max_open_connections: 2,
        },
        true,
      );
      const names = Array.from({ length: 8 }, () => user());
      const issued = names.map((n) =>
        p.newUser({ statements: statements({ creation: [CREATE[0]] }), username: n, password: 'pw-KKKKKKKKKKKKKKKKK1', expiration: inOneHour() }),
      );
      await Promise.all([...issued, p.rotateRoot({ statements: [], newPassword: 'new-root-pw-7654321' })]);
      for (const n of names) assert.ok(await role(n), n);
      const r = await role(rootName);
      assert.ok(r?.rolpassword && scramMatches(r.rolpassword, 'new-root-pw-7654321'));
      // Default revocation as a non-superuser CREATEROLE root.
      await Promise.all(names.map((n) => p.revokeUser({ statements: statements(), username: n })));
      const left = await admin.query('SELECT count(*)::int AS n FROM pg_roles WHERE rolname = ANY($1)', [names]);
      assert.equal(left.rows[0].n, 0);
    } finally {
      await p.close();
    }
  });

  it('keeps at most max_open_connections connections to the server', async () => {
    const app = uniqueName('keep_pool');
    const p = createPlugin('postgresql-database-plugin');
    await p.initialize({ connection_url: `${PG_ADMIN_URL}&application_name=${app}`, max_open_connections: 2, max_idle_connections: 1 }, false);
    try {
      let peak = 0;
      const watch = setInterval(() => {
        void admin
          .query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [app])
          .then((r) => (peak = Math.max(peak, r.rows[0].n)))
          .catch(() => undefined);
      }, 5);
      const names = Array.from({ length: 8 }, () => user());
      await Promise.all(names.map((n) => p.newUser({ statements: statements(), username: n, password: 'pw-IIIIIIIIIIIIIIIII1', expiration: inOneHour() })));
      clearInterval(watch);
      // A closed connection leaves pg_stat_activity a moment later: wait for it (bounded).
      let idle = Infinity;
      for (let i = 0; i < 200 && idle > 1; i++) {
        idle = (await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [app])).rows[0].n;
        if (idle > 1) await new Promise((r) => setTimeout(r, 25));
      }
      assert.ok(idle <= 1, `idle connections above max_idle are closed (${idle})`);
      assert.ok(peak <= 2, `peak ${peak} connections`);
      await Promise.all(names.map((n) => p.revokeUser({ statements: statements(), username: n })));
    } finally {
      await p.close();
    }
  });

  it('many concurrent creations and revocations succeed (catalog update races are retried)', async () => {
    const p = createPlugin('postgresql-database-plugin');
    await p.initialize({ connection_url: PG_ADMIN_URL, max_open_connections: 6 }, true);
    try {
      const names = Array.from({ length: 24 }, () => user());
      await Promise.all(names.map((n) => p.newUser({ statements: statements(), username: n, password: 'pw-JJJJJJJJJJJJJJJJJ1', expiration: inOneHour() })));
      await Promise.all(names.map((n) => p.revokeUser({ statements: statements(), username: n })));
      const left = await admin.query('SELECT count(*)::int AS n FROM pg_roles WHERE rolname = ANY($1)', [names]);
      assert.equal(left.rows[0].n, 0);
    } finally {
      await p.close();
    }
  });

  it('verify=true fails with the driver message when the server cannot be reached; verify=false does not connect', async () => {
    const p = createPlugin('postgresql-database-plugin');
    await assert.rejects(p.initialize({ connection_url: 'postgresql://postgres@127.0.0.1:1/postgres?sslmode=disable' }, true), (e: unknown) => {
      assert.ok(e instanceof ConnectionVerifyError);
      assert.match(e.message, /ECONNREFUSED/);
      return true;
    });
    await p.initialize({ connection_url: 'postgresql://postgres@127.0.0.1:1/postgres?sslmode=disable' }, false);
    await assert.rejects(p.revokeUser({ statements: statements(), username: 'x' }), /ECONNREFUSED/);
    await p.close();
  });
});
