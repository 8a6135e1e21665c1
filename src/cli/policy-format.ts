/**
 * `policy fmt`: parses a policy (HCL or JSON) and prints it in one canonical HCL layout:
 * `name` first, then each `path` block in source order with its keys in a fixed order, two-space
 * indentation, one blank line between blocks. Comments are not kept (the caller warns).
 */
import { parseHcl } from './hcl.ts';

const KEY_ORDER = ['policy', 'capabilities', 'required_parameters', 'allowed_parameters', 'denied_parameters', 'min_wrapping_ttl', 'max_wrapping_ttl'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** HCL's `[{a:..},{b:..}]` block lists (or a plain object in JSON input) as ordered entries. */
function blockEntries(v: unknown): Array<[string, unknown]> {
  if (Array.isArray(v)) return v.flatMap((x) => blockEntries(x));
  if (isObject(v)) return Object.entries(v);
  throw new Error('expected a block');
}

/** A block body: a list of objects (HCL) or an object (JSON), merged into one object. */
function blockBody(v: unknown): Record<string, unknown> {
  if (Array.isArray(v)) {
    const out: Record<string, unknown> = {};
    for (const item of v) {
      if (!isObject(item)) throw new Error('expected a block body');
      Object.assign(out, item);
    }
    return out;
  }
  if (isObject(v)) return v;
  throw new Error('expected a block body');
}

function quote(s: string): string {
  return JSON.stringify(s);
}

function renderValue(v: unknown, indent: string): string {
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return '""';
  if (Array.isArray(v) && v.length > 0 && v.every(isObject)) return renderMap(blockBody(v), indent);
  if (Array.isArray(v)) return `[${v.map((x) => renderValue(x, indent)).join(', ')}]`;
  if (isObject(v)) return renderMap(v, indent);
  return quote(String(v));
}

function renderMap(m: Record<string, unknown>, indent: string): string {
  const inner = `${indent}  `;
  const keys = Object.keys(m);
  if (keys.length === 0) return '{}';
  const lines = keys.map((k) => `${inner}${quote(k)} = ${renderValue(m[k], inner)}`);
  return `{\n${lines.join('\n')}\n${indent}}`;
}

function orderedKeys(body: Record<string, unknown>): string[] {
  const known = KEY_ORDER.filter((k) => k in body);
  const rest = Object.keys(body)
    .filter((k) => !KEY_ORDER.includes(k))
    .sort();
  return [...known, ...rest];
}

/**
 * Formats policy text canonically.
 * @throws Error with the parser's position for invalid HCL, or naming the offending key.
 */
export function formatPolicy(text: string): string {
  const root = parseHcl(text);
  if (!isObject(root)) throw new Error('policy must be an object');
  const parts: string[] = [];
  for (const key of Object.keys(root)) {
    if (key !== 'name' && key !== 'path') throw new Error(`invalid key "${key}" at the top level (only "name" and "path" are allowed)`);
  }
  if (root.name !== undefined) parts.push(`name = ${renderValue(root.name, '')}`);
  if (root.path !== undefined) {
    for (const [p, raw] of blockEntries(root.path)) {
      let body: Record<string, unknown>;
      try {
        body = blockBody(raw);
      } catch {
        throw new Error(`path "${p}": expected a block`);
      }
      const lines = orderedKeys(body).map((k) => `  ${k} = ${renderValue(body[k], '  ')}`);
      parts.push(lines.length === 0 ? `path ${quote(p)} {}` : `path ${quote(p)} {\n${lines.join('\n')}\n}`);
    }
  }
  return `${parts.join('\n\n')}\n`;
}

/** True when HCL text contains a comment (`#`, `//`, `/* *\/`) outside strings and heredocs. */
export function hasComments(text: string): boolean {
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === '<' && text.startsWith('<<', i)) {
      const m = /^<<-?([A-Za-z_][A-Za-z0-9_]*)\r?\n/.exec(text.slice(i));
      if (m) {
        const end = new RegExp(`\\n\\s*${m[1]}\\s*(\\n|$)`).exec(text.slice(i + m[0].length - 1));
        i = end ? i + m[0].length - 1 + end.index + end[0].length : text.length;
        continue;
      }
    }
    if (c === '#' || (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*'))) return true;
    i++;
  }
  return false;
}
