/**
 * Runs one load phase in a separate process: wrk (preferred: µs latency resolution, C event loop)
 * or the autocannon child (bench/load-autocannon.ts). Both are pinned to the load CPUs when set.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from './load-types.ts';
import { ms3 } from './load-types.ts';
import { runCommand } from './procs.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const WRK_DIR = join(BENCH_DIR, 'wrk');
const WRK_THREADS = 1;

interface WrkReport {
  requests: number;
  duration_us: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latency_us: { p50: number; p90: number; p99: number; p999: number; mean: number; max: number };
}

function lastMarked(stdout: string, marker: string): string | undefined {
  const lines = stdout.split('\n').filter((l) => l.startsWith(marker + ' '));
  return lines.at(-1)?.slice(marker.length + 1);
}

async function runWrk(spec: LoadSpec, cpus: string | undefined): Promise<LoadResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, BENCH_WRK_DIR: WRK_DIR, BENCH_WRK_THREADS: String(WRK_THREADS) };
  if (spec.token) env.BENCH_TOKEN = spec.token;
  else delete env.BENCH_TOKEN;
  let script = join(WRK_DIR, 'get.lua');
  let url = spec.origin + spec.path;
  if (spec.body !== undefined) {
    script = join(WRK_DIR, 'post.lua');
    env.BENCH_BODY = spec.body;
  }
  if (spec.write) {
    script = join(WRK_DIR, 'kv-write.lua');
    env.BENCH_WRITE_PREFIX = spec.write.pathPrefix;
    env.BENCH_WRITE_KEYS = String(spec.write.keys);
    url = spec.origin + '/';
  }
  const args = ['-t', String(WRK_THREADS), '-c', String(spec.connections), '-d', `${spec.durationSec}s`, '--timeout', '10s', '-s', script, url];
  const r = await runCommand('wrk', args, { env, cpus, timeoutMs: (spec.durationSec + 60) * 1000 });
  const json = lastMarked(r.stdout, 'BENCH_WRK');
  if (r.code !== 0 || json === undefined) {
    throw new Error(`wrk failed (code ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  const w = JSON.parse(json) as WrkReport;
  const e = w.errors;
  const durationSec = w.duration_us / 1e6;
  const ok = w.requests - e.status;
  const l = w.latency_us;
  return {
    tool: 'wrk',
    requests: w.requests,
    ok,
    non2xx: e.status,
    socketErrors: e.connect + e.read + e.write + e.timeout,
    durationSec,
    rps: durationSec > 0 ? ok / durationSec : 0,
    latencyMs: { p50: ms3(l.p50 / 1000), p90: ms3(l.p90 / 1000), p99: ms3(l.p99 / 1000), mean: ms3(l.mean / 1000), max: ms3(l.max / 1000) },
    resolutionMs: 0.001,
  };
}

async function runAutocannon(spec: LoadSpec, cpus: string | undefined): Promise<LoadResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, BENCH_LOAD_SPEC: JSON.stringify(spec) };
  const args = ['--import', 'tsx', join(BENCH_DIR, 'load-autocannon.ts')];
  const r = await runCommand(process.execPath, args, { env, cpus, timeoutMs: (spec.durationSec + 60) * 1000 });
  const json = lastMarked(r.stdout, 'BENCH_AUTOCANNON');
  if (r.code !== 0 || json === undefined) {
    throw new Error(`autocannon child failed (code ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return JSON.parse(json) as LoadResult;
}

/** Runs one load phase with the chosen tool. */
export function runLoad(tool: 'wrk' | 'autocannon', spec: LoadSpec, cpus: string | undefined): Promise<LoadResult> {
  return tool === 'wrk' ? runWrk(spec, cpus) : runAutocannon(spec, cpus);
}

/** A short description of the tool and its version, for the results file. */
export function toolVersion(tool: 'wrk' | 'autocannon'): string {
  if (tool === 'wrk') {
    try {
      // `wrk -v` prints its banner and exits with status 1.
      execFileSync('wrk', ['-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      const out = (e as { stdout?: Buffer }).stdout?.toString('utf8') ?? '';
      const first = out.split('\n')[0]?.replace(/\s*\[.*$|\s*Copyright.*$/, '').trim();
      if (first) return first;
    }
    return 'wrk';
  }
  try {
    const require = createRequire(import.meta.url);
    const pkg = require('autocannon/package.json') as { version?: string };
    return `autocannon ${pkg.version ?? '?'}`;
  } catch {
    return 'autocannon';
  }
}
