/**
 * Dynamic database credentials per second (issue 5): a real `keep server` on durable SQLite
 * storage with a static seal (started like the main benchmark, bench/keep-server.ts) issues
 * PostgreSQL users through `GET db/creds/<role>` and revokes them, with bounded concurrency.
 *
 * Figures:
 * - issued/s: `GET /v1/db/creds/<role>` (CREATE ROLE in PostgreSQL + the lease written durably);
 * - revoked/s (sync): `PUT /v1/sys/leases/revoke {sync: true}` per lease (the default PostgreSQL
 *   revocation: privileges revoked, owned objects reassigned, DROP ROLE; the lease deleted);
 * - revoked/s (worker): one `revoke-prefix` with sync=false queues the rest; the time until the
 *   last role is gone from pg_roles.
 * Latency percentiles of the request phases, and a check that no role is left behind.
 *
 * Run alone: `node --import tsx bench/db-creds.ts [--count=N] [--concurrency=N] [--max-open=N]`
 * (env: BENCH_DB_CREDS_COUNT, BENCH_DB_CREDS_CONCURRENCY, BENCH_DB_MAX_OPEN, KEEP_TEST_PG_PORT).
 * Needs PostgreSQL on 127.0.0.1:5432 with trust auth for user postgres; without it the run is
 * skipped with a message. The orchestrator calls runDbCredsBench().
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { api, expectStatus } from './keep-api.ts';
import { freePort, initKeep, newSealKey, startKeep } from './keep-server.ts';
import type { KeepProcess } from './keep-server.ts';
import { stopChild } from './procs.ts';

export interface DbCredsOptions {
  /** Credentials issued (and revoked) in the measured run (default 2000). */
  count: number;
  /** Requests in flight (default 16). */
  concurrency: number;
  /** The connection's max_open_connections (default 4, the engine default). */
  maxOpen: number;
  /** Issued and revoked before measuring (default 100). */
  warmup: number;
  pgPort: number;
  /** taskset CPU list for the Keep process. */
  cpus?: string;
  log: (line: string) => void;
}

export interface Latency {
  p50: number;
  p99: number;
  max: number;
}

export interface DbCredsResult {
  skipped?: string;
  count: number;
  concurrency: number;
  maxOpen: number;
  issue: { perSec: number; seconds: number; latencyMs: Latency; errors: number };
  revokeSync: { perSec: number; seconds: number; count: number; latencyMs: Latency; errors: number };
  revokeWorker: { perSec: number; seconds: number; count: number };
  leftoverRoles: number;
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function readDbCredsOptions(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): DbCredsOptions {
  const arg = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const num = (v: string | undefined, d: number, min = 1) => {
    const n = v === undefined ? d : Number(v.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < min) throw new Error(`not a whole number >= ${min}: ${v}`);
    return n;
  };
  return {
    count: num(arg('count') ?? env.BENCH_DB_CREDS_COUNT, 2000, 2),
    concurrency: num(arg('concurrency') ?? env.BENCH_DB_CREDS_CONCURRENCY, 16),
    maxOpen: num(arg('max-open') ?? env.BENCH_DB_MAX_OPEN, 4),
    warmup: num(arg('warmup'), 100, 0),
    pgPort: num(env.KEEP_TEST_PG_PORT, 5432),
    cpus: arg('cpus') ?? env.BENCH_SERVER_CPUS,
    log: (line) => process.stderr.write(`[db-creds] ${line}\n`),
  };
}

function latency(ms: number[]): Latency {
  if (ms.length === 0) return { p50: 0, p99: 0, max: 0 };
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  const r = (n: number) => Math.round(n * 10) / 10;
  return { p50: r(at(0.5)), p99: r(at(0.99)), max: r(s[s.length - 1]) };
}

/** Runs `fn` for 0..n-1 with at most `limit` in flight; returns per-call latencies (ms) and error count. */
async function pool(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<{ ms: number[]; errors: number; seconds: number; firstError?: string }> {
  const ms: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) {
        const i = next++;
        const s = performance.now();
        try {
          await fn(i);
          ms.push(performance.now() - s);
        } catch (e) {
          errors++;
          firstError ??= e instanceof Error ? e.message : String(e);
        }
      }
    }),
  );
  return { ms, errors, seconds: (performance.now() - t0) / 1000, firstError };
}

async function pgQuery<T extends pg.QueryResultRow>(port: number, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 3000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Roles whose name starts with the usernames of `role` issued to the root token. */
function rolePattern(role: string): string {
  return `v-root-${role.slice(0, 8)}-%`;
}

async function countRoles(port: number, role: string): Promise<number> {
  const rows = await pgQuery<{ n: string }>(port, 'SELECT count(*) AS n FROM pg_roles WHERE rolname LIKE $1', [rolePattern(role)]);
  return Number(rows[0].n);
}

async function dropRoles(port: number, role: string): Promise<number> {
  const rows = await pgQuery<{ rolname: string }>(port, 'SELECT rolname FROM pg_roles WHERE rolname LIKE $1', [rolePattern(role)]);
  for (const r of rows) {
    const id = pg.escapeIdentifier(r.rolname);
    await pgQuery(port, `DROP OWNED BY ${id}`).catch(() => undefined);
    await pgQuery(port, `DROP ROLE IF EXISTS ${id}`).catch(() => undefined);
  }
  return rows.length;
}

export async function runDbCredsBench(partial: Partial<DbCredsOptions> = {}): Promise<DbCredsResult> {
  const o: DbCredsOptions = { ...readDbCredsOptions([], {}), ...partial };
  const log = o.log;
  const empty: DbCredsResult = {
    count: o.count,
    concurrency: o.concurrency,
    maxOpen: o.maxOpen,
    issue: { perSec: 0, seconds: 0, latencyMs: latency([]), errors: 0 },
    revokeSync: { perSec: 0, seconds: 0, count: 0, latencyMs: latency([]), errors: 0 },
    revokeWorker: { perSec: 0, seconds: 0, count: 0 },
    leftoverRoles: 0,
  };
  try {
    await pgQuery(o.pgPort, 'SELECT 1');
  } catch (e) {
    const reason = `PostgreSQL on 127.0.0.1:${o.pgPort} is not reachable (${e instanceof Error ? e.message : String(e)})`;
    log(`skipped: ${reason}`);
    return { ...empty, skipped: reason };
  }

  // A role name of 8 lower-case characters: the usernames' prefix is unique to this run.
  const role = `b${randomBytes(4).toString('hex').slice(0, 7)}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'keep-bench-dbcreds-'));
  let keep: KeepProcess | undefined;
  try {
    keep = await startKeep({ repoRoot: REPO_ROOT, dataDir, port: await freePort(), sealKeyHex: newSealKey(), cpus: o.cpus, logFile: path.join(dataDir, 'keep.log') });
    const origin = keep.origin;
    const token = await initKeep(origin);
    const call = (method: string, p: string, body?: unknown) => api(origin, method, `/v1/${p}`, { token, body, timeoutMs: 60_000 });
    expectStatus(await call('POST', 'sys/mounts/db', { type: 'database' }), 'mount database');
    expectStatus(
      await call('POST', 'db/config/pg', {
        plugin_name: 'postgresql-database-plugin',
        connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:${o.pgPort}/postgres?sslmode=disable`,
        username: 'postgres',
        password: 'trust',
        allowed_roles: role,
        max_open_connections: o.maxOpen,
      }),
      'write db/config/pg',
    );
    expectStatus(
      await call('POST', `db/roles/${role}`, {
        db_name: 'pg',
        creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`],
        default_ttl: '1h',
      }),
      'write role',
    );

    const issueOne = async (ids: string[]) => {
      const r = await call('GET', `db/creds/${role}`);
      expectStatus(r, 'issue', [200]);
      const id = (r.body as { lease_id?: unknown }).lease_id;
      if (typeof id !== 'string' || id === '') throw new Error('issue: no lease_id');
      ids.push(id);
    };
    const revokeOne = async (id: string) => expectStatus(await call('PUT', 'sys/leases/revoke', { lease_id: id, sync: true }), 'revoke', [204]);

    if (o.warmup > 0) {
      log(`warm-up: ${o.warmup} issued and revoked`);
      const warm: string[] = [];
      await pool(o.warmup, o.concurrency, () => issueOne(warm));
      await pool(warm.length, o.concurrency, (i) => revokeOne(warm[i]));
    }

    log(`issuing ${o.count} credentials, ${o.concurrency} in flight, pool of ${o.maxOpen} connections`);
    const ids: string[] = [];
    const issued = await pool(o.count, o.concurrency, () => issueOne(ids));
    if (issued.errors > 0) log(`  ${issued.errors} issue errors, first: ${issued.firstError}`);
    log(`  ${Math.round(ids.length / issued.seconds)} issued/s`);

    const half = Math.floor(ids.length / 2);
    log(`revoking ${half} with sync revoke requests`);
    const revoked = await pool(half, o.concurrency, (i) => revokeOne(ids[i]));
    if (revoked.errors > 0) log(`  ${revoked.errors} revoke errors, first: ${revoked.firstError}`);
    const syncCount = half - revoked.errors;
    log(`  ${Math.round(syncCount / revoked.seconds)} revoked/s`);

    const rest = ids.length - half;
    log(`revoking the other ${rest} through the expiration worker (revoke-prefix, sync=false)`);
    const w0 = performance.now();
    expectStatus(await call('PUT', `sys/leases/revoke-prefix/db/creds/${role}`, { sync: false }), 'revoke-prefix', [202, 204]);
    const deadline = Date.now() + 600_000;
    let left = await countRoles(o.pgPort, role);
    while (left > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      left = await countRoles(o.pgPort, role);
    }
    const workerSec = (performance.now() - w0) / 1000;
    log(`  ${Math.round(rest / workerSec)} revoked/s by the worker`);

    return {
      count: o.count,
      concurrency: o.concurrency,
      maxOpen: o.maxOpen,
      issue: { perSec: Math.round(ids.length / issued.seconds), seconds: round2(issued.seconds), latencyMs: latency(issued.ms), errors: issued.errors },
      revokeSync: { perSec: Math.round(syncCount / revoked.seconds), seconds: round2(revoked.seconds), count: syncCount, latencyMs: latency(revoked.ms), errors: revoked.errors },
      revokeWorker: { perSec: Math.round(rest / workerSec), seconds: round2(workerSec), count: rest },
      leftoverRoles: left,
    };
  } finally {
    if (keep) await stopChild(keep.child, 'SIGTERM');
    const dropped = await dropRoles(o.pgPort, role).catch(() => 0);
    if (dropped > 0) log(`dropped ${dropped} leftover roles`);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export function formatDbCreds(r: DbCredsResult): string {
  if (r.skipped) return `Database credentials: skipped (${r.skipped})`;
  const l = (x: Latency) => `p50 ${x.p50} ms, p99 ${x.p99} ms, max ${x.max} ms`;
  return [
    `Database credentials on PostgreSQL (keep server on SQLite, ${r.concurrency} in flight, pool of ${r.maxOpen} connections, ${r.count} credentials)`,
    `  issued          ${r.issue.perSec}/s (${l(r.issue.latencyMs)})${r.issue.errors ? `, ${r.issue.errors} errors` : ''}`,
    `  revoked (sync)  ${r.revokeSync.perSec}/s over ${r.revokeSync.count} (${l(r.revokeSync.latencyMs)})${r.revokeSync.errors ? `, ${r.revokeSync.errors} errors` : ''}`,
    `  revoked (worker) ${r.revokeWorker.perSec}/s over ${r.revokeWorker.count} (revoke-prefix queued, until the last role was gone)`,
    `  roles left behind: ${r.leftoverRoles}`,
  ].join('\n');
}

async function main(): Promise<number> {
  const r = await runDbCredsBench(readDbCredsOptions());
  process.stdout.write(`${formatDbCreds(r)}\n`);
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(r)}\n`);
  return r.skipped || r.leftoverRoles > 0 || r.issue.errors > 0 || r.revokeSync.errors > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`[db-creds] failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
