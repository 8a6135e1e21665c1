/**
 * `claims_condition` (a Keep extension on JWT roles): one CEL expression that must be true for a
 * login, compiled (parsed and type-checked) once when the role is written and evaluated per login.
 * Library: @marcbachmann/cel-js.
 *
 * Variables:
 * - `claims` (map): the verified token claims. Keys with dots or slashes use index syntax:
 *   `claims["oidc.circleci.com/vcs-ref"] == "refs/heads/main"`; test for them with
 *   `"oidc.circleci.com/vcs-ref" in claims`, for plain names with `has(claims.environment)`.
 *   Reading a missing key is an evaluation error (the login is refused); optional syntax is on:
 *   `claims.?environment.orValue("") == "production"`.
 *   Integer-valued JSON numbers are CEL `int`, other numbers `double`, so
 *   `claims.exp - now < 3600` and `timestamp(claims.iat)` work.
 * - `now` (int): the current time in Unix seconds. For calendar functions use
 *   `timestamp(now)`, e.g. `timestamp(now).getDayOfWeek("Europe/Berlin") in [1, 2, 3, 4, 5]`.
 *
 * The result must be a bool: a non-bool (statically known) is refused at compile time; a `dyn`
 * result that turns out not to be a bool makes evaluation fail.
 *
 * Cost guards (the library has no step budget or interrupt, so they are static):
 * - at most MAX_CONDITION_BYTES of source, MAX_AST_NODES nodes, nesting depth MAX_DEPTH;
 * - comprehension macros (all, exists, exists_one, map, filter) nest at most
 *   MAX_COMPREHENSION_NESTING deep (cost grows with the product of the list sizes);
 * - `cel.bind` is refused (it lets a value double at every level: exponential memory);
 * - `matches()` needs a string literal pattern, which must compile, and must not use
 *   backreferences, lookaround (both outside RE2's syntax) or a repeated group that itself
 *   repeats or alternates (`(a+)+`, `(a|ab)*`: exponential backtracking);
 * - module load turns on V8's fallback from backtracking to its linear-time regexp engine after
 *   excessive backtracks (`--enable-experimental-regexp-engine-on-excessive-backtracks`), which
 *   bounds the polynomial cases (`.*a.*b`) a static check cannot; it applies process-wide.
 * Comprehensions over lists are still linear in the claims' size, which the token size limit bounds.
 */
import v8 from 'node:v8';
import { Environment } from '@marcbachmann/cel-js';
import type { ASTNode, ParseResult } from '@marcbachmann/cel-js';
import { badRequest } from '../../errors.ts';

export interface CompiledCondition {
  readonly source: string;
  evaluate(claims: Record<string, unknown>, nowSeconds: number): { ok: true; value: boolean } | { ok: false; error: string };
}

export const MAX_CONDITION_BYTES = 4096;
export const MAX_AST_NODES = 2048;
export const MAX_DEPTH = 48;
export const MAX_COMPREHENSION_NESTING = 2;
/** Claims nested deeper than this are not handed to CEL (evaluation fails). */
export const MAX_CLAIM_DEPTH = 32;

const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

let regexFallbackEnabled = false;
/** Turns on V8's linear-time regexp fallback after excessive backtracking (idempotent). */
export function enableLinearRegexFallback(): void {
  if (regexFallbackEnabled) return;
  regexFallbackEnabled = true;
  v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
}
enableLinearRegexFallback();

const env = new Environment({
  enableOptionalTypes: true,
  limits: { maxAstNodes: MAX_AST_NODES, maxDepth: MAX_DEPTH },
})
  .registerVariable('claims', 'map')
  .registerVariable('now', 'int');

// ---------------------------------------------------------------------------------------------
// Errors and positions

interface Positioned {
  summary?: unknown;
  range?: { start?: unknown };
  node?: { pos?: unknown; start?: unknown };
}

function offsetOf(e: unknown): number | undefined {
  if (e === null || typeof e !== 'object') return undefined;
  const p = e as Positioned;
  const candidates = [p.range?.start, p.node?.pos, p.node?.start];
  for (const c of candidates) if (typeof c === 'number' && Number.isInteger(c) && c >= 0) return c;
  return undefined;
}

/** 1-based line and column of a source offset. */
export function lineColumn(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, source.length);
  for (let i = 0; i < end; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

function where(source: string, offset: number | undefined): string {
  if (offset === undefined) return '';
  const { line, column } = lineColumn(source, offset);
  return ` (line ${line}, column ${column})`;
}

/** The library's one-line reason (its `message` adds a source excerpt we do not want). */
function reasonOf(e: unknown): string {
  if (e !== null && typeof e === 'object') {
    const s = (e as Positioned).summary;
    if (typeof s === 'string' && s !== '') return s;
    const m = (e as { message?: unknown }).message;
    if (typeof m === 'string' && m !== '') return m.split('\n')[0];
  }
  return String(e);
}

function invalid(source: string, reason: string, offset?: number) {
  return badRequest(`invalid claims_condition: ${reason}${where(source, offset)}`, { field: 'claims_condition' });
}

// ---------------------------------------------------------------------------------------------
// Static guards

function isNode(v: unknown): v is ASTNode {
  return v !== null && typeof v === 'object' && typeof (v as { op?: unknown }).op === 'string' && 'args' in v;
}

function children(node: ASTNode): ASTNode[] {
  const out: ASTNode[] = [];
  const visit = (v: unknown) => {
    if (isNode(v)) out.push(v);
    else if (Array.isArray(v)) for (const x of v) visit(x);
  };
  visit(node.args);
  return out;
}

/**
 * Why a `matches()` pattern is refused, or undefined if it is acceptable (see the header).
 * A tokenizer over JS regexp syntax: escapes, character classes, groups, alternation, quantifiers.
 */
export function regexHazard(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
  } catch (e) {
    return `invalid regular expression: ${reasonOf(e)}`;
  }
  interface Group {
    repeats: boolean; // contains a quantifier
    alternates: boolean; // contains |
  }
  const stack: Group[] = [{ repeats: false, alternates: false }];
  let lastGroup: Group | undefined; // the group that just closed (a quantifier applies to it)
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') return 'backreferences are not supported in matches()';
      i += 2;
      lastGroup = undefined;
      continue;
    }
    if (ch === '[') {
      i++;
      if (pattern[i] === '^') i++;
      if (pattern[i] === ']') i++;
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
      i++;
      lastGroup = undefined;
      continue;
    }
    if (ch === '(') {
      if (pattern.startsWith('(?=', i) || pattern.startsWith('(?!', i) || pattern.startsWith('(?<=', i) || pattern.startsWith('(?<!', i)) {
        return 'lookaround is not supported in matches()';
      }
      stack.push({ repeats: false, alternates: false });
      i++;
      if (pattern.startsWith('?:', i)) i += 2;
      else if (pattern.startsWith('?<', i)) {
        const close = pattern.indexOf('>', i); // named group
        if (close < 0) return 'invalid regular expression';
        i = close + 1;
      }
      lastGroup = undefined;
      continue;
    }
    if (ch === ')') {
      const g = stack.length > 1 ? stack.pop() : undefined;
      const parent = stack[stack.length - 1];
      if (g) {
        parent.repeats ||= g.repeats;
        parent.alternates ||= g.alternates;
      }
      lastGroup = g;
      i++;
      continue;
    }
    if (ch === '|') {
      stack[stack.length - 1].alternates = true;
      lastGroup = undefined;
      i++;
      continue;
    }
    const quant = /^(?:[*+?]|\{(\d+)(,(\d*))?\})/.exec(pattern.slice(i));
    if (quant) {
      const max = quant[0] === '?' ? 1 : quant[1] === undefined ? Infinity : quant[2] === undefined ? Number(quant[1]) : quant[3] === '' ? Infinity : Number(quant[3]);
      if (lastGroup && max > 1 && (lastGroup.repeats || lastGroup.alternates)) {
        return 'a repeated group must not itself contain a repetition or an alternation in matches()';
      }
      stack[stack.length - 1].repeats = true;
      i += quant[0].length;
      if (pattern[i] === '?') i++; // lazy
      lastGroup = undefined;
      continue;
    }
    lastGroup = undefined;
    i++;
  }
  return undefined;
}

function guard(source: string, root: ASTNode): void {
  const walk = (node: ASTNode, nesting: number) => {
    let inner = nesting;
    if (node.op === 'rcall') {
      const [name, receiver, args] = node.args;
      if (name === 'bind' && receiver.op === 'id' && receiver.args === 'cel') {
        throw invalid(source, 'cel.bind is not supported', node.start);
      }
      if (COMPREHENSIONS.has(name)) {
        inner = nesting + 1;
        if (inner > MAX_COMPREHENSION_NESTING) {
          throw invalid(source, `comprehensions (${[...COMPREHENSIONS].join(', ')}) nest at most ${MAX_COMPREHENSION_NESTING} deep`, node.start);
        }
      }
      if (name === 'matches') {
        const pattern = args[0];
        if (!pattern || pattern.op !== 'value' || typeof pattern.args !== 'string') {
          throw invalid(source, 'matches() needs a string literal pattern', pattern?.start ?? node.start);
        }
        const hazard = regexHazard(pattern.args);
        if (hazard) throw invalid(source, hazard, pattern.start);
      }
    }
    for (const c of children(node)) walk(c, inner);
  };
  walk(root, 0);
}

// ---------------------------------------------------------------------------------------------
// Claims -> CEL values

interface LosslessLike {
  isLosslessNumber: true;
  value: string;
}

function isLossless(v: object): v is LosslessLike {
  return (v as { isLosslessNumber?: unknown }).isLosslessNumber === true && typeof (v as { value?: unknown }).value === 'string';
}

function number(n: number): number | bigint {
  return Number.isSafeInteger(n) ? BigInt(n) : n;
}

/** JSON claims as CEL values: integers -> bigint (int), objects -> null-prototype maps. */
export function toCelValue(v: unknown, depth = 0): unknown {
  if (depth > MAX_CLAIM_DEPTH) throw new Error(`claims nested deeper than ${MAX_CLAIM_DEPTH} levels`);
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return number(v);
  if (typeof v === 'bigint') return v;
  if (Array.isArray(v)) return v.map((x) => toCelValue(x, depth + 1));
  if (typeof v === 'object') {
    if (isLossless(v)) return /^-?\d+$/.test(v.value) ? BigInt(v.value) : Number(v.value);
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [k, x] of Object.entries(v)) {
      if (x !== undefined) out[k] = toCelValue(x, depth + 1);
    }
    return out;
  }
  return null;
}

function celTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'double';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Date) return 'timestamp';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object') return 'map';
  return typeof v;
}

// ---------------------------------------------------------------------------------------------

/**
 * Parses and type-checks a condition once. Throws KeepError 400
 * `invalid claims_condition: <reason> (line L, column C)` with extra {field: 'claims_condition'}.
 */
export function compileCondition(expr: string): CompiledCondition {
  if (typeof expr !== 'string') throw invalid('', 'expression must be a string');
  if (Buffer.byteLength(expr, 'utf8') > MAX_CONDITION_BYTES) {
    throw invalid(expr, `expression is longer than ${MAX_CONDITION_BYTES} bytes`);
  }
  if (expr.trim() === '') throw invalid(expr, 'expression is empty');

  let program: ParseResult;
  try {
    program = env.parse(expr);
  } catch (e) {
    throw invalid(expr, reasonOf(e), offsetOf(e));
  }
  guard(expr, program.ast);
  const checked = program.check();
  if (!checked.valid) throw invalid(expr, reasonOf(checked.error), offsetOf(checked.error));
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    throw invalid(expr, `expression must evaluate to bool, not ${checked.type}`, program.ast.start);
  }

  return {
    source: expr,
    evaluate(claims, nowSeconds) {
      let value: unknown;
      try {
        const context = { claims: toCelValue(claims ?? {}), now: BigInt(Math.floor(nowSeconds)) };
        value = program(context);
      } catch (e) {
        return { ok: false, error: `${reasonOf(e)}${where(expr, offsetOf(e))}` };
      }
      if (typeof value === 'boolean') return { ok: true, value };
      return { ok: false, error: `claims_condition evaluated to ${celTypeName(value)}, not bool` };
    },
  };
}
