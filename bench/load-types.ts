/**
 * What a load run is asked to do and what it reports, shared by the wrk driver, the autocannon
 * child process and the orchestrator.
 */

/** Rotating-key writes: POST <pathPrefix><k> for k in 0..keys-1, a distinct body each time. */
export interface WritePattern {
  /** e.g. `/v1/secret/data/bench/run/` */
  pathPrefix: string;
  keys: number;
}

export interface LoadSpec {
  /** Origin, e.g. `http://127.0.0.1:8200`. */
  origin: string;
  method: 'GET' | 'POST';
  /** Request path for fixed requests (ignored for writes). */
  path: string;
  /** Sent as X-Vault-Token when set. */
  token?: string;
  /** Set for the write scenario. */
  write?: WritePattern;
  /** A fixed JSON body sent with every POST (the CI login scenario). */
  body?: string;
  connections: number;
  durationSec: number;
}

export interface LoadResult {
  tool: 'wrk' | 'autocannon';
  /** Responses received (any status). */
  requests: number;
  /** Acknowledged responses (wrk: status < 400; autocannon: 2xx). */
  ok: number;
  /** Responses that were not acknowledged (wrk: status >= 400; autocannon: not 2xx). */
  non2xx: number;
  /** Connect/read/write errors and timeouts (no response). */
  socketErrors: number;
  durationSec: number;
  /** ok / durationSec. */
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; mean: number; max: number };
  /** Latency resolution of the tool in ms (wrk: 0.001, autocannon: 1). */
  resolutionMs: number;
}

/** A write body; bench/wrk/kv-write.lua builds the same shape. */
export function writeBody(id: string): string {
  return `{"data":{"n":"${id}","pad":"${'x'.repeat(64)}"}}`;
}

/** Rounds to 3 decimals (µs resolution for ms values). */
export function ms3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
