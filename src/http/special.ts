/**
 * Handlers served outside the logical pipeline; they work while sealed (spec/core.md 1.1, 2.1-2.4):
 * sys/init, sys/seal-status, sys/unseal, sys/health, sys/leader. Each returns a raw object (no
 * envelope) or throws a KeepError.
 */
import type { CoreFacade, HealthState } from '../core/contracts.ts';
import { badRequest, KeepError } from '../errors.ts';
import { stringifyJson } from '../framework/json.ts';
import { goParseBool, goParseInt } from '../framework/go-values.ts';
import { firstValue, parseBody } from './request.ts';

export interface SpecialRequest {
  method: string;
  query: Record<string, unknown>;
  body: string | undefined;
  contentType: string | undefined;
}

export interface SpecialReply {
  status: number;
  /** null = no body (HEAD). */
  body: string | null;
}

type SpecialHandler = (core: CoreFacade, req: SpecialRequest) => Promise<SpecialReply>;

/** 405 `{"errors":[]}`. */
export const methodNotAllowed = (): KeepError => new KeepError('KEEP_E_METHOD_NOT_ALLOWED', 405, '');

const ok = (value: unknown): SpecialReply => ({ status: 200, body: stringifyJson(value) });

const isWrite = (m: string): boolean => m === 'PUT' || m === 'POST';

const handlers: Record<string, SpecialHandler> = {
  'sys/init': async (core, req) => {
    if (req.method === 'GET') return ok({ initialized: await core.initialized() });
    if (!isWrite(req.method)) throw methodNotAllowed();
    return ok(await core.init(parseBody(req.body, req.contentType, true)));
  },
  'sys/seal-status': async (core, req) => {
    if (req.method !== 'GET') throw methodNotAllowed();
    return ok(await core.sealStatus());
  },
  'sys/unseal': async (core, req) => {
    if (!isWrite(req.method)) throw methodNotAllowed();
    return ok(await core.unseal(parseBody(req.body, req.contentType, true)));
  },
  'sys/leader': async (core, req) => {
    if (req.method !== 'GET') throw methodNotAllowed();
    return ok(await core.leader());
  },
  'sys/health': async (core, req) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed();
    const { status, body } = await health(core, req.query);
    return { status, body: req.method === 'HEAD' ? null : stringifyJson(body) };
  },
};

/** The special handler for a logical path (after /v1/), if any. */
export function specialHandler(path: string): SpecialHandler | undefined {
  if (path.length > 20 || !path.startsWith('sys/')) return undefined;
  return Object.prototype.hasOwnProperty.call(handlers, path) ? handlers[path] : undefined;
}

/** Paths whose 413 text is `failed to parse JSON input: http: request body too large`. */
export function isSpecialPath(path: string): boolean {
  return specialHandler(path) !== undefined;
}

// ---------------------------------------------------------------------------------------------
// sys/health

const CODE_DEFAULTS = {
  activecode: 200,
  standbycode: 429,
  drsecondarycode: 472,
  performancestandbycode: 473,
  sealedcode: 503,
  uninitcode: 501,
  removedcode: 530,
  haunhealthycode: 474,
} as const;

type CodeName = keyof typeof CODE_DEFAULTS;

/** A loosely parsed bool query parameter (absent/empty = false). */
function looseBool(query: Record<string, unknown>, name: string): boolean {
  if (!Object.prototype.hasOwnProperty.call(query, name)) return false;
  const v = firstValue(query[name]) ?? '';
  if (v === '') return false;
  const b = goParseBool(v);
  if (b === undefined) throw badRequest(`bad value for ${name} parameter`);
  return b;
}

function code(query: Record<string, unknown>, name: CodeName): number {
  if (!Object.prototype.hasOwnProperty.call(query, name)) return CODE_DEFAULTS[name];
  const v = firstValue(query[name]) ?? '';
  const n = goParseInt(v, 10);
  // strconv.Atoi failure -> 400 {"errors":[]}; Go would also refuse to write a code outside 100-999.
  if (typeof n !== 'number' || n < 100 || n > 999) throw new KeepError('KEEP_E_BAD_REQUEST', 400, '');
  return n;
}

/** Status and body of sys/health for these query parameters (spec/core.md 2.3). */
export async function health(core: CoreFacade, query: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const standbyOK = looseBool(query, 'standbyok');
  looseBool(query, 'perfstandbyok');
  const codes = {
    active: code(query, 'activecode'),
    standby: code(query, 'standbycode'),
    sealed: code(query, 'sealedcode'),
    uninit: code(query, 'uninitcode'),
  };
  for (const other of ['drsecondarycode', 'performancestandbycode', 'removedcode', 'haunhealthycode'] as const) code(query, other);
  const state = await core.health();
  let status: number;
  if (!state.initialized) status = codes.uninit;
  else if (state.sealed) status = codes.sealed;
  else if (state.standby && !standbyOK) status = codes.standby;
  else status = codes.active;
  return { status, body: healthBody(state) };
}

export function healthBody(state: HealthState, now = Date.now()): Record<string, unknown> {
  const sealed = state.sealed || !state.initialized;
  const body: Record<string, unknown> = {
    initialized: state.initialized,
    sealed,
    standby: sealed ? true : state.standby,
    performance_standby: false,
    replication_performance_mode: sealed ? 'unknown' : 'disabled',
    replication_dr_mode: sealed ? 'unknown' : 'disabled',
    server_time_utc: Math.floor(now / 1000),
    version: state.version,
    enterprise: false,
  };
  if (!sealed) {
    if (state.cluster_name !== undefined) body.cluster_name = state.cluster_name;
    if (state.cluster_id !== undefined) body.cluster_id = state.cluster_id;
  }
  body.echo_duration_ms = 0;
  body.clock_skew_ms = 0;
  return body;
}
