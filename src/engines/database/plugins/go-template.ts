/**
 * Evaluation of Go-template username templates with Vault's function set (spec/dynamic.md 2.13):
 * random, truncate, truncate_sha256, uppercase, lowercase, replace, sha256, base64,
 * decode_base64, hex, decode_hex, uuid, glob, unix_time, unix_time_millis, timestamp, plus the
 * Go built-ins printf, print, eq, ne, lt, le, gt, ge, and, or, not, len.
 *
 * Errors follow Go's shape: parse errors `template: template:<line>: ...`, execution errors
 * `template: template:<line>: executing "template" at <...>: error calling <fn>: ...`.
 */
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { formatGoLayout } from './go-time.ts';
import { TemplateError, lineOf, parseTemplate, type Command, type Node, type Operand, type Pipeline } from './go-template-parse.ts';

export { TemplateError } from './go-template-parse.ts';

type Value = string | number | boolean | null | Record<string, unknown>;

export interface TemplateClock {
  /** Milliseconds since the epoch (defaults to Date.now()). */
  nowMs(): number;
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `n` characters of [A-Za-z0-9] from the crypto RNG (uniform). */
export function randomBase62(n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += BASE62[randomInt(BASE62.length)];
  return out;
}

/** The first `max` bytes of the UTF-8 encoding of `s`, never splitting a character. */
export function truncateBytes(s: string, max: number): string {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length <= max) return s;
  let out = '';
  let used = 0;
  for (const ch of s) {
    const len = Buffer.byteLength(ch, 'utf8');
    if (used + len > max) break;
    out += ch;
    used += len;
  }
  return out;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 's');
}

type Fn = (args: Value[], clock: TemplateClock) => Value;

function str(v: Value): string {
  if (typeof v !== 'string') throw new Error(`wrong type for value; expected string; got ${goTypeName(v)}`);
  return v;
}

function int(v: Value): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`wrong type for value; expected int; got ${goTypeName(v)}`);
  return v;
}

function arity(args: Value[], n: number): void {
  if (args.length !== n) throw new Error(`wrong number of args: got ${args.length} want ${n}`);
}

function goTypeName(v: Value): string {
  if (v === null) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  return 'struct';
}

export function truthy(v: Value): boolean {
  if (v === null || v === false || v === 0 || v === '') return false;
  return true;
}

/** Go's fmt %v of a template value. */
function show(v: Value): string {
  if (v === null) return '<nil>';
  if (typeof v === 'object') return '{}';
  return String(v);
}

function quoteGo(s: string): string {
  return JSON.stringify(s).replace(/\\u007f/g, '\\x7f');
}

/** Go's fmt.Sprintf for the verbs templates use (%s %v %d %q %x %X %t %%). */
export function goSprintf(format: string, args: Value[]): string {
  let out = '';
  let next = 0;
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    const m = /^%([-+# 0]*)(\d*)(?:\.(\d+))?([a-zA-Z%])/.exec(format.slice(i));
    if (!m) {
      out += '%!(NOVERB)';
      break;
    }
    i += m[0].length - 1;
    const [, flags, width, , verb] = m;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (next >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const v = args[next++];
    let s: string;
    switch (verb) {
      case 's':
      case 'v':
        s = show(v);
        break;
      case 'd':
        s = typeof v === 'number' && Number.isInteger(v) ? String(v) : `%!d(${goTypeName(v)}=${show(v)})`;
        break;
      case 'q':
        s = typeof v === 'string' ? quoteGo(v) : `%!q(${goTypeName(v)}=${show(v)})`;
        break;
      case 'x':
      case 'X': {
        const h = typeof v === 'string' ? Buffer.from(v, 'utf8').toString('hex') : typeof v === 'number' ? Math.trunc(v).toString(16) : `%!x(${goTypeName(v)})`;
        s = verb === 'X' ? h.toUpperCase() : h;
        break;
      }
      case 't':
        s = typeof v === 'boolean' ? String(v) : `%!t(${goTypeName(v)}=${show(v)})`;
        break;
      default:
        s = `%!${verb}(${goTypeName(v)}=${show(v)})`;
    }
    if (width !== '' && s.length < Number(width)) {
      const pad = (flags.includes('0') && verb === 'd' ? '0' : ' ').repeat(Number(width) - s.length);
      s = flags.includes('-') ? s + pad : pad + s;
    }
    out += s;
  }
  if (next < args.length) {
    out += `%!(EXTRA ${args
      .slice(next)
      .map((v) => `${goTypeName(v)}=${show(v)}`)
      .join(', ')})`;
  }
  return out;
}

function compare(a: Value, b: Value): number {
  if (typeof a !== typeof b || (typeof a !== 'string' && typeof a !== 'number')) throw new Error('incompatible types for comparison');
  return a < (b as typeof a) ? -1 : a > (b as typeof a) ? 1 : 0;
}

function eq(a: Value, b: Value): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a !== typeof b || typeof a === 'object') throw new Error('incompatible types for comparison');
  return a === b;
}

export const FUNCTIONS: Record<string, Fn> = {
  random: (a) => (arity(a, 1), randomBase62(int(a[0]))),
  truncate: (a) => {
    arity(a, 2);
    const max = int(a[0]);
    if (max <= 0) throw new Error(`max length must be > 0 but was ${max}`);
    return truncateBytes(str(a[1]), max);
  },
  truncate_sha256: (a) => {
    arity(a, 2);
    const max = int(a[0]);
    const s = str(a[1]);
    if (max <= 8) throw new Error(`max length must be > 8 but was ${max}`);
    if (Buffer.byteLength(s, 'utf8') <= max) return s;
    const head = truncateBytes(s, max - 8);
    const tail = s.slice(head.length);
    return head + createHash('sha256').update(tail, 'utf8').digest('hex').slice(0, 8);
  },
  uppercase: (a) => (arity(a, 1), str(a[0]).toUpperCase()),
  lowercase: (a) => (arity(a, 1), str(a[0]).toLowerCase()),
  replace: (a) => {
    arity(a, 3);
    const [find, by, s] = [str(a[0]), str(a[1]), str(a[2])];
    // Go's strings.ReplaceAll with an empty pattern inserts at every character boundary.
    return find === '' ? by + [...s].join(by) + (s === '' ? '' : by) : s.split(find).join(by);
  },
  sha256: (a) => (arity(a, 1), createHash('sha256').update(str(a[0]), 'utf8').digest('hex')),
  base64: (a) => (arity(a, 1), Buffer.from(str(a[0]), 'utf8').toString('base64')),
  decode_base64: (a) => {
    arity(a, 1);
    const s = str(a[0]);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) throw new Error('illegal base64 data');
    return Buffer.from(s, 'base64').toString('utf8');
  },
  hex: (a) => (arity(a, 1), Buffer.from(str(a[0]), 'utf8').toString('hex')),
  decode_hex: (a) => {
    arity(a, 1);
    const s = str(a[0]);
    if (!/^([0-9a-fA-F]{2})*$/.test(s)) throw new Error('encoding/hex: invalid byte');
    return Buffer.from(s, 'hex').toString('utf8');
  },
  uuid: (a) => (arity(a, 0), randomUUID()),
  glob: (a) => (arity(a, 2), globToRegExp(str(a[0])).test(str(a[1]))),
  unix_time: (a, clock) => (arity(a, 0), String(Math.floor(clock.nowMs() / 1000))),
  unix_time_millis: (a, clock) => (arity(a, 0), String(Math.floor(clock.nowMs()))),
  timestamp: (a, clock) => (arity(a, 1), formatGoLayout(new Date(clock.nowMs()), str(a[0]))),
  printf: (a) => {
    if (a.length === 0) throw new Error('wrong number of args: got 0 want at least 1');
    return goSprintf(str(a[0]), a.slice(1));
  },
  print: (a) => a.map((v, i) => (i > 0 && typeof v !== 'string' && typeof a[i - 1] !== 'string' ? ' ' : '') + show(v)).join(''),
  eq: (a) => {
    if (a.length < 2) throw new Error('missing argument for comparison');
    return a.slice(1).some((b) => eq(a[0], b));
  },
  ne: (a) => (arity(a, 2), !eq(a[0], a[1])),
  lt: (a) => (arity(a, 2), compare(a[0], a[1]) < 0),
  le: (a) => (arity(a, 2), compare(a[0], a[1]) <= 0),
  gt: (a) => (arity(a, 2), compare(a[0], a[1]) > 0),
  ge: (a) => (arity(a, 2), compare(a[0], a[1]) >= 0),
  not: (a) => (arity(a, 1), !truthy(a[0])),
  and: (a) => {
    if (a.length === 0) throw new Error('wrong number of args: got 0 want at least 1');
    for (const v of a) if (!truthy(v)) return v;
    return a[a.length - 1];
  },
  or: (a) => {
    if (a.length === 0) throw new Error('wrong number of args: got 0 want at least 1');
    for (const v of a) if (truthy(v)) return v;
    return a[a.length - 1];
  },
  len: (a) => {
    arity(a, 1);
    if (typeof a[0] !== 'string') throw new Error(`len of type ${goTypeName(a[0])}`);
    return Buffer.byteLength(a[0], 'utf8');
  },
};

const isFunction = (name: string): boolean => Object.hasOwn(FUNCTIONS, name);

/** A parsed template, executable many times. */
export class GoTemplate {
  private readonly nodes: Node[];

  /** Throws TemplateError for syntax errors and unknown functions. */
  constructor(private readonly source: string) {
    if (source === '') throw new TemplateError('missing template');
    this.nodes = parseTemplate(source, isFunction);
  }

  /** Runs the template against `data` (field names as in Go: `.DisplayName`). Throws TemplateError. */
  execute(data: Record<string, unknown>, clock: TemplateClock = { nowMs: () => Date.now() }): string {
    return new Execution(this.source, data, clock).nodes(this.nodes);
  }
}

class Execution {
  constructor(
    private readonly src: string,
    private readonly data: Record<string, unknown>,
    private readonly clock: TemplateClock,
  ) {}

  nodes(list: Node[]): string {
    let out = '';
    for (const n of list) {
      if (n.kind === 'text') out += n.text;
      else if (n.kind === 'action') out += show(this.pipeline(n.pipeline));
      else out += this.nodes(truthy(this.pipeline(n.pipeline)) ? n.then : n.otherwise);
    }
    return out;
  }

  private fail(pos: number, at: string, message: string): TemplateError {
    return new TemplateError(`template: template:${lineOf(this.src, pos)}: executing "template" at <${at}>: ${message}`);
  }

  private pipeline(p: Pipeline): Value {
    let piped: Value | undefined;
    for (const cmd of p.commands) piped = this.command(cmd, piped);
    return piped ?? null;
  }

  private command(cmd: Command, piped: Value | undefined): Value {
    const [head, ...rest] = cmd.args;
    if (head.kind === 'ident') {
      const args = rest.map((a) => this.operand(a));
      if (piped !== undefined) args.push(piped);
      try {
        return FUNCTIONS[head.name](args, this.clock);
      } catch (e) {
        if (e instanceof TemplateError) throw e;
        throw this.fail(cmd.pos, head.name, `error calling ${head.name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (rest.length > 0 || piped !== undefined) {
      throw this.fail(cmd.pos, this.describe(head), `can't give argument to non-function ${this.describe(head)}`);
    }
    return this.operand(head);
  }

  private describe(o: Operand): string {
    switch (o.kind) {
      case 'field':
        return `.${o.path.join('.')}`;
      case 'string':
        return JSON.stringify(o.value);
      case 'number':
        return o.text;
      default:
        return o.kind;
    }
  }

  private operand(o: Operand): Value {
    switch (o.kind) {
      case 'field': {
        let cur: unknown = this.data;
        for (const name of o.path) {
          if (typeof cur !== 'object' || cur === null || !Object.hasOwn(cur, name)) {
            throw this.fail(o.pos, `.${o.path.join('.')}`, `can't evaluate field ${name} in type ${typeof cur === 'object' ? 'struct' : typeof cur}`);
          }
          cur = (cur as Record<string, unknown>)[name];
        }
        return toValue(cur);
      }
      case 'dot':
        return this.data;
      case 'string':
        return o.value;
      case 'number':
        return o.value;
      case 'bool':
        return o.value;
      case 'nil':
        return null;
      case 'ident':
        try {
          return FUNCTIONS[o.name]([], this.clock);
        } catch (e) {
          throw this.fail(o.pos, o.name, `error calling ${o.name}: ${e instanceof Error ? e.message : String(e)}`);
        }
      case 'pipe':
        return this.pipeline(o.pipeline);
    }
  }
}

function toValue(v: unknown): Value {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'object') return v as Record<string, unknown>;
  return String(v);
}
