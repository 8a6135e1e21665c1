/**
 * Vault's response envelope and status selection (spec/core.md 1.6) and error bodies (1.7).
 * The HTTP layer writes what these functions return; core stores envelopeObject() when wrapping.
 */
import { isKeepError } from '../errors.ts';
import { stringifyJson } from './json.ts';
import type { CoreResult, LogicalResponse, WrapInfo } from './types.ts';

export interface Rendered {
  status: number;
  /** null = no body (204). */
  body: string | null;
  contentType: string;
}

export const JSON_TYPE = 'application/json';

/** `{"errors":[]}` — missing read/list, bad `list` value, unsupported methods. */
export const EMPTY_ERRORS_BODY = '{"errors":[]}';

const NOT_FOUND: Rendered = { status: 404, body: EMPTY_ERRORS_BODY, contentType: JSON_TYPE };
const NO_CONTENT: Rendered = { status: 204, body: null, contentType: JSON_TYPE };

/** The full envelope of a (non-wrapped) result, every key present. */
export function envelopeObject(result: CoreResult): Record<string, unknown> {
  const resp = result.response;
  return {
    request_id: result.requestId,
    lease_id: result.leaseId,
    renewable: result.renewable,
    lease_duration: result.leaseDuration,
    data: resp?.data ?? null,
    wrap_info: null,
    warnings: resp?.warnings && resp.warnings.length > 0 ? resp.warnings : null,
    auth: result.auth ?? null,
    mount_type: result.mountType,
  };
}

/** The reply sent instead of the response when it was wrapped (spec/core.md 2.10). */
export function wrappedEnvelope(wrap: WrapInfo): Record<string, unknown> {
  const info: Record<string, unknown> = {
    token: wrap.token,
    accessor: wrap.accessor,
    ttl: wrap.ttl,
    creation_time: wrap.creation_time,
    creation_path: wrap.creation_path,
  };
  if (wrap.wrapped_accessor) info.wrapped_accessor = wrap.wrapped_accessor;
  return {
    request_id: '',
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: null,
    wrap_info: info,
    warnings: null,
    auth: null,
    mount_type: '',
  };
}

/**
 * A list reply that Vault answers with 404 `{"errors":[]}`: no data and no warnings, or a
 * `keys` entry that is an empty list. `undefined` when the list is fine; 'bad-keys' when `keys`
 * is not a list of strings.
 */
export function listOutcome(resp: LogicalResponse | undefined): 'empty' | 'bad-keys' | undefined {
  if (!resp) return 'empty';
  const data = resp.data;
  const hasWarnings = (resp.warnings?.length ?? 0) > 0;
  if (!data || isEmptyObject(data)) return hasWarnings ? undefined : 'empty';
  const keys = data.keys;
  if (keys === undefined || keys === null) return undefined;
  if (!Array.isArray(keys)) return 'bad-keys';
  return keys.length === 0 ? 'empty' : undefined;
}

function isEmptyObject(o: Record<string, unknown>): boolean {
  for (const _ in o) return false;
  return true;
}

/**
 * sys routes whose replies copy `data` to the top level as well (spec/core.md 1.6).
 * `path` is the full request path (list requests end in '/').
 */
const INJECT_EXACT = new Set([
  'sys/audit',
  'sys/auth',
  'sys/config/cors',
  'sys/config/auditing/request-headers',
  'sys/capabilities',
  'sys/capabilities-accessor',
  'sys/capabilities-self',
  'sys/ha-status',
  'sys/key-status',
  'sys/mounts',
  'sys/policy',
  'sys/rekey/backup',
  'sys/rekey/recovery-key-backup',
  'sys/remount',
  'sys/rotate',
  'sys/wrapping/wrap',
]);
const INJECT_PREFIXES = [
  'sys/audit/',
  'sys/audit-hash/',
  'sys/auth/',
  'sys/config/auditing/request-headers/',
  'sys/mounts/',
  'sys/policy/',
];

export function injectsData(path: string): boolean {
  if (path.charCodeAt(0) !== 115 /* s */ || !path.startsWith('sys/')) return false;
  if (INJECT_EXACT.has(path)) return true;
  for (const p of INJECT_PREFIXES) if (path.startsWith(p)) return true;
  return false;
}

/** Envelope text with `data`'s keys first at the top level (duplicates kept, as Vault emits). */
function injectedBody(envelope: Record<string, unknown>, data: Record<string, unknown> | null): string {
  const env = stringifyJson(envelope);
  if (!data) return env;
  const dataText = stringifyJson(data);
  if (dataText === '{}') return env;
  return `${dataText.slice(0, -1)},${env.slice(1)}`;
}

/** Renders a core result as Vault does (status selection of spec/core.md 1.6). */
export function renderResult(result: CoreResult): Rendered {
  if (result.wrapInfo) {
    return { status: 200, body: stringifyJson(wrappedEnvelope(result.wrapInfo)), contentType: JSON_TYPE };
  }
  const resp = result.response;
  if (resp?.raw) {
    const raw = resp.raw;
    const body = typeof raw.body === 'string' ? raw.body : raw.body === undefined ? '' : stringifyJson(raw.body);
    return { status: raw.status, body, contentType: raw.contentType ?? JSON_TYPE };
  }
  const op = result.operation;
  if (!resp && !result.auth) {
    return op === 'read' || op === 'list' ? NOT_FOUND : NO_CONTENT;
  }
  if (op === 'list') {
    const outcome = listOutcome(resp);
    if (outcome === 'empty') return NOT_FOUND;
    if (outcome === 'bad-keys') {
      return { status: 500, body: stringifyJson({ errors: ['keys were not in the correct format'] }), contentType: JSON_TYPE };
    }
  }
  const status = resp?.status ?? 200;
  if (injectsData(result.path)) return { status, body: injectedBody(envelopeObject(result), resp?.data ?? null), contentType: JSON_TYPE };
  return { status, body: envelopeText(result), contentType: JSON_TYPE };
}

/**
 * stringifyJson(envelopeObject(result)), written field by field (the same text, without
 * building and walking the envelope object); falls back to the object when a field does not
 * have its declared type.
 */
export function envelopeText(result: CoreResult): string {
  const { requestId, leaseId, renewable, leaseDuration, mountType } = result;
  if (
    typeof requestId !== 'string' ||
    typeof leaseId !== 'string' ||
    typeof renewable !== 'boolean' ||
    typeof leaseDuration !== 'number' ||
    typeof mountType !== 'string'
  ) {
    return stringifyJson(envelopeObject(result));
  }
  const resp = result.response;
  const warnings = resp?.warnings && resp.warnings.length > 0 ? stringifyJson(resp.warnings) : 'null';
  return (
    `{"request_id":${JSON.stringify(requestId)},"lease_id":${JSON.stringify(leaseId)},"renewable":${renewable ? 'true' : 'false'}` +
    `,"lease_duration":${JSON.stringify(leaseDuration)},"data":${stringifyJson(resp?.data ?? null)},"wrap_info":null` +
    `,"warnings":${warnings},"auth":${stringifyJson(result.auth ?? null)},"mount_type":${JSON.stringify(mountType)}}`
  );
}

/**
 * Renders an error: a KeepError as its status and `{"errors":[message], ...extra}` (an empty
 * message renders `{"errors":[]}`); anything else as 500 `internal error` (never leaks details).
 */
export function renderError(err: unknown): Rendered {
  if (isKeepError(err)) {
    const body: Record<string, unknown> = { errors: err.message === '' ? [] : [err.message] };
    if (err.extra) {
      for (const k in err.extra) if (k !== 'errors') body[k] = err.extra[k];
    }
    return { status: err.status, body: stringifyJson(body), contentType: JSON_TYPE };
  }
  return { status: 500, body: '{"errors":["internal error"]}', contentType: JSON_TYPE };
}

/** `{"errors":[message]}` text. */
export function errorBody(message: string): string {
  return stringifyJson({ errors: [message] });
}
