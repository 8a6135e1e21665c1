/**
 * A fast parser for the common subset of HCL1 that policies use, producing exactly the generic
 * decoding js-hcl-parser produces (checked by differential tests). js-hcl-parser is Go compiled to
 * JS and costs 100 ms or more per policy, blocking the event loop; this costs microseconds.
 *
 * Anything outside the subset, and every syntax error, makes it give up (return undefined) so the
 * caller falls back to js-hcl-parser, which has Vault's exact semantics and error messages.
 *
 * Subset: `key = value` and `key "label"... { body }` items (optional commas between items),
 * identifiers and quoted keys, strings with \n \t \r \" \\ \uXXXX escapes, decimal numbers, bools,
 * lists (trailing comma allowed), objects, and #, //, /* comments. Not handled: heredocs, `${`,
 * other escapes, hex/octal numbers, integers beyond 32 bits, unusual number forms, non-ASCII
 * identifiers, a key used both as a value and as a block.
 * JSON text (first non-space character `{`) is read with lossless-json unless it holds a null or a
 * boolean inside a list.
 */
import { LosslessNumber, isSafeNumber, parse as parseLossless } from 'lossless-json';

class Bail extends Error {}

const INT32_MAX = 2147483647;
const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;
const IDENT_START = /[A-Za-z_]/;
const IDENT_CHAR = /[A-Za-z0-9_.-]/;
const HEX4 = /^[0-9A-Fa-f]{4}$/;

/** An object value, kept apart from maps produced by lists until placed. */
class Obj {
  constructor(readonly value: Record<string, unknown>) {}
}

type Slot = { kind: 'literal'; value: unknown } | { kind: 'list'; items: unknown[] } | { kind: 'objects'; labeled: boolean; items: unknown[] };

class Parser {
  private pos = 0;
  constructor(private readonly s: string) {}

  private skip(): void {
    const s = this.s;
    for (;;) {
      const c = s[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.pos++;
      else if (c === '#' || (c === '/' && s[this.pos + 1] === '/')) {
        const nl = s.indexOf('\n', this.pos);
        this.pos = nl < 0 ? s.length : nl + 1;
      } else if (c === '/' && s[this.pos + 1] === '*') {
        const end = s.indexOf('*/', this.pos + 2);
        if (end < 0) throw new Bail();
        this.pos = end + 2;
      } else return;
    }
  }

  root(): Record<string, unknown> {
    const body = this.body(true);
    if (this.pos !== this.s.length) throw new Bail();
    return body;
  }

  private body(atRoot: boolean): Record<string, unknown> {
    const slots = new Map<string, Slot>();
    for (;;) {
      this.skip();
      const c = this.s[this.pos];
      if (c === undefined) {
        if (!atRoot) throw new Bail();
        break;
      }
      if (c === '}') {
        if (atRoot) throw new Bail();
        break;
      }
      const key = this.key();
      const labels: string[] = [];
      this.skip();
      while (this.s[this.pos] === '"' || IDENT_START.test(this.s[this.pos] ?? '')) {
        labels.push(this.key());
        this.skip();
      }
      const next = this.s[this.pos];
      if (next === '=' && labels.length === 0) {
        this.pos++;
        this.skip();
        const value = this.value();
        if (value instanceof Obj) addObject(slots, key, value.value, false);
        else addValue(slots, key, value);
      } else if (next === '{') {
        this.pos++;
        let obj: Record<string, unknown> = this.body(false);
        this.pos++; // the closing brace, checked by body()
        for (let i = labels.length - 1; i >= 0; i--) obj = Object.fromEntries([[labels[i], [obj]]]);
        addObject(slots, key, obj, labels.length > 0);
      } else throw new Bail();
      this.skip();
      if (this.s[this.pos] === ',') this.pos++;
    }
    return Object.fromEntries([...slots].map(([k, slot]) => [k, slot.kind === 'literal' ? slot.value : slot.items]));
  }

  private key(): string {
    if (this.s[this.pos] === '"') return this.string();
    const start = this.pos;
    if (!IDENT_START.test(this.s[this.pos] ?? '')) throw new Bail();
    this.pos++;
    while (IDENT_CHAR.test(this.s[this.pos] ?? '')) this.pos++;
    const ident = this.s.slice(start, this.pos);
    // The HCL scanner reads these as booleans, never as keys or labels.
    if (ident === 'true' || ident === 'false') throw new Bail();
    return ident;
  }

  private string(): string {
    const s = this.s;
    let out = '';
    let i = this.pos + 1;
    for (;;) {
      const c = s[i];
      if (c === undefined || c === '\n') throw new Bail();
      if (c === '"') break;
      if (c === '$' && s[i + 1] === '{') throw new Bail();
      if (c === '\\') {
        const e = s[i + 1];
        if (e === 'n') out += '\n';
        else if (e === 't') out += '\t';
        else if (e === 'r') out += '\r';
        else if (e === '"') out += '"';
        else if (e === '\\') out += '\\';
        else if (e === 'u') {
          const hex = s.slice(i + 2, i + 6);
          if (!HEX4.test(hex)) throw new Bail();
          const code = Number.parseInt(hex, 16);
          if (code >= 0xd800 && code <= 0xdfff) throw new Bail();
          out += String.fromCharCode(code);
          i += 4;
        } else throw new Bail();
        i += 2;
        continue;
      }
      out += c;
      i++;
    }
    this.pos = i + 1;
    return out;
  }

  private value(): unknown {
    const c = this.s[this.pos];
    if (c === '"') return this.string();
    if (c === '[') return this.list();
    if (c === '{') {
      this.pos++;
      const obj = this.body(false);
      this.pos++;
      return new Obj(obj);
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    if (this.s.startsWith('true', this.pos) && !IDENT_CHAR.test(this.s[this.pos + 4] ?? '')) {
      this.pos += 4;
      return true;
    }
    if (this.s.startsWith('false', this.pos) && !IDENT_CHAR.test(this.s[this.pos + 5] ?? '')) {
      this.pos += 5;
      return false;
    }
    throw new Bail();
  }

  private list(): unknown[] {
    this.pos++;
    const out: unknown[] = [];
    this.skip();
    if (this.s[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      const v = this.value();
      out.push(v instanceof Obj ? v.value : v);
      this.skip();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
        this.skip();
        if (this.s[this.pos] === ']') {
          this.pos++;
          return out;
        }
      } else if (c === ']') {
        this.pos++;
        return out;
      } else throw new Bail();
    }
  }

  private number(): number {
    NUMBER_RE.lastIndex = this.pos;
    const m = NUMBER_RE.exec(this.s);
    if (!m) throw new Bail();
    const end = this.pos + m[0].length;
    if (/[A-Za-z0-9_.]/.test(this.s[end] ?? '')) throw new Bail();
    const text = m[0];
    let v = Number(text);
    if (/^-?\d+$/.test(text)) {
      if (Math.abs(v) > INT32_MAX) throw new Bail();
      if (v === 0) v = 0; // an integer has no negative zero
    } else if (!Number.isFinite(v) || !isSafeNumber(String(v))) {
      throw new Bail();
    }
    this.pos = end;
    return v;
  }
}

/** Repeated list values concatenate; any other repeated value is left to the library. */
function addValue(slots: Map<string, Slot>, key: string, value: unknown): void {
  const prev = slots.get(key);
  if (Array.isArray(value)) {
    if (!prev) slots.set(key, { kind: 'list', items: value.slice() });
    else if (prev.kind === 'list') prev.items.push(...value);
    else throw new Bail();
    return;
  }
  if (prev) throw new Bail();
  slots.set(key, { kind: 'literal', value });
}

/** Repeated blocks accumulate, unless labeled and unlabeled blocks share a key. */
function addObject(slots: Map<string, Slot>, key: string, obj: Record<string, unknown>, labeled: boolean): void {
  const prev = slots.get(key);
  if (!prev) slots.set(key, { kind: 'objects', labeled, items: [obj] });
  else if (prev.kind === 'objects' && prev.labeled === labeled) prev.items.push(obj);
  else throw new Bail();
}

/**
 * JSON values the HCL1 JSON reader treats its own way are left to the library: nulls, and
 * booleans inside lists (which it silently drops).
 */
function needsLibrary(v: unknown, inList = false): boolean {
  if (v === null) return true;
  if (typeof v === 'boolean') return inList;
  if (Array.isArray(v)) return v.some((x) => needsLibrary(x, true));
  if (typeof v === 'object' && !(v instanceof LosslessNumber)) return Object.values(v as Record<string, unknown>).some((x) => needsLibrary(x));
  return false;
}

function parseNumber(value: string): number | LosslessNumber {
  return isSafeNumber(value) ? Number(value) : new LosslessNumber(value);
}

/** The generic decoding of `text`, or undefined when the caller must use js-hcl-parser. */
export function fastParseHcl(text: string): unknown {
  if (/^\s*\{/.test(text)) {
    let out: unknown;
    try {
      out = parseLossless(text, undefined, parseNumber);
    } catch {
      return undefined;
    }
    return needsLibrary(out) ? undefined : out;
  }
  // NUL, byte-order marks and surrogates have their own rules in the HCL scanner.
  if (text.includes('\u0000') || /[\uFEFF\uD800-\uDFFF]/.test(text)) return undefined;
  try {
    return new Parser(text).root();
  } catch (e) {
    if (e instanceof Bail) return undefined;
    throw e;
  }
}
