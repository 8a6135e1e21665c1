/**
 * Real databases for the end-to-end tests of the database secrets engine:
 *
 * - the shared servers: PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) and MariaDB on
 *   127.0.0.1:3306 (root, empty password); ports overridable with KEEP_TEST_PG_PORT and
 *   KEEP_TEST_MYSQL_PORT;
 * - a private PostgreSQL cluster with scram-sha-256 on TCP (trust auth accepts any password, so
 *   tests that must show a password stops working, or that stop the database, start their own);
 * - direct checks (login, role existence, VALID UNTIL, SCRAM verifiers) and the clean-up of every
 *   user a test created.
 *
 * A test that needs a server it cannot reach is skipped with the reason, except with CI=true:
 * then it runs and fails (CI must run these tests).
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { freePort, sleep } from './processes.ts';

export const IN_CI = process.env.CI === 'true';

export const PG_HOST = '127.0.0.1';
export const PG_PORT = Number(process.env.KEEP_TEST_PG_PORT ?? 5432);
export const MY_HOST = '127.0.0.1';
export const MY_PORT = Number(process.env.KEEP_TEST_MYSQL_PORT ?? 3306);

/** connection_url of a PostgreSQL connection (templated: the password stays out of the URL). */
export function pgConnectionUrl(port = PG_PORT): string {
  return `postgresql://{{username}}:{{password}}@${PG_HOST}:${port}/postgres?sslmode=disable`;
}

/** connection_url of a MySQL/MariaDB connection (Go DSN, templated). */
export function myConnectionUrl(port = MY_PORT): string {
  return `{{username}}:{{password}}@tcp(${MY_HOST}:${port})/`;
}

/** A unique lower-case name that needs no quoting: `<prefix>_<10 hex>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function problemOf(fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await fn();
    return undefined;
  } catch (e) {
    return message(e) || String(e);
  }
}

// ---------------------------------------------------------------------------------------------
// Reachability and skipping

export function probePostgres(): Promise<string | undefined> {
  return problemOf(() => withPg(() => Promise.resolve(), { connectTimeoutMs: 3000 }));
}

export function probeMariadb(): Promise<string | undefined> {
  return problemOf(() => withMy(() => Promise.resolve(), { connectTimeoutMs: 3000 }));
}

/**
 * The `skip` option of a test that needs `what`: the reason when `problem` is set and we are not
 * in CI; false otherwise (in CI the test runs and fails, see {@link assertReachable}).
 */
export function skipUnless(what: string, problem: string | undefined): string | false {
  if (problem === undefined || IN_CI) return false;
  return `${what} is not available (${problem}); start it to run this test`;
}

/** Throws a clear error when a needed service is unreachable (used at the start of a test). */
export function assertReachable(what: string, problem: string | undefined): void {
  if (problem !== undefined) throw new Error(`${what} is not available${IN_CI ? ' in CI' : ''}: ${problem}`);
}

// ---------------------------------------------------------------------------------------------
// Direct connections

export interface PgTarget {
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  connectTimeoutMs?: number;
}

/** Runs `fn` on a fresh PostgreSQL connection (default: the shared server as postgres). */
export async function withPg<T>(fn: (c: pg.Client) => Promise<T>, t: PgTarget = {}): Promise<T> {
  const c = new pg.Client({
    host: PG_HOST,
    port: t.port ?? PG_PORT,
    user: t.user ?? 'postgres',
    password: t.password,
    database: t.database ?? 'postgres',
    connectionTimeoutMillis: t.connectTimeoutMs ?? 10_000,
  });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

export interface MyTarget {
  user?: string;
  password?: string;
  database?: string;
  connectTimeoutMs?: number;
}

/** Runs `fn` on a fresh MariaDB connection (default: root with the empty password). */
export async function withMy<T>(fn: (c: mysql.Connection) => Promise<T>, t: MyTarget = {}): Promise<T> {
  const c = await mysql.createConnection({
    host: MY_HOST,
    port: MY_PORT,
    user: t.user ?? 'root',
    password: t.password ?? '',
    database: t.database,
    connectTimeout: t.connectTimeoutMs ?? 10_000,
  });
  c.on('error', () => undefined);
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Logs in to PostgreSQL and runs `SELECT 1`: undefined when that worked, else the error message. */
export function pgLoginError(user: string, password: string, port = PG_PORT): Promise<string | undefined> {
  return problemOf(() => withPg((c) => c.query('SELECT 1'), { user, password, port, connectTimeoutMs: 5000 }));
}

/** Logs in to MariaDB and runs `SELECT 1`: undefined when that worked, else the error message. */
export function myLoginError(user: string, password: string, database?: string): Promise<string | undefined> {
  return problemOf(() => withMy((c) => c.query('SELECT 1'), { user, password, database, connectTimeoutMs: 5000 }));
}

/** `"name"` with embedded quotes doubled. */
export function pgIdent(name: string): string {
  return pg.escapeIdentifier(name);
}

/** `'user'@'%'` for MariaDB, escaped. */
export function myAccount(user: string, host = '%'): string {
  return `${mysql.escape(user)}@${mysql.escape(host)}`;
}

export async function pgRoleExists(name: string, t: PgTarget = {}): Promise<boolean> {
  return withPg(async (c) => ((await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount ?? 0) > 0, t);
}

/** The role's VALID UNTIL (null when unset); throws when the role does not exist. */
export async function pgValidUntil(name: string, t: PgTarget = {}): Promise<Date | null> {
  return withPg(async (c) => {
    const r = await c.query<{ rolvaliduntil: Date | null }>('SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1', [name]);
    if (r.rows.length === 0) throw new Error(`role ${name} does not exist`);
    return r.rows[0].rolvaliduntil;
  }, t);
}

/** True when `password` is the role's password (checked against its SCRAM verifier: trust auth proves nothing). */
export async function pgPasswordIs(name: string, password: string, t: PgTarget = {}): Promise<boolean> {
  return withPg(async (c) => {
    const r = await c.query<{ rolpassword: string | null }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [name]);
    const v = r.rows[0]?.rolpassword;
    return typeof v === 'string' && scramMatches(v, password);
  }, t);
}

/** Checks a password against a PostgreSQL verifier `SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>`. */
export function scramMatches(verifier: string, password: string): boolean {
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  if (!m) return false;
  const salted = pbkdf2Sync(password.normalize('NFKC'), Buffer.from(m[2], 'base64'), Number(m[1]), 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const expected = Buffer.from(m[3], 'base64');
  return expected.length === storedKey.length && timingSafeEqual(expected, storedKey);
}

export async function myUserExists(name: string): Promise<boolean> {
  return withMy(async (c) => {
    const [rows] = await c.query('SELECT 1 FROM mysql.user WHERE User = ?', [name]);
    return Array.isArray(rows) && rows.length > 0;
  });
}

/** Polls `check` every 250 ms until it is true; throws `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------------------------
// Clean-up of what a test file created

/**
 * Remembers database users, schemas and databases a test file created (or Keep created for it)
 * and removes whatever is still there at the end. Failures are collected, not thrown, so one
 * missing object never hides the others.
 */
export class DbCleanup {
  readonly pgRoles = new Set<string>();
  readonly pgSchemas = new Set<string>();
  readonly myUsers = new Set<string>();
  readonly myDatabases = new Set<string>();

  async run(): Promise<string[]> {
    const problems: string[] = [];
    if (this.pgRoles.size > 0 || this.pgSchemas.size > 0) {
      const p = await problemOf(() =>
        withPg(async (c) => {
          for (const s of this.pgSchemas) {
            const e = await problemOf(() => c.query(`DROP SCHEMA IF EXISTS ${pgIdent(s)} CASCADE`));
            if (e) problems.push(`drop schema ${s}: ${e}`);
          }
          for (const r of this.pgRoles) {
            const exists = ((await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [r])).rowCount ?? 0) > 0;
            if (!exists) continue;
            const e = await problemOf(async () => {
              await c.query(`REASSIGN OWNED BY ${pgIdent(r)} TO CURRENT_USER`);
              await c.query(`DROP OWNED BY ${pgIdent(r)}`);
              await c.query(`DROP ROLE IF EXISTS ${pgIdent(r)}`);
            });
            if (e) problems.push(`drop role ${r}: ${e}`);
          }
        }),
      );
      if (p) problems.push(`postgres clean-up: ${p}`);
    }
    if (this.myUsers.size > 0 || this.myDatabases.size > 0) {
      const p = await problemOf(() =>
        withMy(async (c) => {
          for (const u of this.myUsers) {
            const e = await problemOf(() => c.query(`DROP USER IF EXISTS ${myAccount(u)}`));
            if (e) problems.push(`drop user ${u}: ${e}`);
          }
          for (const d of this.myDatabases) {
            const e = await problemOf(() => c.query(`DROP DATABASE IF EXISTS \`${d.replace(/`/g, '``')}\``));
            if (e) problems.push(`drop database ${d}: ${e}`);
          }
        }),
      );
      if (p) problems.push(`mariadb clean-up: ${p}`);
    }
    this.pgRoles.clear();
    this.pgSchemas.clear();
    this.myUsers.clear();
    this.myDatabases.clear();
    return problems;
  }
}

// ---------------------------------------------------------------------------------------------
// A private PostgreSQL cluster (scram-sha-256 on TCP)

export interface PrivatePostgres {
  readonly port: number;
  /** The superuser (created by initdb) and its password. */
  readonly user: string;
  readonly password: string;
  /** True between start() and stop(). */
  readonly running: boolean;
  /** A connection_url for Keep (templated). */
  readonly connectionUrl: string;
  start(): Promise<void>;
  /** Fast shutdown (open sessions are ended). */
  stop(): Promise<void>;
  /** Stops the cluster if running and removes its files. */
  destroy(): Promise<void>;
  /** Runs `fn` as the superuser over the unix socket (trust: works whatever the TCP password is). */
  admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T>;
  /** The server log (for failure messages). */
  log(): string;
}

function pgBinDir(): string | undefined {
  const fromEnv = process.env.KEEP_TEST_PG_BIN;
  if (fromEnv && existsSync(path.join(fromEnv, 'initdb'))) return fromEnv;
  const cfg = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (cfg.status === 0) {
    const dir = cfg.stdout.trim();
    if (existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'))) return dir;
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? path.join(root, versions[0], 'bin') : undefined;
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Why a private cluster cannot be started here (undefined when it can). */
export function privatePostgresProblem(): string | undefined {
  if (process.platform === 'win32') return 'not supported on Windows';
  if (!pgBinDir()) return 'PostgreSQL server binaries (initdb, pg_ctl) not found';
  if (isRoot) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    if (id.status !== 0) return 'running as root, but there is no postgres user to run the cluster as';
    if (spawnSync('runuser', ['--help'], { encoding: 'utf8' }).error) return 'running as root, but runuser is missing';
  }
  return undefined;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number; out: string }> {
  const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  return new Promise((resolve) => {
    execFile(file, argv, { timeout: timeoutMs, encoding: 'utf8', cwd: os.tmpdir() }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

const privateClusters = new Set<{ stopSync(): void }>();
let exitHookInstalled = false;

/** Starts a private cluster on a free port; throws with the reason when it cannot. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const problem = privatePostgresProblem();
  if (problem) throw new Error(`cannot start a private PostgreSQL: ${problem}`);
  const bin = pgBinDir() as string;
  // Not tempDir(): its exit hook would remove the files before the cluster is stopped.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keep-e2e-pg-'));
  chmodSync(dir, 0o755);
  const data = path.join(dir, 'data');
  const sock = path.join(dir, 'sock');
  const logFile = path.join(dir, 'pg.log');
  const pwFile = path.join(dir, 'pwfile');
  const user = 'keep';
  const password = randomBytes(12).toString('hex');
  writeFileSync(pwFile, `${password}\n`);
  mkdirSync(sock);
  if (isRoot) spawnSync('chown', ['-R', 'postgres:postgres', dir]);

  const init = await run(
    path.join(bin, 'initdb'),
    ['-D', data, '-U', user, `--pwfile=${pwFile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-sync'],
    60_000,
  );
  if (init.code !== 0) throw new Error(`initdb failed: ${init.out}`);
  rmSync(pwFile, { force: true });

  let port = await freePort();
  let running = false;
  const pgCtl = path.join(bin, 'pg_ctl');
  const stopSync = () => {
    if (!running) return;
    const [file, argv] = isRoot
      ? ['runuser', ['-u', 'postgres', '--', pgCtl, '-D', data, '-m', 'immediate', 'stop']]
      : [pgCtl, ['-D', data, '-m', 'immediate', 'stop']];
    spawnSync(file, argv, { timeout: 20_000 });
    running = false;
  };
  const handle = {
    stopSync() {
      stopSync();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  privateClusters.add(handle);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A test file that ends without destroy() (a crash, a kill): stop the cluster, remove it.
    process.on('exit', () => {
      for (const c of privateClusters) c.stopSync();
    });
  }
  const readLog = () => {
    try {
      return spawnSync('tail', ['-n', '40', logFile], { encoding: 'utf8' }).stdout ?? '';
    } catch {
      return '';
    }
  };

  const cluster: PrivatePostgres = {
    get port() {
      return port;
    },
    user,
    password,
    get running() {
      return running;
    },
    get connectionUrl() {
      return pgConnectionUrl(port);
    },
    async start() {
      if (running) return;
      for (let attempt = 0; ; attempt++) {
        const r = await run(
          pgCtl,
          ['-D', data, '-l', logFile, '-w', '-t', '60', '-o', `-p ${port} -k ${sock} -c listen_addresses=${PG_HOST} -c fsync=off -c max_connections=50`, 'start'],
          90_000,
        );
        if (r.code === 0) break;
        // The free port was taken meanwhile: try another one (only before anyone knows the port).
        if (attempt < 2 && /could not bind|address already in use/i.test(readLog())) {
          port = await freePort();
          continue;
        }
        throw new Error(`pg_ctl start failed: ${r.out}\n${readLog()}`);
      }
      running = true;
    },
    async stop() {
      if (!running) return;
      const r = await run(pgCtl, ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop'], 90_000);
      if (r.code !== 0) throw new Error(`pg_ctl stop failed: ${r.out}`);
      running = false;
    },
    async destroy() {
      try {
        if (running) await cluster.stop();
      } catch {
        stopSync();
      }
      privateClusters.delete(handle);
      rmSync(dir, { recursive: true, force: true });
    },
    admin(fn) {
      return withPgSocket(fn, sock, port, user);
    },
    log: readLog,
  };
  await cluster.start();
  return cluster;
}

async function withPgSocket<T>(fn: (c: pg.Client) => Promise<T>, sockDir: string, port: number, user: string): Promise<T> {
  const c = new pg.Client({ host: sockDir, port, user, database: 'postgres', connectionTimeoutMillis: 10_000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}
