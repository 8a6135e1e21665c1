/**
 * HCL1 parsing (the dialect Vault's policies use; JSON is HCL1 too): the fast parser of
 * hcl-fast.ts for the common subset, js-hcl-parser for everything else and for errors.
 *
 * The library never throws for bad input: it returns the text `unable to parse JSON: <error>`
 * instead of JSON. This wrapper turns that into an HclError carrying the parser's message (which
 * starts with `At <line>:<col>:` for syntax errors), and parses the JSON it produces with
 * lossless-json so integers beyond 2^53 keep their exact digits.
 */
import { createRequire } from 'node:module';
import { LosslessNumber, isSafeNumber, parse as parseLossless } from 'lossless-json';
import { fastParseHcl } from './hcl-fast.ts';

export class HclError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HclError';
  }
}

interface HclLib {
  parse(input: string): unknown;
}

let lib: HclLib | undefined;

function load(): HclLib {
  if (!lib) {
    const req = createRequire(import.meta.url);
    lib = req('js-hcl-parser') as HclLib;
  }
  return lib;
}

const FAILURE_PREFIXES = ['unable to parse JSON: ', 'unable to print JSON: '];

function parseNumber(value: string): number | LosslessNumber {
  return isSafeNumber(value) ? Number(value) : new LosslessNumber(value);
}

const INT32_MAX = 2147483647n;

/**
 * The library is Go compiled to JS with 32-bit `int`: integer literals beyond ±2^31-1 fail with
 * `strconv.ParseInt ... value out of range`, where Vault (64-bit) accepts them. This rewrites such
 * literals (outside strings, comments and heredocs) as floats (`3000000000.0`), which the library
 * reads as float64: exact up to 2^53, the nearest double beyond.
 */
export function widenIntegers(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  const isWord = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_.-]/.test(c);
  while (i < n) {
    const c = text[i];
    const next = text[i + 1];
    let end = i + 1;
    if (c === '"') {
      while (end < n && text[end] !== '"' && text[end] !== '\n') end += text[end] === '\\' ? 2 : 1;
      end = Math.min(n, end + 1);
    } else if (c === '#' || (c === '/' && next === '/')) {
      while (end < n && text[end] !== '\n') end++;
    } else if (c === '/' && next === '*') {
      const close = text.indexOf('*/', i + 2);
      end = close < 0 ? n : close + 2;
    } else if (c === '<' && next === '<') {
      const m = /^<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n/.exec(text.slice(i));
      if (m) {
        const close = new RegExp(`^[ \\t]*${m[1]}[ \\t]*$`, 'm');
        const rest = text.slice(i + m[0].length);
        const found = close.exec(rest);
        end = found ? i + m[0].length + found.index + found[0].length : n;
      }
    } else if (/[0-9]/.test(c) && !isWord(text[i - 1] === '-' ? text[i - 2] : text[i - 1])) {
      while (end < n && /[0-9]/.test(text[end])) end++;
      const digits = text.slice(i, end);
      if (!/[.eExX0-9A-Za-z_]/.test(text[end] ?? ' ') && !(digits.length > 1 && digits[0] === '0') && BigInt(digits) > INT32_MAX) {
        out += `${digits}.0`;
        i = end;
        continue;
      }
    }
    out += text.slice(i, end);
    i = end;
  }
  return out;
}

function runParser(text: string): string {
  let out: unknown;
  try {
    out = load().parse(text);
  } catch (e) {
    // The generated Go code can raise a runtime panic as a JS exception on odd input.
    throw new HclError(e instanceof Error ? e.message : 'invalid HCL');
  }
  if (typeof out !== 'string') throw new HclError('invalid HCL');
  return out;
}

/**
 * Parses HCL1 text into the generic HCL1 decoding: blocks become lists of objects
 * (`path "a" {...}` -> `{ path: [ { a: [ {...} ] } ] }`). JSON text read by the fast path keeps
 * its plain shape (`{ path: { a: {...} } }`); the policy reader accepts both. Throws HclError.
 */
export function parseHcl(text: string): unknown {
  let fast: unknown;
  try {
    fast = fastParseHcl(text);
  } catch {
    // Never expected (differential tests hold it to the library); the library decides.
    fast = undefined;
  }
  return fast !== undefined ? fast : parseHclWithLibrary(text);
}

/** Parses with js-hcl-parser only (Vault's exact HCL1 semantics and error messages; slow). */
export function parseHclWithLibrary(text: string): unknown {
  let out = runParser(text);
  if (out.includes('strconv.ParseInt') && out.includes('value out of range') && !out.trimStart().startsWith('{')) {
    const widened = widenIntegers(text);
    if (widened !== text) out = runParser(widened);
  }
  const trimmed = out.trimStart();
  if (!trimmed.startsWith('{')) {
    let msg = out;
    for (const p of FAILURE_PREFIXES) if (msg.startsWith(p)) msg = msg.slice(p.length);
    throw new HclError(msg.trim() || 'invalid HCL');
  }
  try {
    return parseLossless(trimmed, undefined, parseNumber);
  } catch (e) {
    throw new HclError(e instanceof Error ? e.message : 'invalid HCL');
  }
}
