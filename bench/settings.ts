/**
 * Benchmark settings, read from the environment once.
 *
 * BENCH_QUICK=1            smoke mode: 2 s per scenario, 1 s warm-up
 * BENCH_DURATION=10        seconds measured per scenario ("10" or "10s")
 * BENCH_WARMUP=3           seconds of discarded load before each measurement
 * BENCH_CONNECTIONS=50     concurrent keep-alive connections (same for every scenario)
 * BENCH_TOOL=wrk|autocannon  force a load generator (default: wrk when installed)
 * BENCH_PIN=0              do not pin with taskset (default: pin when taskset exists and >= 2 CPUs)
 * BENCH_SERVER_CPUS=0 / BENCH_LOAD_CPUS=1   taskset CPU lists
 * BENCH_SCENARIOS=kv-read,kv-write,...      run only these Keep scenarios (the floor always runs)
 * BENCH_WRITE_KEYS=500     keys the write scenario rotates over
 * BENCH_TOKEN_KIND=policy|root  token used for Keep requests (default: a policy-bound child token)
 * BENCH_CRASH_CHECK=0      skip the kill -9 + restart before the durability check
 * BENCH_PROFILE=1          CPU-profile Keep during each measured scenario (figures then carry overhead)
 * BENCH_STRICT=1           exit 1 when a performance goal is missed (durability failures always exit 1)
 * BENCH_DATA_DIR=path      where Keep's SQLite file goes (default: bench/results/data-<stamp>)
 * BENCH_KEEP_DATA=1        keep the data directory afterwards
 */
import { accessSync, constants } from 'node:fs';
import { availableParallelism } from 'node:os';
import { delimiter, join } from 'node:path';

export const KEEP_SCENARIOS = ['kv-read', 'token-lookup-self', 'kv-write', 'ci-login'] as const;
export type KeepScenario = (typeof KEEP_SCENARIOS)[number];

export interface BenchSettings {
  quick: boolean;
  durationSec: number;
  warmupSec: number;
  connections: number;
  tool: 'wrk' | 'autocannon';
  /** taskset CPU lists, or undefined when not pinning. */
  serverCpus?: string;
  loadCpus?: string;
  scenarios: KeepScenario[];
  writeKeys: number;
  tokenKind: 'policy' | 'root';
  crashCheck: boolean;
  profile: boolean;
  strict: boolean;
  dataDir?: string;
  keepData: boolean;
}

/** True when an executable of that name is on PATH. */
export function hasCommand(name: string, path = process.env.PATH ?? ''): boolean {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

function flag(env: NodeJS.ProcessEnv, name: string, dflt: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  return !['0', 'false', 'no', 'off'].includes(v.trim().toLowerCase());
}

function seconds(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const m = /^\s*(\d+(?:\.\d+)?)\s*s?\s*$/.exec(v);
  if (!m) throw new Error(`${name}: expected seconds such as "10" or "10s", got "${v}"`);
  return Number(m[1]);
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: expected a positive integer, got "${v}"`);
  return n;
}

/** Reads the settings. @throws Error on malformed values. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const quick = flag(env, 'BENCH_QUICK', false);
  const forced = env.BENCH_TOOL?.trim();
  if (forced && forced !== 'wrk' && forced !== 'autocannon') throw new Error(`BENCH_TOOL: use wrk or autocannon, got "${forced}"`);
  if (forced === 'wrk' && !hasCommand('wrk')) throw new Error('BENCH_TOOL=wrk but wrk is not installed');
  const tool = forced === 'wrk' || forced === 'autocannon' ? forced : hasCommand('wrk') ? 'wrk' : 'autocannon';

  const pin = flag(env, 'BENCH_PIN', true) && hasCommand('taskset') && availableParallelism() >= 2;

  let scenarios: KeepScenario[] = [...KEEP_SCENARIOS];
  if (env.BENCH_SCENARIOS) {
    const wanted = env.BENCH_SCENARIOS.split(',').map((s) => s.trim()).filter((s) => s !== '');
    for (const w of wanted) {
      if (!(KEEP_SCENARIOS as readonly string[]).includes(w)) {
        throw new Error(`BENCH_SCENARIOS: unknown scenario "${w}" (known: ${KEEP_SCENARIOS.join(', ')})`);
      }
    }
    scenarios = KEEP_SCENARIOS.filter((s) => wanted.includes(s));
  }

  const tokenKind = env.BENCH_TOKEN_KIND?.trim() || 'policy';
  if (tokenKind !== 'policy' && tokenKind !== 'root') throw new Error(`BENCH_TOKEN_KIND: use policy or root, got "${tokenKind}"`);

  return {
    quick,
    durationSec: seconds(env, 'BENCH_DURATION', quick ? 2 : 10),
    warmupSec: seconds(env, 'BENCH_WARMUP', quick ? 1 : 3),
    connections: positiveInt(env, 'BENCH_CONNECTIONS', 50),
    tool,
    serverCpus: pin ? env.BENCH_SERVER_CPUS?.trim() || '0' : undefined,
    loadCpus: pin ? env.BENCH_LOAD_CPUS?.trim() || '1' : undefined,
    scenarios,
    writeKeys: positiveInt(env, 'BENCH_WRITE_KEYS', 500),
    tokenKind,
    crashCheck: flag(env, 'BENCH_CRASH_CHECK', true),
    profile: flag(env, 'BENCH_PROFILE', false),
    strict: flag(env, 'BENCH_STRICT', false),
    dataDir: env.BENCH_DATA_DIR?.trim() || undefined,
    keepData: flag(env, 'BENCH_KEEP_DATA', false),
  };
}
