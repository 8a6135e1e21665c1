/**
 * Lease scale (issue 5): one million active leases in core's expiration manager over the real
 * durable stack (SQLite physical, the AES-GCM barrier, the `sys/expire/` view), with a tiny
 * in-process secret type whose revoke does nothing, so what is measured is the manager's own
 * cost, not HTTP or a database.
 *
 * Phases and figures:
 * 1. create: `registerSecret` for every lease (bounded in flight; SQLite group-commits them);
 *    leases/s, and the process's memory growth (RSS and V8 heap, after a full GC) against the
 *    baseline taken with the stack open and warmed up;
 * 2. restart: stop the manager, close the storage; then time open storage -> new barrier ->
 *    unseal -> new manager -> start -> the first lookup answered (and the first worker pass);
 * 3. due revocation: move the manager's clock so that `due` leases (the earliest ones) are due,
 *    run one worker pass, leases revoked per second; check that exactly those went.
 *
 * Goals: memory growth < 100 MB, restart to serving < 2 s, >= 10,000 due leases revoked per second.
 * `BENCH_LEASES_PROFILE=1` writes a CPU profile of the create and revoke phases and prints the
 * hot spots (file:function) through profile-summary.ts.
 *
 * Run alone: `node --import tsx bench/leases.ts [--leases=N] [--due=N] [--batch-size=N] [--concurrency=N]
 * [--profile] [--json] [--keep-data]`
 * (env: BENCH_LEASES, BENCH_LEASES_DUE). The orchestrator calls runLeaseScale().
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Barrier } from '../src/barrier/barrier.ts';
import { BarrierView } from '../src/barrier/view.ts';
import { ExpirationManager } from '../src/core/expiration/manager.ts';
import type { Logger, SecretType, StorageView } from '../src/framework/types.ts';
import { openSqlite } from '../src/storage/sqlite.ts';
import type { SqlitePhysical } from '../src/storage/sqlite.ts';
import { formatSummary, summarize } from './profile-summary.ts';
import type { CpuProfile, ProfileSummary } from './profile-summary.ts';

export interface LeaseScaleOptions {
  /** Active leases to create (default 1,000,000). */
  leases: number;
  /** How many of them are made due for the revocation phase (default 200,000). */
  due: number;
  /** registerSecret calls in flight (default 2000). */
  inFlight: number;
  /** Distinct owning tokens (default 1000): the token index is part of the cost; 0 = leases without a token. */
  tokens: number;
  /** The manager's worker settings (undefined: core's defaults, 1000 per batch, 200 in flight). */
  batchSize?: number;
  concurrency?: number;
  /** Directory for the SQLite file (default: a fresh temp dir, removed at the end). */
  dataDir?: string;
  keepData: boolean;
  /** Write CPU profiles of the create and revoke phases here and summarise them. */
  profileDir?: string;
  log: (line: string) => void;
}

export interface MemoryFigures {
  rssMB: number;
  heapUsedMB: number;
  externalMB: number;
}

export interface LeaseScaleResult {
  leases: number;
  due: number;
  create: { seconds: number; perSec: number };
  memory: { baseline: MemoryFigures; afterCreate: MemoryFigures; growthRssMB: number; growthHeapMB: number };
  storage: { fileMB: number };
  restart: { toLookupMs: number; toFirstPassMs: number; openMs: number; unsealMs: number };
  revoke: { seconds: number; perSec: number; revoked: number; remainingChecked: boolean };
  goals: Array<{ name: string; target: string; measured: string; pass: boolean }>;
  profiles: Array<{ phase: string; file: string; summary: ProfileSummary }>;
}

const MB = 1024 * 1024;
const HOUR_MS = 3_600_000;
const MOUNT_TTL = 32 * 24 * 3600;

const silentLogger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A full GC: `--expose-gc` when given, else the flag is set at run time. */
function gcFunction(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function memory(gc: () => void): MemoryFigures {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  const r = (n: number) => Math.round((n / MB) * 10) / 10;
  return { rssMB: r(m.rss), heapUsedMB: r(m.heapUsed), externalMB: r(m.external) };
}

/** The synthetic engine: revoke and renew do nothing; the count proves they were called. */
class NullSecret implements SecretType {
  revoked = 0;
  async revoke(): Promise<void> {
    this.revoked++;
  }
  async renew(): Promise<void> {
    return undefined;
  }
}

interface Stack {
  physical: SqlitePhysical;
  barrier: Barrier;
  view: StorageView;
  manager: ExpirationManager;
}

interface StackOptions {
  file: string;
  rootKey: Buffer;
  engine: NullSecret;
  clock: { offsetMs: number };
  init: boolean;
  batchSize?: number;
  concurrency?: number;
}

async function openStack(so: StackOptions): Promise<Stack & { openMs: number; unsealMs: number }> {
  const { file, rootKey, engine, clock, init } = so;
  const t0 = performance.now();
  const physical = openSqlite(file);
  const barrier = new Barrier(physical);
  const openMs = performance.now() - t0;
  if (init) await barrier.initialize(rootKey);
  const t1 = performance.now();
  await barrier.unseal(rootKey);
  const unsealMs = performance.now() - t1;
  const view = new BarrierView(barrier, 'sys/expire/');
  const manager = new ExpirationManager({
    view,
    resolver: { resolve: () => ({ secretType: engine, storage: view }) },
    revokeToken: async () => undefined,
    logger: silentLogger,
    now: () => Date.now() + clock.offsetMs,
    // The scale run drives the worker itself (runOnce); the loop's own passes are far apart.
    workerIntervalMs: 3_600_000,
    batchSize: so.batchSize,
    concurrency: so.concurrency,
  });
  return { physical, barrier, view, manager, openMs, unsealMs };
}

async function closeStack(s: Stack): Promise<void> {
  await s.manager.stop();
  s.barrier.seal();
  await s.physical.close();
}

class Profiler {
  private session: Session | undefined;
  constructor(private readonly dir: string | undefined) {}

  async start(): Promise<void> {
    if (!this.dir) return;
    const s = new Session();
    s.connect();
    this.session = s;
    await this.post('Profiler.enable');
    await this.post('Profiler.setSamplingInterval', { interval: 500 });
    await this.post('Profiler.start');
  }

  async stop(phase: string): Promise<{ phase: string; file: string; summary: ProfileSummary } | undefined> {
    if (!this.dir || !this.session) return undefined;
    const r = (await this.post('Profiler.stop')) as { profile: CpuProfile };
    this.session.disconnect();
    this.session = undefined;
    const file = path.join(this.dir, `leases-${phase}.cpuprofile`);
    writeFileSync(file, JSON.stringify(r.profile));
    return { phase, file, summary: summarize(r.profile) };
  }

  private post(method: string, params?: Record<string, unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.session?.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res)));
    });
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export function readLeaseScaleOptions(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): LeaseScaleOptions {
  const arg = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const num = (v: string | undefined, d: number) => {
    const n = v === undefined ? d : Number(v.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < 0) throw new Error(`not a whole number: ${v}`);
    return n;
  };
  const leases = num(arg('leases') ?? env.BENCH_LEASES, 1_000_000);
  const due = Math.min(leases, num(arg('due') ?? env.BENCH_LEASES_DUE, 200_000));
  const profile = argv.includes('--profile') || env.BENCH_LEASES_PROFILE === '1';
  return {
    leases,
    due,
    inFlight: num(arg('in-flight'), 2000),
    tokens: num(arg('tokens'), 1000),
    batchSize: arg('batch-size') === undefined ? undefined : num(arg('batch-size'), 1000),
    concurrency: arg('concurrency') === undefined ? undefined : num(arg('concurrency'), 200),
    dataDir: arg('data-dir') ?? env.BENCH_LEASES_DIR,
    keepData: argv.includes('--keep-data'),
    profileDir: profile ? (arg('profile-dir') ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'results')) : undefined,
    log: (line) => process.stderr.write(`[leases] ${line}\n`),
  };
}

/** Runs the three phases; throws when a correctness check fails (wrong leases revoked, lookup failing). */
export async function runLeaseScale(partial: Partial<LeaseScaleOptions> = {}): Promise<LeaseScaleResult> {
  const o: LeaseScaleOptions = { ...readLeaseScaleOptions([], {}), ...partial };
  const log = o.log;
  const gc = gcFunction();
  const ownDir = o.dataDir === undefined;
  const dir = o.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'keep-bench-leases-'));
  const file = path.join(dir, 'leases.db');
  const rootKey = randomBytes(32);
  const engine = new NullSecret();
  const clock = { offsetMs: 0 };
  const profiler = new Profiler(o.profileDir);
  const profiles: LeaseScaleResult['profiles'] = [];
  const tokens = o.tokens > 0 ? Array.from({ length: o.tokens }, () => randomBytes(16).toString('hex')) : [''];

  let stack: Stack | undefined;
  try {
    const worker = { batchSize: o.batchSize, concurrency: o.concurrency };
    stack = await openStack({ file, rootKey, engine, clock, init: true, ...worker });
    // Due leases expire within [1 h, 2 h); the others within [3 h, 27 h): moving the clock by
    // 2.5 h makes exactly the due ones due.
    const ttlOf = (i: number) => (i < o.due ? 3600 + ((i * 7919) % 3600) : 3 * 3600 + ((i * 104729) % (24 * 3600)));
    const register = (m: ExpirationManager, i: number) =>
      m.registerSecret({
        path: `db/creds/bench-${i % 16}`,
        tokenHash: tokens[i % tokens.length],
        secret: { type: 'creds', ttl: ttlOf(i), maxTTL: 0, renewable: true, internalData: { username: `v-bench-${i}`, role: `bench-${i % 16}`, db_name: 'pg' } },
        data: { username: `v-bench-${i}`, password: 'A1a-0123456789abcdef' },
        mountAccessor: 'database_bench',
        mountDefaultTTL: MOUNT_TTL,
        mountMaxTTL: MOUNT_TTL,
      });

    // Warm-up on a separate store (code paths compiled, allocator settled), then the baseline.
    {
      const warmDir = mkdtempSync(path.join(os.tmpdir(), 'keep-bench-leases-warm-'));
      const warm = await openStack({ file: path.join(warmDir, 'w.db'), rootKey, engine: new NullSecret(), clock: { offsetMs: 0 }, init: true });
      for (let i = 0; i < 20_000; i += 1000) await Promise.all(Array.from({ length: 1000 }, (_, k) => register(warm.manager, i + k)));
      await closeStack(warm);
      rmSync(warmDir, { recursive: true, force: true });
    }
    const baseline = memory(gc);
    log(`baseline: rss ${baseline.rssMB} MB, heap ${baseline.heapUsedMB} MB`);

    // 1. Create.
    log(`creating ${fmt(o.leases)} leases (${fmt(o.due)} of them due after the clock moves), ${o.inFlight} in flight`);
    await profiler.start();
    const ids: string[] = [];
    const sampleEvery = Math.max(1, Math.floor(o.leases / 1000));
    const t0 = performance.now();
    let next = 0;
    let lastReport = t0;
    const m0 = stack.manager;
    const workers = Array.from({ length: Math.max(1, Math.min(o.inFlight, o.leases)) }, async () => {
      while (next < o.leases) {
        const i = next++;
        const r = await register(m0, i);
        if (i % sampleEvery === 0) ids.push(r.leaseId);
        if (i % 100_000 === 0 && performance.now() - lastReport > 5000) {
          lastReport = performance.now();
          log(`  ${fmt(i)} created (${fmt(i / ((lastReport - t0) / 1000))}/s)`);
        }
      }
    });
    await Promise.all(workers);
    const createSec = (performance.now() - t0) / 1000;
    const p1 = await profiler.stop('create');
    if (p1) profiles.push(p1);
    const afterCreate = memory(gc);
    log(`created in ${createSec.toFixed(1)} s (${fmt(o.leases / createSec)}/s); rss ${afterCreate.rssMB} MB, heap ${afterCreate.heapUsedMB} MB`);

    // A lookup of a lease that is not due, for the restart check.
    const probeId = ids[ids.length - 1];
    if (!(await stack.manager.lookup(probeId))) throw new Error('a created lease cannot be looked up');

    // 2. Restart.
    await closeStack(stack);
    stack = undefined;
    const fileMB = Math.round((sizeOf(file) / MB) * 10) / 10;
    const r0 = performance.now();
    const reopened = await openStack({ file, rootKey, engine, clock, init: false, ...worker });
    stack = reopened;
    reopened.manager.start();
    const look = await reopened.manager.lookup(probeId);
    const toLookupMs = performance.now() - r0;
    if (!look) throw new Error('after the restart, the lookup found nothing');
    await reopened.manager.runOnce();
    const toFirstPassMs = performance.now() - r0;
    log(`restart: lookup answered after ${toLookupMs.toFixed(0)} ms (first worker pass done after ${toFirstPassMs.toFixed(0)} ms)`);

    // 3. Due revocation.
    clock.offsetMs = 2.5 * HOUR_MS;
    await profiler.start();
    const d0 = performance.now();
    const revoked = await reopened.manager.runOnce();
    const revokeSec = (performance.now() - d0) / 1000;
    const p2 = await profiler.stop('revoke');
    if (p2) profiles.push(p2);
    log(`revoked ${fmt(revoked)} due leases in ${revokeSec.toFixed(2)} s (${fmt(revoked / revokeSec)}/s)`);
    if (revoked !== o.due || engine.revoked !== o.due) {
      throw new Error(`expected ${o.due} revocations, the pass reported ${revoked} and the engine saw ${engine.revoked}`);
    }
    // Exactly the due ones went: sampled ids below `due` are gone, the others remain.
    let checked = true;
    for (let k = 0; k < ids.length; k++) {
      const i = k * sampleEvery;
      const present = (await reopened.manager.lookup(ids[k])) !== undefined;
      if (present === i < o.due) {
        checked = false;
        throw new Error(`lease #${i} is ${present ? 'still there' : 'gone'} after the due pass`);
      }
    }

    const result: LeaseScaleResult = {
      leases: o.leases,
      due: o.due,
      create: { seconds: round(createSec, 2), perSec: Math.round(o.leases / createSec) },
      memory: {
        baseline,
        afterCreate,
        growthRssMB: round(afterCreate.rssMB - baseline.rssMB, 1),
        growthHeapMB: round(afterCreate.heapUsedMB - baseline.heapUsedMB, 1),
      },
      storage: { fileMB },
      restart: { toLookupMs: round(toLookupMs, 1), toFirstPassMs: round(toFirstPassMs, 1), openMs: round(reopened.openMs, 1), unsealMs: round(reopened.unsealMs, 1) },
      revoke: { seconds: round(revokeSec, 2), perSec: Math.round(revoked / revokeSec), revoked, remainingChecked: checked },
      goals: [],
      profiles,
    };
    result.goals = leaseGoals(result);
    return result;
  } finally {
    if (stack) await closeStack(stack).catch(() => undefined);
    if (ownDir && !o.keepData) rmSync(dir, { recursive: true, force: true });
    else log(`data kept in ${dir}`);
  }
}

function sizeOf(file: string): number {
  let n = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      n += statSync(f).size;
    } catch {
      // absent
    }
  }
  return n;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** The goals against the measured figures. */
export function leaseGoals(r: LeaseScaleResult): LeaseScaleResult['goals'] {
  const growth = Math.max(r.memory.growthRssMB, r.memory.growthHeapMB);
  return [
    { name: 'memory growth with active leases', target: '< 100 MB', measured: `${growth} MB (rss ${r.memory.growthRssMB}, heap ${r.memory.growthHeapMB})`, pass: growth < 100 },
    { name: 'restart to serving', target: '< 2 s', measured: `${r.restart.toLookupMs} ms`, pass: r.restart.toLookupMs < 2000 },
    { name: 'due leases revoked', target: '>= 10,000/s', measured: `${fmt(r.revoke.perSec)}/s`, pass: r.revoke.perSec >= 10_000 },
  ];
}

export function formatLeaseScale(r: LeaseScaleResult): string {
  const lines = [
    `Lease scale: ${fmt(r.leases)} active leases in the expiration manager (SQLite + barrier, synthetic engine)`,
    `  create          ${fmt(r.create.perSec)} leases/s (${r.create.seconds} s); SQLite file ${r.storage.fileMB} MB`,
    `  memory          baseline rss ${r.memory.baseline.rssMB} MB / heap ${r.memory.baseline.heapUsedMB} MB -> rss ${r.memory.afterCreate.rssMB} MB / heap ${r.memory.afterCreate.heapUsedMB} MB (after GC)`,
    `  restart         lookup answered after ${r.restart.toLookupMs} ms (open ${r.restart.openMs} ms, unseal ${r.restart.unsealMs} ms); first worker pass done after ${r.restart.toFirstPassMs} ms`,
    `  due revocation  ${fmt(r.revoke.revoked)} leases in ${r.revoke.seconds} s = ${fmt(r.revoke.perSec)}/s`,
    '  goals:',
    ...r.goals.map((g) => `    ${g.pass ? 'PASS' : 'MISS'}  ${g.name}: ${g.measured} (goal ${g.target})`),
  ];
  for (const p of r.profiles) lines.push('', formatSummary(`CPU profile, ${p.phase} phase (${p.file})`, p.summary));
  return lines.join('\n');
}

async function main(): Promise<number> {
  const opts = readLeaseScaleOptions();
  const r = await runLeaseScale(opts);
  process.stdout.write(`${formatLeaseScale(r)}\n`);
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(r)}\n`);
  return r.goals.every((g) => g.pass) ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`[leases] failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
