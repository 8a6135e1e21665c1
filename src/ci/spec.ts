/**
 * vault-action's `secrets` syntax (spec ci-platforms.md 9.1): entries split on `;` (so newlines and
 * a trailing `;` are fine), each `<path> <selector> [| NAME]`; the last `|` splits off the name and
 * the rest must be exactly two whitespace-separated parts. `*` and `**` select every key.
 *
 * Selectors: vault-action evaluates JSONata. Keep evaluates what pipelines write: a plain key
 * (any key without a `.` is taken literally, as vault-action quotes it), a dotted path (`a.b`,
 * with `` `a.b` `` for a key holding a dot) and a quoted key (`"api-key"`; a quoted key with a dot
 * is tried literally first, then as a path). Other JSONata expressions are refused with an error
 * naming the line.
 */
import { requestNames } from './names.ts';

/** One entry of a secrets spec. */
export interface SecretRequest {
  /** API path after `/v1/`, verbatim (`secret/data/ci` for KV v2). */
  path: string;
  /** The selector with double quotes removed (as vault-action keeps it). */
  selector: string;
  /** Output name (GitHub step output). For a wildcard: the prefix given with `| NAME`, or ''. */
  outputName: string;
  /** Environment variable name. For a wildcard: the prefix, or ''. */
  envName: string;
  /** `*` (env names upper-cased) or `**` (case kept): every key of the secret. */
  wildcard?: '*' | '**';
  /** 1-based line of the spec text where the entry starts. */
  line?: number;
  /** The entry as written (for messages). */
  entry?: string;
  /** Key paths to try in order against the secret's data (absent for wildcards). */
  lookups?: string[][];
}

/** Characters that make a JSONata name something else (operators, brackets, variables, literals). */
const BARE_NAME = /^[^\s.[\](){}=<>!+\-*/%&|;:?,"'`^~$@#\\]+$/u;
const RESERVED = new Set(['true', 'false', 'null', 'and', 'or', 'in']);

function isBareName(s: string): boolean {
  return BARE_NAME.test(s) && !/^\d/.test(s) && !RESERVED.has(s);
}

/** Splits a dotted selector into names (`` `a.b`.c `` -> [`a.b`, `c`]); undefined when it is not a simple path. */
export function splitPath(selector: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (selector[i] === '`') {
      const end = selector.indexOf('`', i + 1);
      if (end < 0 || end === i + 1) return undefined;
      out.push(selector.slice(i + 1, end));
      i = end + 1;
    } else {
      let end = selector.indexOf('.', i);
      if (end < 0) end = selector.length;
      const name = selector.slice(i, end);
      if (!isBareName(name)) return undefined;
      out.push(name);
      i = end;
    }
    if (i === selector.length) return out;
    if (selector[i] !== '.') return undefined;
    i++;
  }
}

function isQuotedString(s: string): boolean {
  return /^"(?:[^"\\]|\\.)*"$/.test(s);
}

function lineAt(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

function fail(line: number, entry: string, message: string): never {
  throw new Error(`secrets line ${line}: ${message}. Input: "${entry}"`);
}

/** Parses one entry (already trimmed). @throws Error naming the line */
function parseEntry(entry: string, line: number): SecretRequest {
  let pathSpec = entry;
  let name: string | undefined;
  const bar = entry.lastIndexOf('|');
  if (bar > -1) {
    pathSpec = entry.slice(0, bar).trim();
    name = entry.slice(bar + 1).trim();
    if (name === '') fail(line, entry, 'You must provide a value when mapping a secret to a name');
  }
  const parts = pathSpec.split(/\s+/).filter((p) => p !== '');
  if (parts.length !== 2) fail(line, entry, 'You must provide a valid path and key (expected "<path> <key> [| NAME]")');
  const [path, raw] = parts;
  const selector = raw.replaceAll('"', '');
  const base = { path, selector, line, entry };
  if (selector === '*' || selector === '**') {
    return { ...base, wildcard: selector, outputName: name ?? '', envName: name ?? '' };
  }
  const quoted = isQuotedString(raw);
  const simplePath = splitPath(raw);
  if (!quoted && !simplePath && name === undefined) {
    fail(line, entry, 'You must provide a name for the output key when using json selectors (add "| NAME")');
  }
  let lookups: string[][];
  if (!selector.includes('.')) {
    lookups = [[selector]];
  } else {
    const segments = splitPath(selector);
    if (!segments) {
      fail(
        line,
        entry,
        `the selector ${raw} is not supported: Keep evaluates keys, dotted paths (a.b), quoted keys ("api-key") and the wildcards * and **, not full JSONata expressions`,
      );
    }
    lookups = quoted ? [[selector], segments] : [segments];
  }
  return { ...base, ...requestNames(selector, name), lookups };
}

/**
 * Parses a secrets spec (vault-action's `secrets` input). An empty spec gives no requests.
 * @throws Error naming the line and quoting the entry (never a secret: specs hold paths and names).
 */
export function parseSecretsSpec(text: string): SecretRequest[] {
  const out: SecretRequest[] = [];
  let offset = 0;
  for (const piece of text.split(';')) {
    const lead = piece.length - piece.trimStart().length;
    const entry = piece.trim();
    if (entry !== '') out.push(parseEntry(entry, lineAt(text, offset + lead)));
    offset += piece.length + 1;
  }
  return out;
}
