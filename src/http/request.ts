/**
 * Building a logical request from HTTP (spec/core.md 1.2-1.4): tokens, the wrap-TTL header,
 * the `list` query flag, request bodies (JSON with number fidelity, or forms) and PATCH media
 * types.
 */
import { badRequest, KeepError } from '../errors.ts';
import { parseDuration } from '../framework/duration.ts';
import { goParseBool } from '../framework/go-values.ts';
import { isLosslessNumber, parseJson } from '../framework/json.ts';

export type Headers = Record<string, string | string[] | undefined>;

/** X-Vault-Token, else `Authorization: Bearer <t>` (exact prefix, trimmed), else ''. */
export function clientToken(headers: Headers): { token: string; bearer: boolean } {
  const t = headers['x-vault-token'];
  if (typeof t === 'string' && t !== '') return { token: t, bearer: false };
  const a = headers.authorization;
  if (typeof a === 'string' && a.startsWith('Bearer ')) return { token: a.slice(7).trim(), bearer: true };
  return { token: '', bearer: false };
}

const WRAP_PREFIX = 'error parsing X-Vault-Wrap-TTL header: ';

/** X-Vault-Wrap-TTL in seconds (0 = none). */
export function wrapTTL(headers: Headers): number {
  const v = headers['x-vault-wrap-ttl'];
  if (typeof v !== 'string' || v === '') return 0;
  let secs: number;
  try {
    secs = parseDuration(v);
  } catch (e) {
    throw badRequest(WRAP_PREFIX + (e instanceof Error ? e.message : String(e)));
  }
  if (secs < 0) throw badRequest(`${WRAP_PREFIX}requested wrap ttl cannot be negative`);
  return secs;
}

/** First value of a parsed query parameter. */
export function firstValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return undefined;
}

/**
 * The `list` query flag: undefined when absent or empty, else Go ParseBool of its first value;
 * 'invalid' for anything else.
 */
export function listFlag(query: Record<string, unknown>): boolean | 'invalid' | undefined {
  const v = firstValue(query.list);
  if (v === undefined || v === '') return undefined;
  const b = goParseBool(v);
  return b === undefined ? 'invalid' : b;
}

/** Query parameters as request data (single -> string, repeated -> array), a plain object. */
export function queryData(query: Record<string, unknown> | undefined, dropList: boolean): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  if (!query) return data;
  for (const k in query) {
    if (dropList && k === 'list') continue;
    // `__proto__` must become an own data property, never the prototype.
    if (k === '__proto__') Object.defineProperty(data, k, { value: query[k], writable: true, enumerable: true, configurable: true });
    else data[k] = query[k];
  }
  return data;
}

// ---------------------------------------------------------------------------------------------
// Media types (Go's mime.ParseMediaType, enough of it for Vault's checks)

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export class MediaTypeError extends Error {}

/** Lower-cased media type of a Content-Type value; throws MediaTypeError with Go's texts. */
export function parseMediaType(value: string | undefined): string {
  const v = value ?? '';
  const semi = v.indexOf(';');
  const base = (semi === -1 ? v : v.slice(0, semi)).trim().toLowerCase();
  if (base === '') throw new MediaTypeError('mime: no media type');
  const slash = base.indexOf('/');
  const major = slash === -1 ? base : base.slice(0, slash);
  if (!TOKEN.test(major)) throw new MediaTypeError('mime: no media type');
  if (slash !== -1) {
    const minor = base.slice(slash + 1);
    if (minor === '' || !TOKEN.test(minor)) throw new MediaTypeError('mime: expected token after slash');
  }
  if (semi !== -1) checkParams(v.slice(semi));
  return base;
}

function checkParams(rest: string): void {
  const seen = new Set<string>();
  const re = /^\s*;\s*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)=("(?:[^"\\]|\\.)*"|[!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*/;
  let s = rest;
  while (s.trim() !== '' && s.trim() !== ';') {
    const m = re.exec(s);
    if (!m) throw new MediaTypeError('mime: invalid media parameter');
    const key = m[1].toLowerCase();
    if (seen.has(key)) throw new MediaTypeError('mime: duplicate parameter name');
    seen.add(key);
    s = s.slice(m[0].length);
  }
}

const MERGE_PATCH = 'application/merge-patch+json';

/** PATCH needs Content-Type application/merge-patch+json: 400 on a bad header, 415 on another type. */
export function checkPatchContentType(value: string | undefined): void {
  let type: string;
  try {
    type = parseMediaType(value);
  } catch (e) {
    throw badRequest(e instanceof Error ? e.message : String(e));
  }
  if (type !== MERGE_PATCH) {
    throw new KeepError('KEEP_E_UNSUPPORTED_MEDIA_TYPE', 415, `PATCH requires Content-Type of ${MERGE_PATCH}, provided ${type}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Bodies

const FORM = 'application/x-www-form-urlencoded';

function firstNonSpace(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r' && c !== '\f' && c !== '\v') return c;
  }
  return '';
}

function isForm(contentType: string | undefined, text: string): boolean {
  if (contentType === undefined || contentType.indexOf('x-www-form-urlencoded') === -1) return false;
  let type: string;
  try {
    type = parseMediaType(contentType);
  } catch {
    return false;
  }
  if (type !== FORM) return false;
  const c = firstNonSpace(text);
  return c !== '{' && c !== '[';
}

/** A form body; repeated keys joined with ','. */
export function parseForm(text: string): Record<string, unknown> {
  const grouped = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(text)) {
    const list = grouped.get(k);
    if (list) list.push(v);
    else grouped.set(k, [v]);
  }
  const data: Record<string, unknown> = {};
  for (const [k, v] of grouped) {
    Object.defineProperty(data, k, { value: v.join(','), writable: true, enumerable: true, configurable: true });
  }
  return data;
}

function goKindOf(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  return 'number';
}

/**
 * Request data from a body. Empty/whitespace body or `null` = no data. `special` selects the
 * error text of the special handlers (`failed to parse JSON input: <reason>`) instead of the
 * logical pipeline's fixed `error parsing JSON`.
 */
export function parseBody(text: string | undefined, contentType: string | undefined, special: boolean): Record<string, unknown> {
  if (text === undefined || text === '' || firstNonSpace(text) === '') return {};
  if (!special && isForm(contentType, text)) return parseForm(text);
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (e) {
    throw badRequest(special ? `failed to parse JSON input: ${e instanceof Error ? e.message : String(e)}` : 'error parsing JSON');
  }
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value) || isLosslessNumber(value)) {
    throw badRequest(
      special ? `failed to parse JSON input: json: cannot unmarshal ${goKindOf(value)} into Go value of type map[string]interface {}` : 'error parsing JSON',
    );
  }
  return value as Record<string, unknown>;
}
