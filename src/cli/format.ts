/**
 * Text renderings of answers, as the Vault CLI prints them: two-column `Key  Value` tables with a
 * `---` underline, `Keys` lists, JSON (2-space indent), YAML, and raw `-field` values.
 */
import { stringify as yamlStringify } from 'yaml';
import { isLosslessNumber, toJson } from '../client/json.ts';
import type { SecretResponse } from '../client/types.ts';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value as Go's `%v` prints it: `[a b]` for lists, `map[k:v]` for maps, `<nil>` for null. */
export function goString(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (isLosslessNumber(v)) return v.toString();
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goString(v[k])}`).join(' ')}]`;
  }
  return String(v);
}

/** A string list as Go's `%q` prints it: `["a" "b"]`. */
export function goQuotedList(v: unknown): string {
  const items = Array.isArray(v) ? v : [];
  return `[${items.map((s) => JSON.stringify(goString(s))).join(' ')}]`;
}

/** Seconds as Vault's humanised duration: `768h`, `1h30m`, `45s`, `0s`. */
export function humanDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const sign = seconds < 0 ? '-' : '';
  let n = Math.abs(Math.trunc(seconds));
  const h = Math.floor(n / 3600);
  n -= h * 3600;
  const m = Math.floor(n / 60);
  const s = n - m * 60;
  let out = h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
  if (out.endsWith('m0s')) out = out.slice(0, -2);
  const idx = out.indexOf('h0m');
  if (idx > 0) out = out.slice(0, idx + 1) + out.slice(idx + 3);
  return sign + out;
}

/** Keys whose integer values print as durations (`ttl`, `*_ttl`, `period`, `*_duration`, ...). */
export function looksLikeDuration(key: string): boolean {
  return (
    key === 'period' ||
    key.endsWith('_period') ||
    key === 'ttl' ||
    key.endsWith('_ttl') ||
    key === 'duration' ||
    key.endsWith('_duration') ||
    key === 'lease_max' ||
    key === 'ttl_max'
  );
}

function durationOrValue(key: string, v: unknown): string {
  if (looksLikeDuration(key)) {
    if (typeof v === 'number' && Number.isInteger(v)) return humanDuration(v);
  }
  return goString(v);
}

/** Aligned columns, 4 spaces apart; empty cells print `n/a`. */
export function columns(rows: string[][]): string {
  const widths: number[] = [];
  const cells = rows.map((r) => r.map((c) => (c.trim() === '' ? 'n/a' : c.trim())));
  for (const r of cells) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return cells
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('    '))
    .join('\n');
}

/** A table with a header row and a `---` underline per column. */
export function table(header: string[], rows: string[][]): string {
  return columns([header, header.map((h) => '-'.repeat(h.length)), ...rows]);
}

/** `Key  Value` table of a map, keys sorted, durations humanised. Empty string for an empty map. */
export function mapTable(data: Record<string, unknown>): string {
  const keys = Object.keys(data).sort();
  if (keys.length === 0) return '';
  return table(['Key', 'Value'], keys.map((k) => [k, durationOrValue(k, data[k])]));
}

/** `Keys` table of a list (sorted). */
export function listTable(keys: string[]): string {
  return table(['Keys'], [...keys].sort().map((k) => [k]));
}

/** Vault's warning block (printed to stderr before a table). Empty string when none. */
export function warningsText(warnings: unknown): string {
  if (!Array.isArray(warnings) || warnings.length === 0) return '';
  const lines = ['WARNING! The following warnings were returned from Vault:', ''];
  for (const w of warnings) lines.push(`  * ${goString(w)}`, '');
  return lines.join('\n');
}

/** The table of a whole answer: lease, auth, wrapping and data rows. Empty string when there is nothing. */
export function secretTable(secret: SecretResponse): string {
  const rows: string[][] = [];
  if (secret.lease_duration > 0) {
    if (secret.lease_id) {
      rows.push(['lease_id', secret.lease_id]);
      rows.push(['lease_duration', humanDuration(secret.lease_duration)]);
      rows.push(['lease_renewable', String(secret.renewable)]);
    } else {
      rows.push(['refresh_interval', humanDuration(secret.lease_duration)]);
    }
  }
  const auth = secret.auth;
  if (auth) {
    rows.push(['token', auth.client_token]);
    rows.push(['token_accessor', auth.accessor]);
    rows.push(['token_duration', auth.lease_duration === 0 ? '∞' : humanDuration(auth.lease_duration)]);
    rows.push(['token_renewable', String(auth.renewable)]);
    rows.push(['token_policies', goQuotedList(auth.token_policies ?? auth.policies)]);
    rows.push(['identity_policies', goQuotedList(auth.identity_policies)]);
    rows.push(['policies', goQuotedList(auth.policies)]);
    const meta = auth.metadata ?? {};
    for (const k of Object.keys(meta).sort()) rows.push([`token_meta_${k}`, goString(meta[k])]);
  }
  const wrap = secret.wrap_info;
  if (wrap) {
    rows.push(['wrapping_token:', wrap.token]);
    rows.push(['wrapping_accessor:', wrap.accessor]);
    rows.push(['wrapping_token_ttl:', humanDuration(wrap.ttl)]);
    rows.push(['wrapping_token_creation_time:', wrap.creation_time]);
    rows.push(['wrapping_token_creation_path:', wrap.creation_path]);
    if (wrap.wrapped_accessor) rows.push(['wrapped_accessor:', wrap.wrapped_accessor]);
  }
  const data = isObject(secret.data) ? secret.data : {};
  for (const k of Object.keys(data).sort()) rows.push([k, durationOrValue(k, data[k])]);
  if (rows.length === 0) return '';
  return table(['Key', 'Value'], rows);
}

/** Converts lossless numbers for the YAML writer (integers as BigInt, others as numbers). */
function forYaml(v: unknown): unknown {
  if (isLosslessNumber(v)) {
    const text = v.toString();
    return /^-?\d+$/.test(text) ? BigInt(text) : Number(text);
  }
  if (Array.isArray(v)) return v.map(forYaml);
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, forYaml(x)]));
  return v;
}

/** JSON text with 2-space indentation (numbers kept exactly). */
export function jsonText(v: unknown): string {
  return toJson(v, 2);
}

/** YAML text (keys sorted, no trailing newline). */
export function yamlText(v: unknown): string {
  return yamlStringify(forYaml(v), { sortMapEntries: true }).trim();
}

/** The value `-field=<name>` selects from an answer (auth, wrapping and lease fields included). */
export function rawField(secret: SecretResponse, field: string): unknown {
  const data = isObject(secret.data) ? secret.data : {};
  if (secret.auth) {
    const a = secret.auth;
    const m: Record<string, unknown> = {
      token: a.client_token,
      token_accessor: a.accessor,
      token_duration: a.lease_duration,
      token_renewable: a.renewable,
      token_policies: a.token_policies ?? a.policies,
      identity_policies: a.identity_policies,
      policies: a.policies,
    };
    return field in m ? m[field] : data[field];
  }
  if (secret.wrap_info) {
    const w = secret.wrap_info;
    const m: Record<string, unknown> = {
      wrapping_token: w.token,
      wrapping_accessor: w.accessor,
      wrapping_token_ttl: w.ttl,
      wrapping_token_creation_time: w.creation_time,
      wrapping_token_creation_path: w.creation_path,
      wrapped_accessor: w.wrapped_accessor,
    };
    return field in m ? m[field] : data[field];
  }
  switch (field) {
    case 'lease_duration':
    case 'refresh_interval':
      return secret.lease_duration;
    case 'lease_id':
      return secret.lease_id;
    case 'request_id':
      return secret.request_id;
    case 'renewable':
      return secret.renewable;
    case 'data':
      return 'data' in data ? data.data : data;
    default:
      return data[field];
  }
}

/** Text of a `-field` value in a format: raw `%v` for table, else JSON/YAML of the value. */
export function fieldText(value: unknown, format: string): string {
  if (format === 'json') return jsonText(value);
  if (format === 'yaml' || format === 'yml') return yamlText(value);
  return goString(value);
}

/** `== Title ==` padded with equal signs to a total width. */
export function padEqualSigns(title: string, totalLen: number): string {
  let n = totalLen - (title.length + 2);
  if (n <= 0) n = 4;
  if (n % 2 !== 0) n += 1;
  const side = '='.repeat(n / 2);
  return `${side} ${title} ${side}`;
}

/** Section header sized to a map's table (`======= Metadata =======`). */
export function headerForMap(title: string, data: Record<string, unknown>): string {
  const maxKey = Math.max(0, ...Object.keys(data).map((k) => k.length));
  return padEqualSigns(title, maxKey + 4 + 5);
}

/** `== Secret Path ==` followed by the path and a blank line. */
export function pathHeader(title: string, path: string): string {
  return `${padEqualSigns(title, path.length)}\n${path}\n`;
}
