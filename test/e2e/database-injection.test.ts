/**
 * Statement injection through values Keep generates is impossible (spec/dynamic.md 2.10, 2.13):
 * against the real PostgreSQL and MariaDB, through a real `keep server`.
 *
 * The realistic attacker controls a CI job token's claims: with the JWT method the user claim
 * becomes the token's display name, the display name goes into the generated username, and the
 * username into the role's statements. Here the claim carries quotes, semicolons, comment
 * markers and a backslash. The created user must have exactly that name (no statement broke out:
 * canary objects survive, nothing else was created), log in with the issued password, and be
 * dropped by revoke. Generated passwords from a password policy made of quotes, backslashes and
 * semicolons must be set literally (MariaDB login; PostgreSQL SCRAM verifier). A placeholder an
 * admin left unquoted is refused rather than run. Role names with quotes never reach a database.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, test } from 'node:test';
import { SignJWT, importPKCS8 } from 'jose';
import {
  DbCleanup,
  IN_CI,
  MY_PORT,
  PG_PORT,
  myConnectionUrl,
  myLoginError,
  myUserExists,
  pgConnectionUrl,
  pgIdent,
  pgLoginError,
  pgPasswordIs,
  pgRoleExists,
  probeMariadb,
  probePostgres,
  uniqueName,
  withMy,
  withPg,
} from '../helpers/databases.ts';
import { Api, dataOf, errorsOf, show } from '../helpers/http.ts';
import type { KeepServer } from '../helpers/server.ts';
import { startKeep, useKeepHooks } from '../helpers/server.ts';

useKeepHooks();

const [pgProblem, myProblem] = await Promise.all([probePostgres(), probeMariadb()]);
const problem = pgProblem ? `PostgreSQL: ${pgProblem}` : myProblem ? `MariaDB: ${myProblem}` : undefined;
const T = {
  timeout: 60_000,
  skip: problem && !IN_CI ? `PostgreSQL on 127.0.0.1:${PG_PORT} and MariaDB on 127.0.0.1:${MY_PORT} are needed (${problem})` : false,
};

/** The hostile user claim: quotes of both kinds, a statement separator, comment markers, a backslash. */
const HOSTILE_SUB = `o'r"1;--\\`;
const ISSUER = 'https://ci.example.test';
const AUDIENCE = 'keep-e2e';

let server: KeepServer;
let api: Api;
let signingKey: Awaited<ReturnType<typeof importPKCS8>>;
const cleanup = new DbCleanup();
const schema = uniqueName('ke2e_inj');
const myDb = uniqueName('ke2e_inj');

before(async () => {
  if (T.skip) return;
  if (problem) throw new Error(`databases are not available in CI: ${problem}`);
  cleanup.pgSchemas.add(schema);
  cleanup.myDatabases.add(myDb);
  await withPg(async (c) => {
    await c.query(`CREATE SCHEMA ${pgIdent(schema)}`);
    await c.query(`CREATE TABLE ${pgIdent(schema)}.canary (id int)`);
    await c.query(`INSERT INTO ${pgIdent(schema)}.canary VALUES (42)`);
  });
  await withMy(async (c) => {
    await c.query(`CREATE DATABASE \`${myDb}\``);
    await c.query(`CREATE TABLE \`${myDb}\`.canary (id int)`);
    await c.query(`INSERT INTO \`${myDb}\`.canary VALUES (42)`);
  });

  server = await startKeep({ dev: true });
  api = new Api(server.addr, 'root');
  mustOk(await api.post('sys/mounts/db', { type: 'database' }), 'mount database');

  // JWT auth trusting a key of ours: the claims are whatever the "CI platform" puts in them.
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  signingKey = await importPKCS8(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'ES256');
  // Mounted at auth/ci/ (the dev server has its own demo at jwt/): display names are `ci-<sub>`.
  mustOk(await api.post('sys/auth/ci', { type: 'jwt' }), 'enable jwt at ci/');
  mustOk(
    await api.post('auth/ci/config', { jwt_validation_pubkeys: [publicKey.export({ type: 'spki', format: 'pem' }).toString()], bound_issuer: ISSUER }),
    'jwt config',
  );
  mustOk(await api.put('sys/policies/acl/ci-db', { policy: 'path "db/creds/*" { capabilities = ["read"] }' }), 'policy');
  mustOk(
    await api.post('auth/ci/role/ci', {
      role_type: 'jwt',
      user_claim: 'sub',
      bound_audiences: [AUDIENCE],
      token_policies: ['ci-db'],
      token_ttl: '10m',
    }),
    'jwt role',
  );

  // Username templates that put the whole display name in the username.
  mustOk(
    await api.post('db/config/pg', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: pgConnectionUrl(),
      username: 'postgres',
      password: 'trust-auth-ignores-this',
      allowed_roles: '*',
      username_template: '{{ printf "%s_%s" .DisplayName (random 6) | truncate 63 }}',
    }),
    'pg config',
  );
  mustOk(
    await api.post('db/config/my', {
      plugin_name: 'mysql-database-plugin',
      connection_url: myConnectionUrl(),
      username: 'root',
      password: '',
      allowed_roles: '*',
      username_template: '{{ printf "%s_%s" .DisplayName (random 6) | truncate 32 }}',
    }),
    'mysql config',
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

/** Logs in as a CI job whose `sub` claim is `sub`; returns the client token. */
async function ciLogin(sub: string): Promise<string> {
  const jwt = await new SignJWT({ sub })
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(signingKey);
  const res = await api.withToken(undefined).post('auth/ci/login', { role: 'ci', jwt });
  assert.equal(res.status, 200, show(res));
  const auth = (res.json as { auth: { client_token: string } }).auth;
  return auth.client_token;
}

interface Creds {
  leaseId: string;
  username: string;
  password: string;
}

async function issue(role: string, token: string, kind: 'pg' | 'my'): Promise<Creds> {
  const res = await api.withToken(token).get(`db/creds/${role}`);
  assert.equal(res.status, 200, show(res));
  const body = res.json as { lease_id: string; data: { username: string; password: string } };
  const c = { leaseId: body.lease_id, username: body.data.username, password: body.data.password };
  (kind === 'pg' ? cleanup.pgRoles : cleanup.myUsers).add(c.username);
  return c;
}

async function revoke(leaseId: string): Promise<void> {
  mustOk(await api.put('sys/leases/revoke', { lease_id: leaseId, sync: true }), `revoke ${leaseId}`);
}

const pgCanary = async () => withPg(async (c) => (await c.query(`SELECT id FROM ${pgIdent(schema)}.canary`)).rows);
const myCanary = async () => withMy(async (c) => (await c.query(`SELECT id FROM \`${myDb}\`.canary`))[0]);

test('a hostile CI claim in the generated username cannot break out of PostgreSQL statements', T, async () => {
  const token = await ciLogin(HOSTILE_SUB);
  const self = dataOf(await api.withToken(token).get('auth/token/lookup-self'));
  assert.equal(self.display_name, `ci-${HOSTILE_SUB}`, 'the claim reaches the display name unchanged');

  const s = pgIdent(schema);
  mustOk(
    await api.post('db/roles/inj', {
      db_name: 'pg',
      creation_statements: [
        `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT USAGE ON SCHEMA ${s} TO "{{name}}"; GRANT SELECT ON ${s}.canary TO "{{name}}"; COMMENT ON ROLE "{{name}}" IS 'issued as {{username}}';`,
      ],
      revocation_statements: [`REVOKE ALL ON ${s}.canary FROM "{{name}}"; REVOKE USAGE ON SCHEMA ${s} FROM "{{name}}"; DROP ROLE "{{name}}";`],
      default_ttl: '10m',
    }),
    'role inj',
  );
  const rolesBefore = await withPg(async (c) => Number((await c.query('SELECT count(*) AS n FROM pg_roles')).rows[0].n));
  const c = await issue('inj', token, 'pg');
  assert.ok(c.username.startsWith(`ci-${HOSTILE_SUB}_`), `username keeps the claim: ${JSON.stringify(c.username)}`);

  // Exactly one new role, named exactly as returned; its comment holds the literal name.
  const rolesAfter = await withPg(async (cl) => Number((await cl.query('SELECT count(*) AS n FROM pg_roles')).rows[0].n));
  assert.equal(rolesAfter, rolesBefore + 1);
  assert.equal(await pgRoleExists(c.username), true);
  const comment = await withPg(async (cl) => {
    const r = await cl.query<{ d: string }>("SELECT shobj_description(oid, 'pg_authid') AS d FROM pg_roles WHERE rolname = $1", [c.username]);
    return r.rows[0]?.d;
  });
  assert.equal(comment, `issued as ${c.username}`);
  assert.equal(await pgPasswordIs(c.username, c.password), true);
  assert.deepEqual(await pgCanary(), [{ id: 42 }], 'the canary table survived');
  assert.equal(await pgLoginError(c.username, c.password), undefined);
  const seen = await withPg((cl) => cl.query(`SELECT id FROM ${s}.canary`), { user: c.username, password: c.password });
  assert.deepEqual(seen.rows, [{ id: 42 }], 'the grant went to that user');

  await revoke(c.leaseId);
  assert.equal(await pgRoleExists(c.username), false, 'revocation statements dropped exactly that role');
  assert.deepEqual(await pgCanary(), [{ id: 42 }]);
});

test('a hostile CI claim in the generated username cannot break out of MariaDB statements', T, async () => {
  const token = await ciLogin(HOSTILE_SUB);
  mustOk(
    await api.post('db/roles/inj-my', {
      db_name: 'my',
      creation_statements: [`CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'; GRANT SELECT ON \`${myDb}\`.canary TO '{{name}}'@'%';`],
      default_ttl: '10m',
    }),
    'role inj-my',
  );
  const usersBefore = await withMy(async (cl) => Number(((await cl.query('SELECT count(*) AS n FROM mysql.user'))[0] as Array<{ n: number }>)[0].n));
  const c = await issue('inj-my', token, 'my');
  assert.ok(c.username.startsWith(`ci-${HOSTILE_SUB}_`), `username keeps the claim: ${JSON.stringify(c.username)}`);
  assert.ok(c.username.length <= 32);

  const usersAfter = await withMy(async (cl) => Number(((await cl.query('SELECT count(*) AS n FROM mysql.user'))[0] as Array<{ n: number }>)[0].n));
  assert.equal(usersAfter, usersBefore + 1, 'exactly one account was created');
  assert.equal(await myUserExists(c.username), true, 'named exactly as returned');
  assert.deepEqual(await myCanary(), [{ id: 42 }]);
  assert.equal(await myLoginError(c.username, c.password), undefined, 'the exact name and password log in');
  const [rows] = await withMy((cl) => cl.query(`SELECT id FROM \`${myDb}\`.canary`), { user: c.username, password: c.password });
  assert.deepEqual(rows, [{ id: 42 }]);

  await revoke(c.leaseId);
  assert.equal(await myUserExists(c.username), false, 'the default revocation dropped exactly that account');
  assert.deepEqual(await myCanary(), [{ id: 42 }]);
});

test('passwords made of quotes, backslashes and semicolons are set literally', T, async () => {
  const policy = [
    'length = 24',
    'rule "charset" {\n  charset = "abcdefghijklmnopqrstuvwxyz"\n  min-chars = 8\n}',
    `rule "charset" {\n  charset = "'"\n  min-chars = 2\n}`,
    'rule "charset" {\n  charset = "\\""\n  min-chars = 2\n}',
    'rule "charset" {\n  charset = "\\\\"\n  min-chars = 2\n}',
    'rule "charset" {\n  charset = ";-`$"\n  min-chars = 2\n}',
    '',
  ].join('\n');
  mustOk(await api.put('sys/policies/password/nasty', { policy }), 'write password policy');
  const sample = String(dataOf(await api.get('sys/policies/password/nasty/generate')).password);
  assert.equal(sample.length, 24);
  for (const ch of ["'", '"', '\\']) assert.ok(sample.includes(ch), `generated password contains ${ch}`);

  mustOk(await api.post('db/config/pg', { password_policy: 'nasty' }), 'pg password_policy');
  mustOk(await api.post('db/config/my', { password_policy: 'nasty' }), 'my password_policy');
  mustOk(
    await api.post('db/roles/pw-pg', { db_name: 'pg', creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}';`], default_ttl: '10m' }),
    'role pw-pg',
  );
  mustOk(
    await api.post('db/roles/pw-my', { db_name: 'my', creation_statements: [`CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}';`], default_ttl: '10m' }),
    'role pw-my',
  );

  for (let i = 0; i < 3; i++) {
    const p = await issue('pw-pg', 'root', 'pg');
    assert.match(p.password, /['"\\]/);
    assert.equal(await pgPasswordIs(p.username, p.password), true, `PostgreSQL stored exactly the issued password (${i})`);
    await revoke(p.leaseId);
    assert.equal(await pgRoleExists(p.username), false);

    const m = await issue('pw-my', 'root', 'my');
    assert.match(m.password, /['"\\]/);
    assert.equal(await myLoginError(m.username, m.password), undefined, `MariaDB accepts exactly the issued password (${i})`);
    await revoke(m.leaseId);
    assert.equal(await myUserExists(m.username), false);
  }
  assert.deepEqual(await pgCanary(), [{ id: 42 }]);
  assert.deepEqual(await myCanary(), [{ id: 42 }]);
  mustOk(await api.post('db/config/pg', { password_policy: '' }), 'pg password_policy off');
  mustOk(await api.post('db/config/my', { password_policy: '' }), 'my password_policy off');
});

test('a placeholder left unquoted is refused, not run; role names with quotes never reach a database', T, async () => {
  const token = await ciLogin(HOSTILE_SUB);
  mustOk(
    await api.post('db/roles/bare', { db_name: 'pg', creation_statements: ["CREATE ROLE {{name}} WITH LOGIN PASSWORD '{{password}}';"] }),
    'role bare',
  );
  const before = await withPg(async (c) => Number((await c.query('SELECT count(*) AS n FROM pg_roles')).rows[0].n));
  const res = await api.withToken(token).get('db/creds/bare');
  assert.equal(res.status, 500, show(res));
  assert.match(errorsOf(res)[0] ?? '', /cannot place the value of \{\{name\}\} outside quotes safely/);
  const after = await withPg(async (c) => Number((await c.query('SELECT count(*) AS n FROM pg_roles')).rows[0].n));
  assert.equal(after, before, 'no role was created');
  const leases = await api.list('sys/leases/lookup/db/creds/bare/');
  assert.equal(leases.status, 404, `nothing was leased: ${show(leases)}`);

  // Role names are path segments of [A-Za-z0-9._-]: quotes and semicolons are not routed at all.
  for (const name of ["x'y", 'x"y', 'x;y', 'x y']) {
    const seg = encodeURIComponent(name);
    const w = await api.post(`db/roles/${seg}`, { db_name: 'pg', creation_statements: ['SELECT 1'] });
    assert.ok(w.status >= 400 && w.status < 500, `write db/roles/${name}: ${show(w)}`);
    const r = await api.get(`db/creds/${seg}`);
    assert.ok(r.status >= 400 && r.status < 500, `read db/creds/${name}: ${show(r)}`);
  }
  const roles = dataOf(await api.list('db/roles'));
  assert.deepEqual(
    (roles.keys as string[]).filter((k) => /['"; ]/.test(k)),
    [],
  );
  assert.deepEqual(await pgCanary(), [{ id: 42 }]);
});
