/**
 * Policy text (HCL1 or JSON) -> validated rules (spec/core.md 3.1, 3.8).
 *
 * Every problem surfaces as KeepError 400 `failed to parse policy: <detail>`. Key errors use
 * Vault's multi-error form (`1 error occurred:\n\t* path "a": invalid key "x" on line 3\n\n`);
 * HCL syntax errors carry the parser's `At <line>:<col>:` position.
 */
import { badRequest, multiError } from '../../errors.ts';
import { parseDuration } from '../../framework/duration.ts';
import { HclError, parseHcl } from './hcl.ts';
import { UNBALANCED, validateTemplate } from './template.ts';
import { CAP, isCapabilityName, type CapabilityName, type ParamMap, type ParsedPolicy, type PolicyRule } from './types.ts';

class PolicyError extends Error {}

const TOP_KEYS = new Set(['name', 'path']);
const PATH_KEYS = new Set([
  'comment',
  'policy',
  'capabilities',
  'allowed_parameters',
  'denied_parameters',
  'required_parameters',
  'min_wrapping_ttl',
  'max_wrapping_ttl',
  'mfa_methods',
  'control_group',
  'subscribe_event_types',
]);

const LEGACY: Record<string, CapabilityName[]> = {
  deny: ['deny'],
  read: ['read', 'list'],
  write: ['create', 'read', 'update', 'delete', 'list'],
  sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Numbers from the parser are JS numbers or lossless-json LosslessNumbers. */
function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (isObject(v) && v.isLosslessNumber === true && typeof v.value === 'string') return v.value;
  return undefined;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Best-effort line number of `key` used as an HCL/JSON key, searching from `from`. */
function lineOf(text: string, key: string, from = 0): number | undefined {
  const re = new RegExp(`(^|[\\s{,])"?${escapeRe(key)}"?\\s*[={:]`, 'gm');
  re.lastIndex = from;
  const m = re.exec(text);
  if (!m) return undefined;
  const keyAt = m.index + m[1].length;
  let line = 1;
  for (let i = 0; i < keyAt; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function invalidKey(text: string, key: string, from: number): string {
  const line = lineOf(text, key, from);
  return line === undefined ? `invalid key "${key}"` : `invalid key "${key}" on line ${line}`;
}

function stringList(v: unknown, label: string, field: string): string[] {
  if (!Array.isArray(v)) throw new PolicyError(`path "${label}": ${field} must be a list of strings`);
  return v.map((x) => {
    const s = scalarText(x);
    if (s === undefined) throw new PolicyError(`path "${label}": ${field} must be a list of strings`);
    return s;
  });
}

/** `{ "x" = [...] }` (assignment) and `allowed_parameters { "x" = [...] }` (HCL1 block) forms. */
function paramMap(v: unknown, label: string, field: string): ParamMap | undefined {
  const objects = Array.isArray(v) ? v : [v];
  const out: ParamMap = new Map();
  for (const obj of objects) {
    if (!isObject(obj)) throw new PolicyError(`path "${label}": ${field} must be a map of parameter names to lists of values`);
    for (const [k, values] of Object.entries(obj)) {
      if (!Array.isArray(values)) throw new PolicyError(`path "${label}": ${field} "${k}" must be a list of values`);
      out.set(k.toLowerCase(), values);
    }
  }
  return out.size > 0 ? out : undefined;
}

function duration(v: unknown, field: string): number {
  const input = typeof v === 'number' ? Math.trunc(v) : scalarText(v);
  if (input === undefined) throw new PolicyError(`error parsing ${field}: invalid duration`);
  let secs: number;
  try {
    secs = parseDuration(input);
  } catch (e) {
    throw new PolicyError(`error parsing ${field}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (secs < 0) throw new PolicyError(`error parsing ${field}: negative durations are not allowed`);
  return secs;
}

function parseRule(label: string, body: Record<string, unknown>, text: string, from: number): PolicyRule {
  let templated: boolean;
  try {
    templated = validateTemplate(label);
  } catch {
    throw new PolicyError(`failed to validate policy templating: ${UNBALANCED}`);
  }

  const badKeys = Object.keys(body).filter((k) => !PATH_KEYS.has(k));
  if (badKeys.length > 0) {
    const errors = badKeys.map((k) => ({ k, line: lineOf(text, k, from) ?? 0 })).sort((a, b) => a.line - b.line);
    throw new PolicyError(multiError(...errors.map((e) => `path "${label}": ${invalidKey(text, e.k, from)}`)));
  }

  const path = label.startsWith('/') ? label.slice(1) : label;
  if (path.includes('+*')) throw new PolicyError(`path "${path}": invalid use of wildcards ('+*' is forbidden)`);

  let caps: string[] = body.capabilities === undefined ? [] : stringList(body.capabilities, label, 'capabilities');
  if (body.policy !== undefined) {
    const legacy = scalarText(body.policy);
    if (legacy === undefined || !Object.prototype.hasOwnProperty.call(LEGACY, legacy)) {
      throw new PolicyError(`path "${label}": invalid policy "${legacy ?? JSON.stringify(body.policy)}"`);
    }
    const mapped = LEGACY[legacy];
    caps = legacy === 'deny' ? ['deny'] : caps.concat(mapped);
  }

  const rule: PolicyRule = {
    path: templated ? label : path,
    templated,
    capabilities: [],
    bits: 0,
    requiredParameters: [],
    minWrappingTTL: 0,
    maxWrappingTTL: 0,
  };
  const names = new Set<CapabilityName>();
  for (const c of caps) {
    if (c === 'deny') {
      // deny drops everything else in the block, including its parameter and TTL settings.
      rule.capabilities = ['deny'];
      rule.bits = CAP.deny;
      return rule;
    }
    if (!isCapabilityName(c)) throw new PolicyError(`path "${label}": invalid capability "${c}"`);
    names.add(c);
    rule.bits |= CAP[c];
  }
  rule.capabilities = [...names];

  if (body.allowed_parameters !== undefined) rule.allowedParameters = paramMap(body.allowed_parameters, label, 'allowed_parameters');
  if (body.denied_parameters !== undefined) rule.deniedParameters = paramMap(body.denied_parameters, label, 'denied_parameters');
  if (body.min_wrapping_ttl !== undefined) rule.minWrappingTTL = duration(body.min_wrapping_ttl, 'min_wrapping_ttl');
  if (body.max_wrapping_ttl !== undefined) rule.maxWrappingTTL = duration(body.max_wrapping_ttl, 'max_wrapping_ttl');
  if (rule.minWrappingTTL !== 0 && rule.maxWrappingTTL !== 0 && rule.maxWrappingTTL < rule.minWrappingTTL) {
    throw new PolicyError('max_wrapping_ttl cannot be less than min_wrapping_ttl');
  }
  if (body.required_parameters !== undefined) {
    rule.requiredParameters = [...new Set(stringList(body.required_parameters, label, 'required_parameters').map((p) => p.toLowerCase()))];
  }
  return rule;
}

/** `path` as decoded by HCL1: a list of `{ label: [body, ...] }` objects (or one such object). */
function pathEntries(v: unknown): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  const objects = Array.isArray(v) ? v : [v];
  for (const obj of objects) {
    if (!isObject(obj)) throw new PolicyError('path: expected one or more path blocks');
    for (const [label, body] of Object.entries(obj)) out.push([label, body]);
  }
  return out;
}

function parseRoot(text: string, hcl: (text: string) => unknown): ParsedPolicy {
  let root: unknown;
  try {
    root = hcl(text);
  } catch (e) {
    if (e instanceof HclError) throw new PolicyError(e.message);
    throw e;
  }
  if (!isObject(root)) throw new PolicyError('does not contain a root object');

  const badKeys = Object.keys(root).filter((k) => !TOP_KEYS.has(k));
  if (badKeys.length > 0) {
    const errors = badKeys.map((k) => ({ k, line: lineOf(text, k) ?? 0 })).sort((a, b) => a.line - b.line);
    throw new PolicyError(multiError(...errors.map((e) => invalidKey(text, e.k, 0))));
  }

  const rules: PolicyRule[] = [];
  if (root.path !== undefined) {
    let cursor = 0;
    for (const [label, body] of pathEntries(root.path)) {
      const at = text.indexOf(JSON.stringify(label), cursor);
      const from = at >= 0 ? at : cursor;
      if (at >= 0) cursor = at + 1;
      const bodies = Array.isArray(body) ? body : [body];
      for (const b of bodies) {
        if (!isObject(b)) throw new PolicyError(`path "${label}": expected a block of settings`);
        rules.push(parseRule(label, b, text, from));
      }
    }
  }
  return { rules, templated: rules.some((r) => r.templated) };
}

/** Parses and validates a policy. Throws KeepError 400 `failed to parse policy: ...`. */
export function parsePolicy(text: string): ParsedPolicy {
  return parsePolicyUsing(text, parseHcl);
}

/** parsePolicy with a chosen HCL decoder (tests compare the fast parser with js-hcl-parser). */
export function parsePolicyUsing(text: string, hcl: (text: string) => unknown): ParsedPolicy {
  try {
    return parseRoot(text, hcl);
  } catch (e) {
    if (e instanceof PolicyError) throw badRequest(`failed to parse policy: ${e.message}`);
    throw e;
  }
}
