/**
 * `npm run bench`: measures, in one run on this machine, a bare node:http floor and Keep (KV v2
 * read, KV v2 write, token lookup-self) on durable SQLite storage, with the load generator in
 * another process (pinned to another CPU when taskset exists), and prints req/s, p50, p99 and the
 * ratios to the floor. Results also go to bench/results/bench-<stamp>.json. Settings: settings.ts.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DurabilityReport } from './durability.ts';
import { verifyWrites } from './durability.ts';
import type { KeepLaunch, KeepProcess } from './keep-server.ts';
import { MOUNT, WRITE_RUN_PREFIX, WRITE_WARM_PREFIX, freePort, initKeep, newSealKey, prepareKeep, startKeep, waitUnsealed } from './keep-server.ts';
import { runLoad, toolVersion } from './load.ts';
import type { LoadResult, LoadSpec } from './load-types.ts';
import type { Child } from './procs.ts';
import { cpuTimeMs, killAll, runCommand, spawnChild, stopChild, waitForLine } from './procs.ts';
import { formatSummary, readProfile, summarize } from './profile-summary.ts';
import type { ProfileSummary } from './profile-summary.ts';
import type { ScenarioResult, ServerCpu } from './report.ts';
import { prepareLogin } from './login.ts';
import { addRatios, evaluateGoals, floorReference, formatTable, machineFacts } from './report.ts';
import type { BenchSettings, KeepScenario } from './settings.ts';
import { readSettings } from './settings.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = dirname(BENCH_DIR);
const RESULTS_DIR = join(BENCH_DIR, 'results');

const LABELS: Record<KeepScenario, string> = {
  'kv-read': 'Keep KV v2 read',
  'token-lookup-self': 'Keep token lookup-self',
  'kv-write': 'Keep KV v2 write',
  'ci-login': 'Keep CI login (RS256, token persisted)',
};

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

function stamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

interface Measured {
  result: LoadResult;
  serverCpu?: ServerCpu;
}

/**
 * Warm-up (discarded), then the measured phase; `around` runs just before and after measuring.
 * The server's CPU time over the measured phase is read from /proc when available.
 */
async function measure(
  s: BenchSettings,
  serverPid: number | undefined,
  spec: Omit<LoadSpec, 'durationSec' | 'connections'>,
  warmSpec: Omit<LoadSpec, 'durationSec' | 'connections'> = spec,
  around?: { before: () => Promise<void>; after: () => Promise<void> },
): Promise<Measured> {
  if (s.warmupSec > 0) await runLoad(s.tool, { ...warmSpec, connections: s.connections, durationSec: s.warmupSec }, s.loadCpus);
  await around?.before();
  const cpuBefore = cpuTimeMs(serverPid);
  const r = await runLoad(s.tool, { ...spec, connections: s.connections, durationSec: s.durationSec }, s.loadCpus);
  const cpuAfter = cpuTimeMs(serverPid);
  await around?.after();
  let serverCpu: ServerCpu | undefined;
  if (cpuBefore !== undefined && cpuAfter !== undefined && r.requests > 0) {
    const ms = cpuAfter - cpuBefore;
    serverCpu = { ms: Math.round(ms), usPerRequest: Math.round((ms * 10000) / r.requests) / 10, utilisation: Math.round((ms / (r.durationSec * 10)) ) / 100 };
  }
  const bad = r.non2xx + r.socketErrors;
  log(
    `  ${Math.round(r.rps).toLocaleString('en-US')} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms` +
      (serverCpu ? `, server CPU ${serverCpu.usPerRequest} µs/request (${Math.round(serverCpu.utilisation * 100)}% of a core)` : '') +
      (bad ? `, ${r.non2xx} non-2xx, ${r.socketErrors} socket errors` : ''),
  );
  return { result: r, serverCpu };
}

async function measureFloor(s: BenchSettings, name: string, label: string): Promise<ScenarioResult> {
  log(`${label}: starting bench/floor-server.ts`);
  const child = spawnChild('floor server', process.execPath, ['--import', 'tsx', join(BENCH_DIR, 'floor-server.ts'), '0'], {
    cpus: s.serverCpus,
    cwd: REPO_ROOT,
  });
  try {
    const m = await waitForLine(child, /^listening (\d+)$/, 30_000);
    const spec = { origin: `http://127.0.0.1:${m[1]}`, method: 'GET' as const, path: '/' };
    const { result, serverCpu } = await measure(s, child.proc.pid, spec);
    return { name, label, target: 'floor', method: 'GET', path: '/', result, serverCpu };
  } finally {
    await stopChild(child);
  }
}

interface KeepRun {
  results: ScenarioResult[];
  durability?: DurabilityReport;
  profiles: { scenario: string; file: string; summary: ProfileSummary }[];
  shutdown: { code: number | null; signal: string | null; forced: boolean };
}

/** Toggles the profiler in the server (SIGUSR2) and waits for its acknowledgement line. */
async function toggleProfiler(child: Child, expect: RegExp): Promise<RegExpExecArray> {
  const line = waitForLine(child, expect, 60_000);
  child.proc.kill('SIGUSR2');
  return line;
}

async function runKeep(s: BenchSettings, launch: KeepLaunch): Promise<KeepRun> {
  log(`Keep: starting bin/keep server on SQLite (${relative(REPO_ROOT, launch.dataDir) || launch.dataDir})`);
  let keep: KeepProcess = await startKeep(launch);
  const out: KeepRun = { results: [], profiles: [], shutdown: { code: null, signal: null, forced: false } };
  try {
    const root = await initKeep(keep.origin);
    const prep = await prepareKeep(keep.origin, root, s.tokenKind);
    log(`Keep: initialised, KV v2 mounted at ${MOUNT}/, ${s.tokenKind === 'root' ? 'root token' : 'policy-bound token'} ready`);

    let writeResult: LoadResult | undefined;
    for (const name of s.scenarios) {
      const label = LABELS[name];
      log(`${label}: warm-up ${s.warmupSec} s, measure ${s.durationSec} s`);
      let spec: Omit<LoadSpec, 'durationSec' | 'connections'>;
      let warm: Omit<LoadSpec, 'durationSec' | 'connections'> | undefined;
      if (name === 'ci-login') {
        const login = await prepareLogin(keep.origin, root);
        spec = { origin: keep.origin, method: 'POST', path: login.path, body: login.body };
      } else if (name === 'kv-read') spec = { origin: keep.origin, method: 'GET', path: prep.readPath, token: prep.token };
      else if (name === 'token-lookup-self') spec = { origin: keep.origin, method: 'GET', path: '/v1/auth/token/lookup-self', token: prep.token };
      else {
        const base = { origin: keep.origin, method: 'POST' as const, path: `/v1/${MOUNT}/data/${WRITE_RUN_PREFIX}`, token: prep.token };
        spec = { ...base, write: { pathPrefix: `/v1/${MOUNT}/data/${WRITE_RUN_PREFIX}`, keys: s.writeKeys } };
        warm = { ...base, write: { pathPrefix: `/v1/${MOUNT}/data/${WRITE_WARM_PREFIX}`, keys: s.writeKeys } };
      }
      const child = keep.child;
      let profileFile: string | undefined;
      const around = launch.profileDir
        ? {
            before: async () => void (await toggleProfiler(child, /^bench-profile: started$/)),
            after: async () => {
              profileFile = (await toggleProfiler(child, /^bench-profile: wrote (.+)$/))[1];
            },
          }
        : undefined;
      const { result, serverCpu } = await measure(s, child.proc.pid, spec, warm ?? spec, around);
      if (name === 'kv-write') writeResult = result;
      const path = spec.write ? `${spec.path}<0..${s.writeKeys - 1}>` : spec.path;
      out.results.push({ name, label, target: 'keep', method: spec.method, path, result, serverCpu });
      if (launch.profileDir && profileFile) {
        const file = join(launch.profileDir, `${name}.cpuprofile`);
        renameSync(profileFile, file);
        const summary = summarize(readProfile(file));
        out.profiles.push({ scenario: name, file: relative(REPO_ROOT, file), summary });
        writeFileSync(join(launch.profileDir, `${name}.txt`), formatSummary(label, summary) + '\n');
      }
    }

    if (writeResult) {
      let afterCrash = false;
      if (s.crashCheck) {
        log('Durability: kill -9 the server, restart it on the same files, read the writes back');
        await stopChild(keep.child, 'SIGKILL');
        keep = await startKeep({ ...launch, profileDir: undefined });
        await waitUnsealed(keep.origin);
        afterCrash = true;
      } else {
        log('Durability: reading the writes back (no crash: BENCH_CRASH_CHECK=0)');
      }
      out.durability = await verifyWrites({
        origin: keep.origin,
        token: root,
        mount: MOUNT,
        keyPrefix: WRITE_RUN_PREFIX,
        keys: s.writeKeys,
        acknowledged: writeResult.ok,
        extraBound: s.connections + writeResult.non2xx + writeResult.socketErrors,
        afterCrash,
      });
      const d = out.durability;
      log(`  ${d.acknowledged} acknowledged, ${d.storedVersions} stored: ${d.pass ? 'ok' : 'LOST WRITES'}`);
      if (d.extra > d.extraBound) log(`  warning: ${d.extra} more versions stored than acknowledged (bound ${d.extraBound})`);
    }
  } finally {
    const stopped = await stopChild(keep.child, 'SIGTERM');
    out.shutdown = stopped;
    if (stopped.forced) log('warning: Keep did not exit within 15 s of SIGTERM and was killed');
  }
  return out;
}

/** jose's raw RS256 verify rate in its own process on the server's CPU (the CI login's floor). */
async function measureJose(s: BenchSettings): Promise<{ inFlight1: number; inFlight32: number }> {
  log('jose RS256 verify rate (raw, in its own process on the server CPU)');
  const r = await runCommand(process.execPath, ['--import', 'tsx', join(BENCH_DIR, 'login.ts'), 'verify'], {
    env: { ...process.env, BENCH_VERIFY_SECONDS: s.quick ? '1' : '3' },
    cpus: s.serverCpus,
    timeoutMs: 120_000,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('BENCH_JOSE '));
  if (r.code !== 0 || !line) throw new Error(`jose verify bench failed (code ${r.code}): ${r.stderr}`);
  return JSON.parse(line.slice('BENCH_JOSE '.length)) as { inFlight1: number; inFlight32: number };
}

async function main(): Promise<number> {
  const s = readSettings();
  const started = new Date();
  const runStamp = stamp(started);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const dataDir = s.dataDir ?? join(RESULTS_DIR, `data-${runStamp}`);
  mkdirSync(dataDir, { recursive: true });
  const profileDir = s.profile ? join(RESULTS_DIR, `profile-${runStamp}`) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const tool = toolVersion(s.tool);
  const machine = machineFacts({ repoRoot: REPO_ROOT, dataDir, loadTool: tool, serverCpus: s.serverCpus, loadCpus: s.loadCpus });
  const header =
    `Keep benchmark ${started.toISOString()}: ${tool}, ${s.connections} connections, ${s.durationSec} s per scenario ` +
    `(${s.warmupSec} s warm-up)${s.quick ? ' [QUICK]' : ''}${s.profile ? ' [PROFILED: Keep figures include profiler overhead]' : ''}\n` +
    `${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ` +
    (machine.pinning ? `server on CPU ${machine.pinning.server}, load generator on CPU ${machine.pinning.load}` : 'not pinned') +
    `, Keep storage: SQLite on ${machine.dataFilesystem ?? 'unknown fs'}, token: ${s.tokenKind}, load avg ${machine.loadAvgAtStart}`;
  log(header.replace('\n', '\n[bench] '));
  if (machine.loadAvgAtStart > 1) {
    log(`warning: the machine is busy (1-min load average ${machine.loadAvgAtStart}); other processes skew every figure`);
  }

  const floors: ScenarioResult[] = [await measureFloor(s, 'floor', 'floor: node:http fixed JSON')];
  const launch: KeepLaunch = {
    repoRoot: REPO_ROOT,
    dataDir,
    port: await freePort(),
    sealKeyHex: newSealKey(),
    cpus: s.serverCpus,
    logFile: join(RESULTS_DIR, `keep-${runStamp}.log`),
    profileDir,
  };
  const keep = await runKeep(s, launch);
  floors.push(await measureFloor(s, 'floor-after', 'floor again (after Keep)'));
  const jose = s.scenarios.includes('ci-login') ? await measureJose(s) : undefined;

  const floor = floorReference(floors);
  const results = [floors[0], ...keep.results, floors[1]];
  addRatios(results, floor);
  const goals = evaluateGoals(results, floor, keep.durability);
  process.stdout.write('\n' + formatTable(results, floor, goals, header) + '\n');
  for (const p of keep.profiles) process.stdout.write(`\n${formatSummary(`${LABELS[p.scenario as KeepScenario]} (${p.file})`, { ...p.summary, areas: p.summary.areas.slice(0, 12), selfTop: p.summary.selfTop.slice(0, 15), projectInclusiveTop: p.summary.projectInclusiveTop.slice(0, 15) })}\n`);

  const file = join(RESULTS_DIR, `bench-${runStamp}.json`);
  const { serverCpus: _s, loadCpus: _l, dataDir: _d, ...settingsOut } = s;
  writeFileSync(
    file,
    JSON.stringify(
      {
        date: started.toISOString(),
        settings: settingsOut,
        machine,
        floor,
        scenarios: results,
        goals,
        durability: keep.durability,
        joseVerify: jose,
        keepShutdown: keep.shutdown,
        loadAvgAtEnd: Math.round(loadavg()[0] * 100) / 100,
        profiles: keep.profiles.map((p) => ({ scenario: p.scenario, file: p.file, summary: p.summary })),
      },
      null,
      2,
    ) + '\n',
  );
  if (jose) {
    const login = results.find((r) => r.name === 'ci-login');
    const ratio = login ? login.result.rps / jose.inFlight32 : undefined;
    process.stdout.write(
      `\njose RS256 jwtVerify on the server's CPU: ${jose.inFlight1}/s (1 in flight), ${jose.inFlight32}/s (32 in flight)` +
        (login && ratio !== undefined ? `; CI login ${Math.round(login.result.rps)}/s = ${ratio.toFixed(2)} of the raw verify rate\n` : '\n'),
    );
  }
  process.stdout.write(`\nresults: ${relative(REPO_ROOT, file)}\n`);
  if (!s.keepData && !s.dataDir) rmSync(dataDir, { recursive: true, force: true });

  const failedCorrectness = goals.some((g) => g.correctness && g.pass === false);
  const failedPerf = goals.some((g) => !g.correctness && g.pass === false);
  if (failedCorrectness) return 1;
  if (s.strict && failedPerf) return 1;
  return 0;
}

process.on('SIGINT', () => {
  killAll();
  process.exit(130);
});

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    killAll();
    process.stderr.write(`[bench] failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
