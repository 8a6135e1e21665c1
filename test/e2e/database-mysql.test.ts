/**
 * The database secrets engine against the real MariaDB (127.0.0.1:3306, root with the empty
 * password) through a real `keep server`, driven by the `keep` CLI and checked in the database
 * (spec/dynamic.md 2). MariaDB checks passwords, so this file shows what a password can and can
 * no longer do: issued users work with exactly their grants; revoke and TTL expiry lock them out;
 * rotate-root makes the old root password fail while Keep keeps working; a static role's
 * password changes on rotate-role and on schedule, static-creds returns the new one that works
 * and the old one fails; password policies (sys/policies/password) shape generated passwords.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  DbCleanup,
  MY_PORT,
  assertReachable,
  myAccount,
  myConnectionUrl,
  myLoginError,
  myUserExists,
  probeMariadb,
  skipUnless,
  uniqueName,
  waitFor,
  withMy,
} from '../helpers/databases.ts';
import { Api, dataOf, errorsOf, show } from '../helpers/http.ts';
import type { CliResult, KeepServer } from '../helpers/server.ts';
import { describeCli, expectExit, runCli, startKeep, tempDir, useKeepHooks } from '../helpers/server.ts';

useKeepHooks();

const myProblem = await probeMariadb();
const T = { timeout: 60_000, skip: skipUnless(`MariaDB on 127.0.0.1:${MY_PORT}`, myProblem) };

let server: KeepServer;
let api: Api;
const cleanup = new DbCleanup();
const dbName = uniqueName('ke2e');

before(async () => {
  if (T.skip) return;
  assertReachable(`MariaDB on 127.0.0.1:${MY_PORT}`, myProblem);
  cleanup.myDatabases.add(dbName);
  await withMy(async (c) => {
    await c.query(`CREATE DATABASE \`${dbName}\``);
    await c.query(`CREATE TABLE \`${dbName}\`.allowed (id int)`);
    await c.query(`INSERT INTO \`${dbName}\`.allowed VALUES (1), (2)`);
    await c.query(`CREATE TABLE \`${dbName}\`.hidden (id int)`);
  });
  server = await startKeep({ dev: true });
  api = new Api(server.addr, 'root');
  mustOk(await api.post('sys/mounts/db', { type: 'database' }), 'mount database at db/');
  mustOk(
    await api.post('db/config/my', {
      plugin_name: 'mysql-database-plugin',
      connection_url: myConnectionUrl(),
      username: 'root',
      password: '',
      allowed_roles: '*',
    }),
    'write db/config/my',
  );
});

after(async () => {
  if (T.skip) return;
  if (api) await api.put('sys/leases/revoke-force/db/').catch(() => undefined);
  const problems = await cleanup.run();
  assert.deepEqual(problems, [], 'clean-up of database objects');
});

function mustOk(res: { status: number; text: string }, what: string): void {
  if (res.status !== 200 && res.status !== 204) throw new Error(`${what}: ${res.status} ${res.text.slice(0, 500)}`);
}

function keep(...args: string[]): Promise<CliResult> {
  return runCli(args, { addr: server.addr, token: 'root' });
}

function jsonOut(r: CliResult): Record<string, unknown> {
  expectExit(r, 0);
  try {
    return JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`stdout is not JSON: ${describeCli(r)}`);
  }
}

interface Creds {
  leaseId: string;
  leaseDuration: number;
  username: string;
  password: string;
}

async function readCreds(role: string): Promise<Creds> {
  const out = jsonOut(await keep('read', '-format=json', `db/creds/${role}`));
  const data = out.data as Record<string, unknown>;
  const c = { leaseId: String(out.lease_id), leaseDuration: Number(out.lease_duration), username: String(data.username), password: String(data.password) };
  cleanup.myUsers.add(c.username);
  return c;
}

async function writeRole(name: string, body: Record<string, unknown>): Promise<void> {
  mustOk(await api.post(`db/roles/${name}`, { db_name: 'my', ...body }), `write db/roles/${name}`);
}

const CREATE_USER = `CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}';`;

/** The MySQL error number of `sql` run as the user (undefined when it succeeded). */
async function errno(user: string, password: string, sql: string): Promise<number | undefined> {
  return withMy(
    async (c) => {
      try {
        await c.query(sql);
        return undefined;
      } catch (e) {
        return Number((e as { errno?: unknown }).errno ?? -1);
      }
    },
    { user, password },
  );
}

/** Creates `'<name>'@'%'` with `password` directly in MariaDB (removed at the end); `grants` are GRANT statements with `%u` for the account. */
async function createUser(prefix: string, password: string, grants: string[] = []): Promise<string> {
  const name = uniqueName(prefix);
  cleanup.myUsers.add(name);
  await withMy(async (c) => {
    await c.query(`CREATE USER ${myAccount(name)} IDENTIFIED BY ${c.escape(password)}`);
    for (const g of grants) await c.query(g.replace('%u', myAccount(name)));
  });
  return name;
}

async function staticCreds(role: string): Promise<Record<string, unknown>> {
  return (jsonOut(await keep('read', '-format=json', `db/static-creds/${role}`)).data ?? {}) as Record<string, unknown>;
}

test('issued credentials connect with their password and can do exactly what the creation statements grant', T, async () => {
  await writeRole('ci-ro', { creation_statements: [`${CREATE_USER} GRANT SELECT ON \`${dbName}\`.allowed TO '{{name}}'@'%';`], default_ttl: '10m' });
  const c = await readCreds('ci-ro');
  assert.match(c.leaseId, /^db\/creds\/ci-ro\/[A-Za-z0-9]{24}$/);
  assert.equal(c.leaseDuration, 600);
  // The mysql-database-plugin template: v-<display 10>-<role 10>-<random 20>-<unix>, cut to 32.
  assert.match(c.username, /^v-root-ci-ro-[A-Za-z0-9]{19}$/);
  assert.equal(c.username.length, 32);

  assert.equal(await myLoginError(c.username, c.password), undefined, 'the issued password logs in');
  assert.match((await myLoginError(c.username, `${c.password}x`)) ?? '', /Access denied/, 'another password does not');
  const [rows] = await withMy((cl) => cl.query(`SELECT id FROM \`${dbName}\`.allowed ORDER BY id`), { user: c.username, password: c.password });
  assert.deepEqual(rows, [{ id: 1 }, { id: 2 }], 'SELECT on the granted table works');
  // 1142 = ER_TABLEACCESS_DENIED_ERROR
  assert.equal(await errno(c.username, c.password, `INSERT INTO \`${dbName}\`.allowed VALUES (3)`), 1142, 'INSERT is refused');
  assert.equal(await errno(c.username, c.password, `SELECT * FROM \`${dbName}\`.hidden`), 1142, 'another table is refused');
  assert.equal(await errno(c.username, c.password, `DROP TABLE \`${dbName}\`.allowed`), 1142, 'DROP is refused');
  // 1227 = ER_SPECIFIC_ACCESS_DENIED_ERROR
  assert.equal(await errno(c.username, c.password, "CREATE USER 'nope'@'%'"), 1227, 'CREATE USER is refused');

  expectExit(await keep('lease', 'revoke', '-sync', c.leaseId), 0);
  assert.equal(await myUserExists(c.username), false);
});

test('after lease revoke, and once the TTL passes, the user is gone and cannot connect', T, async () => {
  await writeRole('ci-rev', { creation_statements: [CREATE_USER], default_ttl: '1h' });
  await writeRole('ci-ttl', { creation_statements: [CREATE_USER], default_ttl: '2s', max_ttl: '2s' });
  const revoked = await readCreds('ci-rev');
  const expiring = await readCreds('ci-ttl');
  assert.equal(expiring.leaseDuration, 2);
  assert.equal(await myLoginError(revoked.username, revoked.password), undefined);
  assert.equal(await myLoginError(expiring.username, expiring.password), undefined);

  expectExit(await keep('lease', 'revoke', revoked.leaseId), 0);
  await waitFor(`user ${revoked.username} dropped after lease revoke`, async () => !(await myUserExists(revoked.username)));
  assert.match((await myLoginError(revoked.username, revoked.password)) ?? '', /Access denied/);

  await waitFor(`user ${expiring.username} dropped after its 2 s TTL`, async () => !(await myUserExists(expiring.username)), 30_000);
  assert.match((await myLoginError(expiring.username, expiring.password)) ?? '', /Access denied/);
});

test('rotate-root makes the old root password fail while Keep keeps working', T, async () => {
  const initial = `Initial-${uniqueName('pw')}`;
  const admin = await createUser('ke2e_adm', initial, ['GRANT ALL PRIVILEGES ON *.* TO %u WITH GRANT OPTION']);
  mustOk(
    await api.post('db/config/myrot', {
      plugin_name: 'mysql-database-plugin',
      connection_url: myConnectionUrl(),
      username: admin,
      password: initial,
      allowed_roles: 'rot-*',
    }),
    'write db/config/myrot',
  );
  await writeRole('rot-ro', { db_name: 'myrot', creation_statements: [CREATE_USER], default_ttl: '1h' });
  const beforeRotation = await readCreds('rot-ro');

  const rotated = expectExit(await keep('write', '-force', 'db/rotate-root/myrot'), 0);
  assert.match(rotated.stdout, /Success! Data written to: db\/rotate-root\/myrot/);
  assert.match((await myLoginError(admin, initial)) ?? '', /Access denied/, 'the old root password no longer works');

  // Nobody can read the new password back.
  const cfg = dataOf(await api.get('db/config/myrot'));
  const details = cfg.connection_details as Record<string, unknown>;
  assert.equal(details.username, admin);
  assert.equal('password' in details, false);
  assert.ok(!JSON.stringify(cfg).includes(initial));

  // Keep still issues and revokes with the password only it knows; a second rotation works too.
  const after1 = await readCreds('rot-ro');
  assert.equal(await myLoginError(after1.username, after1.password), undefined);
  expectExit(await keep('lease', 'revoke', '-sync', beforeRotation.leaseId), 0);
  assert.equal(await myUserExists(beforeRotation.username), false, 'a user issued before the rotation is still revocable');
  expectExit(await keep('write', '-force', 'db/rotate-root/myrot'), 0);
  const after2 = await readCreds('rot-ro');
  assert.equal(await myLoginError(after2.username, after2.password), undefined);
  expectExit(await keep('lease', 'revoke', '-sync', '-prefix', 'db/creds/rot-ro/'), 0);
  assert.equal(await myUserExists(after1.username), false);
  assert.equal(await myUserExists(after2.username), false);

  // Without a password in the config there is nothing to rotate.
  mustOk(await api.post('db/config/nopw', { plugin_name: 'mysql-database-plugin', connection_url: myConnectionUrl(), username: 'root' }), 'nopw');
  const none = await api.put('db/rotate-root/nopw', {});
  assert.equal(none.status, 500, show(none));
  assert.deepEqual(errorsOf(none), ['unable to rotate root credentials: no password in configuration']);
  mustOk(await api.delete('db/config/nopw'), 'delete nopw');
  mustOk(await api.delete('db/config/myrot'), 'delete myrot');
});

test('a static role: rotate-role and the schedule change the password; static-creds returns the new one that works', T, async () => {
  const initial = `Initial-${uniqueName('pw')}`;
  const user = await createUser('ke2e_st', initial);

  // The spec's minimum rotation_period is 5 s.
  const tooShort = await api.post('db/static-roles/app', { db_name: 'my', username: user, rotation_period: '4s' });
  assert.equal(tooShort.status, 400, show(tooShort));
  assert.deepEqual(errorsOf(tooShort), ['rotation_period must be 5 seconds or more']);

  // Creating the role rotates at once: Keep knows the password, the initial one stops working.
  // (A long period first, so that no scheduled rotation races the checks of rotate-role.)
  mustOk(await api.post('db/static-roles/app', { db_name: 'my', username: user, rotation_period: '1h' }), 'write static role');
  const role = dataOf(await api.get('db/static-roles/app'));
  assert.equal(role.username, user);
  assert.equal(role.rotation_period, 3600);
  const c1 = await staticCreds('app');
  assert.equal(c1.username, user);
  const p1 = String(c1.password);
  assert.notEqual(p1, initial);
  assert.ok(Number(c1.ttl) > 3500 && Number(c1.ttl) <= 3600, `ttl ${String(c1.ttl)}`);
  assert.match((await myLoginError(user, initial)) ?? '', /Access denied/, 'the initial password no longer works');
  assert.equal(await myLoginError(user, p1), undefined, 'static-creds password works');
  // Static credentials are not leased.
  const raw = jsonOut(await keep('read', '-format=json', 'db/static-creds/app'));
  assert.equal(raw.lease_id, '');

  // rotate-role: a new password now.
  expectExit(await keep('write', '-force', 'db/rotate-role/app'), 0);
  const c2 = await staticCreds('app');
  const p2 = String(c2.password);
  assert.notEqual(p2, p1);
  assert.notEqual(c2.last_vault_rotation, c1.last_vault_rotation);
  assert.equal(await myLoginError(user, p2), undefined, 'the rotated password works');
  assert.match((await myLoginError(user, p1)) ?? '', /Access denied/, 'the previous password fails');

  // The schedule: with rotation_period 5 s (the minimum; the countdown restarts now) the
  // background rotation sets another password without anyone asking.
  mustOk(await api.post('db/static-roles/app', { rotation_period: '5s' }), 'rotation_period 5s');
  assert.equal(dataOf(await api.get('db/static-roles/app')).rotation_period, 5);
  await waitFor('the scheduled rotation (rotation_period 5 s)', async () => String((await staticCreds('app')).password) !== p2, 30_000);
  // Back to a long period before checking logins, so that the password read is the current one.
  mustOk(await api.post('db/static-roles/app', { rotation_period: '1h' }), 'rotation_period 1h');
  const c3 = await staticCreds('app');
  const p3 = String(c3.password);
  assert.notEqual(p3, p2);
  assert.equal(c3.rotation_period, 3600);
  assert.equal(await myLoginError(user, p3), undefined, 'the scheduled password works');
  assert.match((await myLoginError(user, p2)) ?? '', /Access denied/, 'the password before the schedule fails');

  const unknown = await api.put('db/rotate-role/nope', {});
  assert.equal(unknown.status, 400, show(unknown));
  assert.deepEqual(errorsOf(unknown), ['no static role found for role name']);

  // Deleting the role leaves the user and its password as they are.
  mustOk(await api.delete('db/static-roles/app'), 'delete static role');
  assert.equal(await myUserExists(user), true);
  assert.equal(await myLoginError(user, p3), undefined);
});

test('password policies: written from a file, generated on demand, honoured by the connection', T, async () => {
  const dir = tempDir('keep-e2e-pwpol-');
  const file = path.join(dir, 'policy.hcl');
  writeFileSync(
    file,
    [
      'length = 32',
      'rule "charset" {',
      '  charset = "abcdefghjkmnpqrstuvwxyz"',
      '  min-chars = 4',
      '}',
      'rule "charset" {',
      '  charset = "23456789"',
      '  min-chars = 4',
      '}',
      'rule "charset" {',
      '  charset = "!#%+=_"',
      '  min-chars = 2',
      '}',
      '',
    ].join('\n'),
  );
  const written = expectExit(await keep('write', 'sys/policies/password/e2e-db', `policy=@${file}`), 0);
  assert.match(written.stdout, /Success! Data written to: sys\/policies\/password\/e2e-db/);
  const stored = dataOf(await api.get('sys/policies/password/e2e-db'));
  assert.match(String(stored.policy), /length = 32/);

  const shape = /^[abcdefghjkmnpqrstuvwxyz23456789!#%+=_]{32}$/;
  const honours = (p: string) =>
    shape.test(p) && (p.match(/[a-z]/g) ?? []).length >= 4 && (p.match(/[2-9]/g) ?? []).length >= 4 && (p.match(/[!#%+=_]/g) ?? []).length >= 2;
  const generated = await keep('read', '-field=password', 'sys/policies/password/e2e-db/generate');
  expectExit(generated, 0);
  assert.ok(honours(generated.stdout), `generated password follows the policy: ${generated.stdout.length} chars`);
  const g2 = dataOf(await api.get('sys/policies/password/e2e-db/generate'));
  assert.ok(honours(String(g2.password)));
  assert.notEqual(g2.password, generated.stdout);

  // A policy that cannot be satisfied is refused.
  const impossible = await api.put('sys/policies/password/bad', { policy: 'length = 4\nrule "charset" {\n charset = "a"\n min-chars = 5\n}\n' });
  assert.equal(impossible.status, 400, show(impossible));
  assert.equal((await api.get('sys/policies/password/bad/generate')).status, 404);

  // The connection's password_policy shapes issued passwords, which work as given.
  mustOk(
    await api.post('db/config/mypol', {
      plugin_name: 'mysql-database-plugin',
      connection_url: myConnectionUrl(),
      username: 'root',
      password: '',
      allowed_roles: '*',
      password_policy: 'e2e-db',
    }),
    'write db/config/mypol',
  );
  assert.equal(dataOf(await api.get('db/config/mypol')).password_policy, 'e2e-db');
  await writeRole('pol-ro', { db_name: 'mypol', creation_statements: [CREATE_USER], default_ttl: '1h' });
  const c = await readCreds('pol-ro');
  assert.ok(honours(c.password), 'issued password follows the connection password policy');
  assert.equal(await myLoginError(c.username, c.password), undefined);

  // A static role on that connection uses it too.
  const user = await createUser('ke2e_pol', `Initial-${uniqueName('pw')}`);
  mustOk(await api.post('db/static-roles/pol-app', { db_name: 'mypol', username: user, rotation_period: '1h' }), 'static role');
  const sc = await staticCreds('pol-app');
  assert.ok(honours(String(sc.password)), 'static role password follows the policy');
  assert.equal(await myLoginError(user, String(sc.password)), undefined);
  mustOk(await api.delete('db/static-roles/pol-app'), 'delete static role');

  // A role's credential_config.password_policy overrides the connection's; a missing policy fails the issue (500).
  await writeRole('pol-missing', { db_name: 'mypol', creation_statements: [CREATE_USER], credential_config: { password_policy: 'no-such-policy' } });
  const missing = await api.get('db/creds/pol-missing');
  assert.equal(missing.status, 500, show(missing));
  expectExit(await keep('lease', 'revoke', '-sync', c.leaseId), 0);
  assert.equal(await myUserExists(c.username), false);
  mustOk(await api.delete('sys/policies/password/e2e-db'), 'delete policy');
  assert.equal((await api.get('sys/policies/password/e2e-db')).status, 404);
});
