/**
 * The table `keep write auth/<mount>/explain jwt=...` prints: per role, whether the token would be
 * accepted and why not (reason code), the policies it would get, then one line per check with the
 * claim, the expected and the actual value, and pass/FAIL.
 */
import { isLosslessNumber, toJson } from '../client/json.ts';
import { columns } from './format.ts';

/** One check of a role's decision trace. */
export interface ExplainCheck {
  check: string;
  claim?: string;
  expected?: unknown;
  actual?: unknown;
  passed: boolean;
}

/** A policy as the token would get it, templated paths rendered. */
export interface RenderedPolicy {
  policy: string;
  missing?: boolean;
  paths: Array<{ path: string; capabilities: string[] }>;
}

/** One role's decision. */
export interface ExplainRole {
  role: string;
  accepted: boolean;
  reason_code?: string;
  /** Vault's error message of the first failing check. */
  error?: string;
  checks: ExplainCheck[];
  policies?: string[];
  /** Token metadata the login would set. */
  metadata?: Record<string, string>;
  rendered_policies?: RenderedPolicy[];
}

const MAX_CELL = 60;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A value for a cell. Strings print bare, except those that read like another JSON type
 * (`"318"`, `"true"`, `""`), which are quoted so a type mismatch is visible; lists print as
 * `[a, b]`; objects as JSON. Absent values print as `-`.
 */
export function explainValue(v: unknown): string {
  let text: string;
  if (v === undefined) text = '-';
  else if (v === null) text = 'null';
  else if (typeof v === 'string') text = v === '' || /^(true|false|null|-?\d+(\.\d+)?([eE][-+]?\d+)?)$/.test(v) ? JSON.stringify(v) : v;
  else if (isLosslessNumber(v)) text = v.toString();
  else if (Array.isArray(v)) text = `[${v.map(explainValue).join(', ')}]`;
  else if (isObject(v)) text = toJson(v);
  else text = String(v);
  text = text.replace(/[\r\n\t]+/g, ' ');
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}

function parseCheck(v: unknown): ExplainCheck | undefined {
  if (!isObject(v) || typeof v.check !== 'string') return undefined;
  const c: ExplainCheck = { check: v.check, passed: v.passed === true };
  if (typeof v.claim === 'string') c.claim = v.claim;
  if ('expected' in v) c.expected = v.expected;
  if ('actual' in v) c.actual = v.actual;
  return c;
}

function parseRendered(v: unknown): RenderedPolicy[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: RenderedPolicy[] = [];
  for (const p of v) {
    if (!isObject(p) || typeof p.policy !== 'string') continue;
    const paths = Array.isArray(p.paths)
      ? p.paths.filter(isObject).map((x) => ({ path: String(x.path), capabilities: Array.isArray(x.capabilities) ? x.capabilities.map(String) : [] }))
      : [];
    out.push({ policy: p.policy, ...(p.missing === true ? { missing: true } : {}), paths });
  }
  return out;
}

/** Rows `policy  path  [caps]`; the built-in `default` policy is summarised on one row. */
function grantRows(policies: RenderedPolicy[]): string[][] {
  const rows: string[][] = [];
  for (const p of policies) {
    if (p.missing) rows.push([p.policy, '(no such policy: grants nothing)', '-']);
    else if (p.policy === 'default') rows.push([p.policy, `(${p.paths.length} standard self-service paths)`, '-']);
    else if (p.paths.length === 0) rows.push([p.policy, '(no paths; templates unresolved?)', '-']);
    else for (const x of p.paths) rows.push([p.policy, x.path, `[${x.capabilities.join(', ')}]`]);
  }
  return rows;
}

/** The roles of an explain answer's `data`, or undefined when `data` is not one. */
export function explainRoles(data: unknown): ExplainRole[] | undefined {
  if (!isObject(data) || !Array.isArray(data.roles)) return undefined;
  const roles: ExplainRole[] = [];
  for (const r of data.roles) {
    if (!isObject(r) || typeof r.role !== 'string') return undefined;
    const role: ExplainRole = {
      role: r.role,
      accepted: r.accepted === true,
      checks: Array.isArray(r.checks) ? r.checks.map(parseCheck).filter((c): c is ExplainCheck => c !== undefined) : [],
    };
    if (typeof r.reason_code === 'string' && r.reason_code !== '') role.reason_code = r.reason_code;
    if (typeof r.error === 'string' && r.error !== '') role.error = r.error;
    if (Array.isArray(r.policies)) role.policies = r.policies.map(String);
    if (isObject(r.metadata)) role.metadata = Object.fromEntries(Object.entries(r.metadata).map(([k, v]) => [k, String(v)]));
    const rendered = parseRendered(r.rendered_policies);
    if (rendered) role.rendered_policies = rendered;
    roles.push(role);
  }
  return roles;
}

/** The text block of one role. */
export function explainRoleText(r: ExplainRole): string {
  const verdict = r.accepted ? 'accepted' : `REJECTED${r.reason_code ? ` (${r.reason_code})` : ''}`;
  const lines = [`Role: ${r.role}    ${verdict}`];
  if (!r.accepted && r.error) lines.push(`Error: ${r.error}`);
  if (r.policies) lines.push(`Policies: ${r.policies.length > 0 ? r.policies.join(', ') : '(none)'}`);
  if (r.metadata && Object.keys(r.metadata).length > 0) {
    lines.push(`Metadata: ${Object.keys(r.metadata).sort().map((k) => `${k}=${r.metadata?.[k] ?? ''}`).join(' ')}`);
  }
  if (r.checks.length === 0) lines.push('', '(no checks reported)');
  else {
    const header = ['Check', 'Claim', 'Expected', 'Actual', 'Result'];
    const rows = r.checks.map((c) => [c.check, c.claim ?? '-', explainValue(c.expected), explainValue(c.actual), c.passed ? 'pass' : 'FAIL']);
    lines.push('', columns([header, header.map((h) => '-'.repeat(h.length)), ...rows]));
  }
  if (r.rendered_policies && r.rendered_policies.length > 0) {
    const header = ['Policy', 'Path (rendered)', 'Capabilities'];
    lines.push('', columns([header, header.map((h) => '-'.repeat(h.length)), ...grantRows(r.rendered_policies)]));
  }
  return lines.join('\n');
}

/** The whole explain table (roles separated by a blank line), or undefined when `data` is not an explain answer. */
export function explainText(data: unknown): string | undefined {
  const roles = explainRoles(data);
  if (roles === undefined) return undefined;
  if (roles.length === 0) return 'No roles to explain.';
  return roles.map(explainRoleText).join('\n\n');
}
