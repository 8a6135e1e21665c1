/**
 * The autocannon load generator, run as its OWN process (so it never shares an event loop or a
 * CPU with the server): `node --import tsx bench/load-autocannon.ts` with the LoadSpec as JSON in
 * the BENCH_LOAD_SPEC environment variable (not argv: the token must not show in `ps`).
 * Prints one line `BENCH_AUTOCANNON {json LoadResult}` on stdout.
 *
 * Used when wrk is not installed. autocannon records latency in whole milliseconds.
 */
import { createRequire } from 'node:module';
import type { LoadResult, LoadSpec } from './load-types.ts';
import { ms3, writeBody } from './load-types.ts';

interface Histogram {
  p50: number;
  p90: number;
  p99: number;
  average: number;
  max: number;
  total?: number;
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  latency: Histogram;
  requests: Histogram;
}

interface RawRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}

interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  method: string;
  headers: Record<string, string>;
  timeout: number;
  requests?: { setupRequest: (req: RawRequest) => RawRequest }[];
}

type Autocannon = (opts: AutocannonOptions) => Promise<AutocannonResult>;

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as Autocannon;

function parseSpec(text: string | undefined): LoadSpec {
  if (!text) throw new Error('BENCH_LOAD_SPEC is not set');
  const spec = JSON.parse(text) as LoadSpec;
  if (typeof spec.origin !== 'string' || typeof spec.connections !== 'number' || typeof spec.durationSec !== 'number') {
    throw new Error('BENCH_LOAD_SPEC: origin, connections and durationSec are required');
  }
  return spec;
}

async function main(): Promise<void> {
  const spec = parseSpec(process.env.BENCH_LOAD_SPEC);
  const headers: Record<string, string> = {};
  if (spec.token) headers['X-Vault-Token'] = spec.token;
  const opts: AutocannonOptions = {
    url: spec.origin + (spec.write ? '/' : spec.path),
    connections: spec.connections,
    duration: spec.durationSec,
    method: spec.method,
    headers,
    timeout: 10,
  };
  if (spec.body !== undefined) {
    const body = spec.body;
    const postHeaders = { ...headers, 'Content-Type': 'application/json' };
    opts.requests = [{ setupRequest: (req) => ({ ...req, method: 'POST', path: spec.path, headers: postHeaders, body }) }];
  }
  if (spec.write) {
    const { pathPrefix, keys } = spec.write;
    let counter = 0;
    const writeHeaders = { ...headers, 'Content-Type': 'application/json' };
    opts.requests = [
      {
        setupRequest: (req) => {
          counter += 1;
          return { ...req, method: 'POST', path: pathPrefix + String(counter % keys), headers: writeHeaders, body: writeBody(`a-${counter}`) };
        },
      },
    ];
  }
  const r = await autocannon(opts);
  const ok = r['2xx'];
  const requests = r.requests.total ?? ok + r.non2xx;
  const result: LoadResult = {
    tool: 'autocannon',
    requests,
    ok,
    non2xx: r.non2xx,
    socketErrors: r.errors,
    durationSec: r.duration,
    rps: r.duration > 0 ? ok / r.duration : 0,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, mean: ms3(r.latency.average), max: r.latency.max },
    resolutionMs: 1,
  };
  process.stdout.write(`BENCH_AUTOCANNON ${JSON.stringify(result)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`load-autocannon: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
