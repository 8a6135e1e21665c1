/**
 * Results: ratios against the floor, the goals of the benchmark, the stdout table and the facts
 * about the machine that go into the JSON file.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, release, totalmem, type } from 'node:os';
import type { DurabilityReport } from './durability.ts';
import type { LoadResult } from './load-types.ts';

/** The server process's CPU time over a measured phase (all threads, user + system). */
export interface ServerCpu {
  ms: number;
  usPerRequest: number;
  /** ms of CPU per ms of wall time: ~1.0 = one core saturated. */
  utilisation: number;
}

export interface ScenarioResult {
  /** floor, floor-after, kv-read, token-lookup-self, kv-write */
  name: string;
  label: string;
  target: 'floor' | 'keep';
  method: string;
  path: string;
  result: LoadResult;
  serverCpu?: ServerCpu;
  /** Filled for Keep scenarios. */
  rpsRatio?: number;
  p99Ratio?: number;
  /** Server CPU per request as a multiple of the floor's. */
  cpuRatio?: number;
}

export interface FloorReference {
  rps: number;
  p99Ms: number;
  runs: number;
  /** (max - min) / mean of the floor runs' req/s; 0 with one run. */
  spread: number;
  /** Mean server CPU µs per request of the floor runs, when measured. */
  cpuUsPerRequest?: number;
}

export interface Goal {
  name: string;
  target: string;
  measured: string;
  /** null: not measured in this run. */
  pass: boolean | null;
  /** Correctness goals fail the run even without BENCH_STRICT. */
  correctness: boolean;
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

export function floorReference(floors: ScenarioResult[]): FloorReference {
  const rps = floors.map((f) => f.result.rps);
  const mean = rps.reduce((a, b) => a + b, 0) / rps.length;
  const p99 = floors.reduce((a, f) => a + f.result.latencyMs.p99, 0) / floors.length;
  const cpu = floors.map((f) => f.serverCpu?.usPerRequest).filter((x): x is number => x !== undefined);
  const ref: FloorReference = { rps: mean, p99Ms: p99, runs: floors.length, spread: rps.length > 1 ? (Math.max(...rps) - Math.min(...rps)) / mean : 0 };
  if (cpu.length === floors.length && cpu.length > 0) ref.cpuUsPerRequest = round(cpu.reduce((a, b) => a + b, 0) / cpu.length, 1);
  return ref;
}

export function addRatios(results: ScenarioResult[], floor: FloorReference): void {
  for (const r of results) {
    if (r.target !== 'keep') continue;
    r.rpsRatio = floor.rps > 0 ? round(r.result.rps / floor.rps, 3) : undefined;
    r.p99Ratio = floor.p99Ms > 0 ? round(r.result.latencyMs.p99 / floor.p99Ms, 2) : undefined;
    if (r.serverCpu && floor.cpuUsPerRequest) r.cpuRatio = round(r.serverCpu.usPerRequest / floor.cpuUsPerRequest, 2);
  }
}

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const fmtMs = (n: number) => n.toFixed(n >= 100 ? 1 : n >= 10 ? 2 : 3);

export function evaluateGoals(results: ScenarioResult[], floor: FloorReference, durability: DurabilityReport | undefined): Goal[] {
  const read = results.find((r) => r.name === 'kv-read');
  const write = results.find((r) => r.name === 'kv-write');
  const p99Limit = Math.max(2 * floor.p99Ms, 5);
  const goals: Goal[] = [];
  goals.push({
    name: 'KV v2 read throughput',
    target: `>= 50% of floor req/s (${fmtInt(floor.rps / 2)} req/s)`,
    measured: read ? `${fmtInt(read.result.rps)} req/s = ${(100 * (read.rpsRatio ?? 0)).toFixed(1)}% of floor` : 'not run',
    pass: read ? read.result.rps >= 0.5 * floor.rps : null,
    correctness: false,
  });
  goals.push({
    name: 'KV v2 read p99',
    target: `<= max(2 x floor p99, 5 ms) = ${fmtMs(p99Limit)} ms`,
    measured: read ? `${fmtMs(read.result.latencyMs.p99)} ms` : 'not run',
    pass: read ? read.result.latencyMs.p99 <= p99Limit : null,
    correctness: false,
  });
  goals.push({
    name: 'KV v2 write throughput',
    target: '>= 3,000 req/s',
    measured: write ? `${fmtInt(write.result.rps)} req/s` : 'not run',
    pass: write ? write.result.rps >= 3000 : null,
    correctness: false,
  });
  goals.push({
    name: 'Acknowledged writes durable',
    target: durability?.afterCrash === false ? 'all present after the run' : 'all present after kill -9 and restart',
    measured: durability
      ? `${fmtInt(durability.acknowledged)} acknowledged, ${fmtInt(durability.storedVersions)} versions stored` +
        (durability.sampleFailures.length ? `; read-back failures: ${durability.sampleFailures.slice(0, 3).join(', ')}` : '')
      : 'not run',
    pass: durability ? durability.pass : null,
    correctness: true,
  });
  for (const r of results) {
    const bad = r.result.non2xx + r.result.socketErrors;
    if (bad > 0) {
      goals.push({
        name: `${r.label}: no failed requests`,
        target: '0 non-2xx responses and 0 socket errors',
        measured: `${fmtInt(r.result.non2xx)} non-2xx, ${fmtInt(r.result.socketErrors)} socket errors`,
        pass: false,
        correctness: true,
      });
    }
  }
  return goals;
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
}

/** The stdout table. */
export function formatTable(results: ScenarioResult[], floor: FloorReference, goals: Goal[], header: string): string {
  const head = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'req/s / floor', 'p99 / floor', 'CPU µs/req', 'CPU / floor', 'server busy', 'non-2xx', 'errors'];
  const rows = results.map((r) => [
    r.label,
    fmtInt(r.result.rps),
    fmtMs(r.result.latencyMs.p50),
    fmtMs(r.result.latencyMs.p99),
    r.rpsRatio === undefined ? '-' : `${r.rpsRatio.toFixed(3)} (${(100 * r.rpsRatio).toFixed(1)}%)`,
    r.p99Ratio === undefined ? '-' : `${r.p99Ratio.toFixed(2)}x`,
    r.serverCpu ? r.serverCpu.usPerRequest.toFixed(1) : '-',
    r.cpuRatio === undefined ? '-' : `${r.cpuRatio.toFixed(2)}x`,
    r.serverCpu ? `${Math.round(100 * r.serverCpu.utilisation)}%` : '-',
    fmtInt(r.result.non2xx),
    fmtInt(r.result.socketErrors),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const lines = [header, '', pad(head, widths), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of rows) lines.push(pad(row, widths));
  lines.push('');
  lines.push(
    `floor reference: ${fmtInt(floor.rps)} req/s, p99 ${fmtMs(floor.p99Ms)} ms` +
      (floor.cpuUsPerRequest !== undefined ? `, ${floor.cpuUsPerRequest} µs server CPU per request` : '') +
      (floor.runs > 1 ? ` (mean of ${floor.runs} floor runs; they differ by ${(100 * floor.spread).toFixed(1)}%)` : ''),
  );
  lines.push(
    'CPU µs/req: server process CPU time (all threads) per response over the measured phase; ' +
      'server busy: that CPU time per wall-clock time (100% = one core saturated; well below 100% on a pinned, ' +
      'saturated server means it waited: on I/O, or on other processes sharing its core).',
  );
  const starved = results.filter((r) => r.serverCpu !== undefined && r.serverCpu.utilisation < 0.8 && r.target === 'floor');
  if (floor.spread > 0.2 || starved.length > 0) {
    lines.push(
      'warning: the machine was not quiet (' +
        [floor.spread > 0.2 ? `floor runs differ by ${(100 * floor.spread).toFixed(0)}%` : '', starved.length ? 'a floor server was not saturated' : '']
          .filter((x) => x !== '')
          .join(', ') +
        '): req/s ratios are unreliable; CPU µs/req is the steadier comparison.',
    );
  }
  lines.push('');
  lines.push('Goals:');
  for (const g of goals) {
    const mark = g.pass === null ? 'SKIP' : g.pass ? 'PASS' : 'FAIL';
    lines.push(`  [${mark}] ${g.name}: ${g.measured} (target ${g.target})`);
  }
  return lines.join('\n');
}

function tryRun(cmd: string, args: string[], cwd?: string): string | undefined {
  try {
    return execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8').trim();
  } catch {
    return undefined;
  }
}

export interface MachineFacts {
  cpus: number;
  cpuModel: string;
  totalMemGiB: number;
  os: string;
  node: string;
  /** 1-minute load average when the run started (other work on the machine skews every figure). */
  loadAvgAtStart: number;
  loadTool: string;
  pinning: { server: string; load: string } | null;
  dataFilesystem?: string;
  git?: { commit: string; dirty: boolean };
}

/** Facts about this machine and checkout (read-only commands only). */
export function machineFacts(opts: { repoRoot: string; dataDir: string; loadTool: string; serverCpus?: string; loadCpus?: string }): MachineFacts {
  const commit = tryRun('git', ['rev-parse', '--short', 'HEAD'], opts.repoRoot);
  const status = tryRun('git', ['status', '--porcelain', '--untracked-files=no'], opts.repoRoot);
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    totalMemGiB: round(totalmem() / 2 ** 30, 1),
    os: `${type()} ${release()}`,
    node: process.version,
    loadAvgAtStart: round(loadavg()[0], 2),
    loadTool: opts.loadTool,
    pinning: opts.serverCpus !== undefined && opts.loadCpus !== undefined ? { server: opts.serverCpus, load: opts.loadCpus } : null,
    dataFilesystem: tryRun('findmnt', ['-n', '-o', 'FSTYPE', '-T', opts.dataDir]),
    git: commit ? { commit, dirty: (status ?? '') !== '' } : undefined,
  };
}
