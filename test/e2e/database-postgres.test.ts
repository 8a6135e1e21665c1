/**
 * The database secrets engine against the real PostgreSQL (127.0.0.1:5432, trust auth) through a
 * real `keep server`, driven by the `keep` CLI as Vault users type it and checked in the database
 * itself (spec/dynamic.md 1, 2): issued users can do exactly what the creation statements grant;
 * revoke (queued and -sync) and TTL expiry drop them; renew moves VALID UNTIL; revoking a token
 * drops the users it created; a bad connection_url fails the config write with a 400 and stores
 * nothing.
 *
 * Trust auth lets any password in, so where a password matters this file checks the role's
 * SCRAM verifier instead; a dropped role cannot log in at all (the role does not exist).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  DbCleanup,
  PG_PORT,
  assertReachable,
  pgConnectionUrl,
  pgIdent,
  pgLoginError,
  pgPasswordIs,
  pgRoleExists,
  pgValidUntil,
  probePostgres,
  skipUnless,
  uniqueName,
  waitFor,
  withPg,
} from '../helpers/databases.ts';
import { Api, dataOf, errorsOf, show } from '../helpers/http.ts';
import type { CliResult, KeepServer } from '../helpers/server.ts';
import { describeCli, expectExit, freePort, runCli, startKeep, useKeepHooks } from '../helpers/server.ts';

useKeepHooks();

const pgProblem = await probePostgres();
const T = { timeout: 60_000, skip: skipUnless(`PostgreSQL on 127.0.0.1:${PG_PORT}`, pgProblem) };

let server: KeepServer;
let api: Api;
const cleanup = new DbCleanup();
const schema = uniqueName('ke2e');

before(async () => {
  if (T.skip) return;
  assertReachable(`PostgreSQL on 127.0.0.1:${PG_PORT}`, pgProblem);
  await withPg(async (c) => {
    const s = pgIdent(schema);
    await c.query(`CREATE SCHEMA ${s}`);
    await c.query(`CREATE TABLE ${s}.allowed (id int)`);
    await c.query(`INSERT INTO ${s}.allowed VALUES (1), (2)`);
    await c.query(`CREATE TABLE ${s}.hidden (id int)`);
  });
  cleanup.pgSchemas.add(schema);
  server = await startKeep({ dev: true });
  api = new Api(server.addr, 'root');
  mustOk(await api.post('sys/mounts/db', { type: 'database' }), 'mount database at db/');
  mustOk(
    await api.post('db/config/pg', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: pgConnectionUrl(),
      username: 'postgres',
      password: 'trust-auth-ignores-this',
      allowed_roles: '*',
    }),
    'write db/config/pg',
  );
});

after(async () => {
  if (T.skip) return;
  // Revoke what is left through Keep first (its own clean-up path), then drop leftovers directly.
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
  renewable: boolean;
  username: string;
  password: string;
}

function credsOf(out: Record<string, unknown>): Creds {
  const data = out.data as Record<string, unknown>;
  assert.equal(typeof data?.username, 'string', JSON.stringify(out));
  assert.equal(typeof data?.password, 'string');
  const c: Creds = {
    leaseId: String(out.lease_id),
    leaseDuration: Number(out.lease_duration),
    renewable: out.renewable === true,
    username: String(data.username),
    password: String(data.password),
  };
  cleanup.pgRoles.add(c.username);
  return c;
}

/** `keep read -format=json db/creds/<role>` (optionally with another token). */
async function readCreds(role: string, token = 'root'): Promise<Creds> {
  return credsOf(jsonOut(await runCli(['read', '-format=json', `db/creds/${role}`], { addr: server.addr, token })));
}

async function writeRole(name: string, body: Record<string, unknown>): Promise<void> {
  mustOk(await api.post(`db/roles/${name}`, { db_name: 'pg', ...body }), `write db/roles/${name}`);
}

const loginRole = (grants = ''): string =>
  `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; ${grants}`;

function readOnlyGrants(): string {
  const s = pgIdent(schema);
  return `GRANT USAGE ON SCHEMA ${s} TO "{{name}}"; GRANT SELECT ON ${s}.allowed TO "{{name}}";`;
}

/** The SQLSTATE of a failed statement run as `user` (undefined when it succeeded). */
async function sqlState(user: string, password: string, sql: string): Promise<string | undefined> {
  return withPg(
    async (c) => {
      try {
        await c.query(sql);
        return undefined;
      } catch (e) {
        return String((e as { code?: unknown }).code ?? (e as Error).message);
      }
    },
    { user, password },
  );
}

test('issued credentials connect and can do exactly what the creation statements grant', T, async () => {
  await writeRole('ci-ro', { creation_statements: [loginRole(readOnlyGrants())], default_ttl: '10m', max_ttl: '1h' });
  const before = Date.now();
  const c = await readCreds('ci-ro');

  assert.match(c.leaseId, /^db\/creds\/ci-ro\/[A-Za-z0-9]{24}$/);
  assert.equal(c.leaseDuration, 600);
  assert.equal(c.renewable, true);
  // The default PostgreSQL template: v-<display 8>-<role 8>-<random 20>-<unix time>, at most 63.
  assert.match(c.username, /^v-root-ci-ro-[A-Za-z0-9]{20}-\d{10}$/);
  assert.ok(c.username.length <= 63);
  // The default generator: 20 characters of [A-Za-z0-9-] with each class present.
  assert.match(c.password, /^[A-Za-z0-9-]{20}$/);
  assert.match(c.password, /[a-z]/);
  assert.match(c.password, /[A-Z]/);
  assert.match(c.password, /[0-9]/);
  assert.match(c.password, /-/);

  // The password Keep returned is the one the role has (its SCRAM verifier), and the role
  // expires after the lease (TTL + 5 s buffer).
  assert.equal(await pgPasswordIs(c.username, c.password), true, 'password matches the stored SCRAM verifier');
  assert.equal(await pgPasswordIs(c.username, `${c.password}x`), false);
  const validUntil = await pgValidUntil(c.username);
  assert.ok(validUntil, 'VALID UNTIL is set');
  const secs = (validUntil.getTime() - before) / 1000;
  assert.ok(secs >= 600 && secs <= 600 + 5 + 60, `VALID UNTIL is ttl + 5 s from issue (got +${secs} s)`);

  const s = pgIdent(schema);
  assert.equal(await pgLoginError(c.username, c.password), undefined, 'the issued user logs in');
  const rows = await withPg((cl) => cl.query(`SELECT id FROM ${s}.allowed ORDER BY id`), { user: c.username, password: c.password });
  assert.deepEqual(rows.rows, [{ id: 1 }, { id: 2 }], 'SELECT on the granted table works');
  assert.equal(await sqlState(c.username, c.password, `INSERT INTO ${s}.allowed VALUES (3)`), '42501', 'INSERT is refused');
  assert.equal(await sqlState(c.username, c.password, `DELETE FROM ${s}.allowed`), '42501', 'DELETE is refused');
  assert.equal(await sqlState(c.username, c.password, `SELECT * FROM ${s}.hidden`), '42501', 'another table is refused');
  assert.equal(await sqlState(c.username, c.password, `CREATE TABLE ${s}.mine (id int)`), '42501', 'CREATE in the schema is refused');
  assert.equal(await sqlState(c.username, c.password, 'CREATE ROLE nope'), '42501', 'CREATE ROLE is refused');

  // Default revocation handles grants outside schema public (role_column_grants) before DROP ROLE.
  expectExit(await keep('lease', 'revoke', '-sync', c.leaseId), 0);
  assert.equal(await pgRoleExists(c.username), false, 'the role is dropped');
});

test('lease revoke (queued, and -sync) drops the user; it can no longer connect', T, async () => {
  await writeRole('ci-revoke', { creation_statements: [loginRole()], default_ttl: '1h' });
  const [a, b] = [await readCreds('ci-revoke'), await readCreds('ci-revoke')];
  assert.equal(await pgLoginError(a.username, a.password), undefined);
  assert.equal(await pgLoginError(b.username, b.password), undefined);

  // `keep lease revoke` queues (sync=false, 202) like Vault's CLI; the worker drops the user.
  const queued = expectExit(await keep('lease', 'revoke', a.leaseId), 0);
  assert.match(queued.stdout, /All revocation operations queued successfully!/);
  await waitFor(`role ${a.username} dropped`, async () => !(await pgRoleExists(a.username)));
  assert.match((await pgLoginError(a.username, a.password)) ?? '', /role ".*" does not exist/);

  // -sync: the role is gone when the command returns.
  const synced = expectExit(await keep('lease', 'revoke', '-sync', b.leaseId), 0);
  assert.match(synced.stdout, /Success! Revoked lease:/);
  assert.equal(await pgRoleExists(b.username), false);
  assert.match((await pgLoginError(b.username, b.password)) ?? '', /role ".*" does not exist/);

  // The leases are gone; revoking again is a no-op success (idempotent).
  const look = await api.put('sys/leases/lookup', { lease_id: a.leaseId });
  assert.equal(look.status, 400, show(look));
  assert.deepEqual(errorsOf(look), ['invalid lease']);
  expectExit(await keep('lease', 'revoke', '-sync', a.leaseId), 0);
});

test('once the TTL passes, the expiration worker drops the user', T, async () => {
  await writeRole('ci-short', { creation_statements: [loginRole()], default_ttl: '2s', max_ttl: '2s' });
  const c = await readCreds('ci-short');
  assert.equal(c.leaseDuration, 2);
  assert.equal(await pgRoleExists(c.username), true);
  const waited = await waitFor(`role ${c.username} dropped after its 2 s TTL`, async () => !(await pgRoleExists(c.username)), 30_000);
  assert.match((await pgLoginError(c.username, c.password)) ?? '', /role ".*" does not exist/);
  const look = await api.put('sys/leases/lookup', { lease_id: c.leaseId });
  assert.equal(look.status, 400, `the lease is gone after expiry (${show(look)}; waited ${waited} ms)`);
});

test('lease renew extends the user expiry in PostgreSQL (VALID UNTIL moves)', T, async () => {
  await writeRole('ci-renew', { creation_statements: [loginRole()], default_ttl: '60s', max_ttl: '2h' });
  const c = await readCreds('ci-renew');
  const first = await pgValidUntil(c.username);
  assert.ok(first);

  const renewed = jsonOut(await keep('lease', 'renew', '-format=json', '-increment=1h', c.leaseId));
  assert.equal(renewed.lease_id, c.leaseId);
  assert.equal(renewed.lease_duration, 3600);
  assert.equal(renewed.renewable, true);
  const now = Date.now();
  const second = await pgValidUntil(c.username);
  assert.ok(second);
  const moved = (second.getTime() - first.getTime()) / 1000;
  assert.ok(moved > 3000, `VALID UNTIL moved forward by about 59 min (moved ${moved} s: ${first.toISOString()} -> ${second.toISOString()})`);
  const ahead = (second.getTime() - now) / 1000;
  assert.ok(ahead > 3500 && ahead < 3600 + 5 + 60, `VALID UNTIL is now + 1h + 5 s (got +${ahead} s)`);

  // Renewal past the role's max_ttl is capped, with Vault's warning.
  const capped = jsonOut(await keep('lease', 'renew', '-format=json', '-increment=5h', c.leaseId));
  assert.ok(Number(capped.lease_duration) <= 7200 && Number(capped.lease_duration) > 7000, JSON.stringify(capped));
  assert.match(JSON.stringify(capped.warnings), /exceeded the effective max_ttl/);
  const third = await pgValidUntil(c.username);
  assert.ok(third && third.getTime() > second.getTime(), 'VALID UNTIL follows the capped renewal');

  const look = dataOf(await api.put('sys/leases/lookup', { lease_id: c.leaseId }));
  assert.ok(typeof look.last_renewal === 'string', 'lookup shows last_renewal');
  expectExit(await keep('lease', 'revoke', '-sync', c.leaseId), 0);
  assert.equal(await pgRoleExists(c.username), false);
});

test('revoking a token revokes the database users it created', T, async () => {
  mustOk(await api.put('sys/policies/acl/db-user', { policy: 'path "db/creds/*" { capabilities = ["read"] }' }), 'write policy');
  await writeRole('ci-token', { creation_statements: [loginRole()], default_ttl: '1h' });
  const created = jsonOut(await keep('token', 'create', '-format=json', '-policy=db-user', '-display-name=job', '-ttl=1h'));
  const token = String((created.auth as Record<string, unknown>).client_token);

  const mine = [await readCreds('ci-token', token), await readCreds('ci-token', token)];
  const other = await readCreds('ci-token'); // root's: must survive
  // The token's display name is in the username (template: v-<display 8>-...).
  for (const c of mine) assert.match(c.username, /^v-token-jo-ci-token-/);
  for (const c of [...mine, other]) assert.equal(await pgRoleExists(c.username), true);

  expectExit(await keep('token', 'revoke', token), 0);
  for (const c of mine) {
    await waitFor(`role ${c.username} dropped after its token was revoked`, async () => !(await pgRoleExists(c.username)));
    const look = await api.put('sys/leases/lookup', { lease_id: c.leaseId });
    assert.equal(look.status, 400, show(look));
  }
  assert.equal(await pgRoleExists(other.username), true, 'a user issued to another token stays');
  expectExit(await keep('lease', 'revoke', '-sync', other.leaseId), 0);
});

test('a bad connection_url with verify_connection fails the config write with a clear 400 and stores nothing', T, async () => {
  const closed = await freePort();
  const secret = 'Not-In-Any-Message-42';
  const bad = {
    plugin_name: 'postgresql-database-plugin',
    connection_url: pgConnectionUrl(closed),
    username: 'postgres',
    password: secret,
    allowed_roles: '*',
  };

  // The CLI: exit 2 with the server's message.
  const cli = await keep(
    'write',
    'db/config/bad',
    'plugin_name=postgresql-database-plugin',
    `connection_url=${bad.connection_url}`,
    'username=postgres',
    `password=${secret}`,
  );
  expectExit(cli, 2);
  assert.match(cli.stderr, /Code: 400/);
  assert.match(cli.stderr, /error creating database object: error verifying connection: /);
  assert.match(cli.stderr, /ECONNREFUSED/);
  assert.ok(!cli.stderr.includes(secret) && !cli.stdout.includes(secret), 'the password is not echoed');

  // The wire: 400 with one clear message; nothing stored.
  const res = await api.put('db/config/bad', bad);
  assert.equal(res.status, 400, show(res));
  const errors = errorsOf(res);
  assert.equal(errors.length, 1);
  assert.match(errors[0], /^error creating database object: error verifying connection: .*ECONNREFUSED/);
  const read = await api.get('db/config/bad');
  assert.equal(read.status, 404, show(read));
  expectExit(await keep('read', 'db/config/bad'), 2);
  const list = dataOf(await api.list('db/config'));
  assert.deepEqual(list.keys, ['pg']);

  // A database that does not exist: the driver's message comes through.
  const noDb = await api.put('db/config/bad', { ...bad, connection_url: pgConnectionUrl().replace('/postgres?', `/${uniqueName('nodb')}?`) });
  assert.equal(noDb.status, 400, show(noDb));
  assert.match(errorsOf(noDb)[0], /^error creating database object: error verifying connection: database ".*" does not exist/);
  assert.equal((await api.get('db/config/bad')).status, 404);

  // An existing connection rewritten with a bad URL keeps its stored URL and still works.
  const rewrite = await api.put('db/config/pg', { connection_url: pgConnectionUrl(closed) });
  assert.equal(rewrite.status, 400, show(rewrite));
  const kept = dataOf(await api.get('db/config/pg'));
  assert.equal((kept.connection_details as Record<string, unknown>).connection_url, pgConnectionUrl());
  await writeRole('ci-after-bad', { creation_statements: [loginRole()], default_ttl: '1h' });
  const c = await readCreds('ci-after-bad');
  expectExit(await keep('lease', 'revoke', '-sync', c.leaseId), 0);

  // verify_connection=false stores the same config without connecting.
  const unverified = await api.put('db/config/bad', { ...bad, verify_connection: false });
  assert.ok(unverified.status === 200 || unverified.status === 204, show(unverified));
  assert.equal(dataOf(await api.get('db/config/bad')).verify_connection, false);
  mustOk(await api.delete('db/config/bad'), 'delete db/config/bad');
});
