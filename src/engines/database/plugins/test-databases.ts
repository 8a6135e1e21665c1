/**
 * Test helpers for the plugin tests against real servers: PostgreSQL on 127.0.0.1:5432 (user
 * postgres, trust auth) and MariaDB/MySQL on 127.0.0.1:3306 (root, empty password). When a
 * server is unreachable the suites are skipped with the reason, except when CI=true, where the
 * tests fail instead (CI must run them).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { it } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';

export const PG_HOST = '127.0.0.1';
/** Overridable to point the tests at another server (or to see the skip path). */
export const PG_PORT = Number(process.env.KEEP_TEST_PG_PORT ?? 5432);
export const MY_HOST = '127.0.0.1';
export const MY_PORT = Number(process.env.KEEP_TEST_MYSQL_PORT ?? 3306);

export const PG_ADMIN_URL = `postgresql://postgres@${PG_HOST}:${PG_PORT}/postgres?sslmode=disable`;
export const MY_ADMIN_URL = `{{username}}:{{password}}@tcp(${MY_HOST}:${MY_PORT})/`;

/** A unique, lower-case, SQL-friendly name. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

async function probe(fn: () => Promise<void>): Promise<string | undefined> {
  try {
    await fn();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export async function probePostgres(): Promise<string | undefined> {
  return probe(async () => {
    const c = new pg.Client({ host: PG_HOST, port: PG_PORT, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 3000 });
    await c.connect();
    await c.end();
  });
}

export async function probeMysql(): Promise<string | undefined> {
  return probe(async () => {
    const c = await mysql.createConnection({ host: MY_HOST, port: MY_PORT, user: 'root', password: '', connectTimeout: 3000 });
    await c.end();
  });
}

/**
 * The `skip` option for a suite: a reason when the server is down (outside CI), else false.
 * In CI a down server yields false too, and `requireServer` adds a failing test.
 */
export function skipReason(what: string, problem: string | undefined): string | false {
  if (problem === undefined || process.env.CI === 'true') return false;
  return `${what} is unreachable (${problem}); start it to run these tests`;
}

/** In CI, a test that fails when the server is unreachable. */
export function requireServer(what: string, problem: string | undefined): void {
  if (problem !== undefined && process.env.CI === 'true') {
    it(`${what} is reachable`, () => {
      throw new Error(`${what} is unreachable in CI: ${problem}`);
    });
  }
}

export async function pgAdmin(): Promise<pg.Client> {
  const c = new pg.Client({ host: PG_HOST, port: PG_PORT, user: 'postgres', database: 'postgres' });
  await c.connect();
  return c;
}

export async function myAdmin(): Promise<mysql.Connection> {
  return mysql.createConnection({ host: MY_HOST, port: MY_PORT, user: 'root', password: '' });
}

/** Connects to MariaDB as a user; resolves to the error message on failure, undefined on success. */
export async function mysqlLoginError(user: string, password: string, database?: string): Promise<string | undefined> {
  return probe(async () => {
    const c = await mysql.createConnection({ host: MY_HOST, port: MY_PORT, user, password, database, connectTimeout: 5000 });
    await c.query('SELECT 1');
    await c.end();
  });
}

/**
 * True when `password` matches a PostgreSQL SCRAM-SHA-256 verifier
 * (`SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>`): with trust auth a login proves
 * nothing, so tests check the stored verifier instead.
 */
export function scramMatches(verifier: string, password: string): boolean {
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  if (!m) return false;
  const salted = pbkdf2Sync(password, Buffer.from(m[2], 'base64'), Number(m[1]), 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const stored = createHash('sha256').update(clientKey).digest();
  const expected = Buffer.from(m[3], 'base64');
  return expected.length === stored.length && timingSafeEqual(expected, stored);
}
