/**
 * Statement lists (spec/dynamic.md 2.10): decoding, splitting and templating.
 *
 * Each element of a statement list is decoded as base64 (when it is valid base64 of UTF-8 text),
 * then as a JSON array of strings (when it parses), else split on `;` (outside quotes, comments
 * and dollar-quoted bodies). PostgreSQL elements containing the word END outside quotes (a
 * `DO $$ ... END $$` block) run whole.
 *
 * Templating replaces `{{name}}`, `{{username}}`, `{{password}}` and `{{expiration}}` in one pass.
 * Unlike Vault's plain substitution, every value is escaped for the place of its placeholder, so
 * that no value (a display name in a generated username, a policy-generated password) can leave
 * its quotes: inside '...' quotes are doubled (and backslashes where the server reads them as
 * escapes), inside "..." and `...` the quote is doubled. Where escaping cannot make a value safe
 * (outside quotes, inside comments, `$` inside a dollar-quoted body, NUL anywhere) the statement
 * is refused instead. For values that need no escaping the result is exactly Vault's.
 */
import { hasEndKeyword, lexSql, splitSql, type Dialect, type SqlMode, type SqlToken } from './sql-lex.ts';

export { formatExpiration } from './go-time.ts';
export type { Dialect, SqlMode } from './sql-lex.ts';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Go's strict StdEncoding decode (line breaks ignored), accepted only when the bytes are UTF-8. */
function decodeBase64(text: string): string | undefined {
  const compact = text.replace(/[\r\n]/g, '');
  if (compact === '' || compact.length % 4 !== 0 || !BASE64.test(compact)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(compact, 'base64'));
  } catch {
    return undefined;
  }
}

function jsonStringArray(text: string): string[] | undefined {
  if (!text.trimStart().startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // not JSON
  }
  return undefined;
}

/** Decodes one statement-list element into SQL statements (not templated). */
export function parseStatementElement(element: string, dialect: Dialect): string[] {
  const text = decodeBase64(element) ?? element;
  const list = jsonStringArray(text);
  if (list) return list.map((s) => s.trim()).filter((s) => s !== '');
  if (dialect === 'postgres' && hasEndKeyword(text)) return text.trim() === '' ? [] : [text.trim()];
  return splitSql(text, { dialect });
}

/** All statements of a list, in order. */
export function expandStatements(elements: readonly string[], dialect: Dialect): string[] {
  return elements.flatMap((e) => parseStatementElement(e, dialect));
}

/** A statement could not be templated safely. The message names the variable, never its value. */
export class StatementTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StatementTemplateError';
  }
}

const PLACEHOLDER = /\{\{(name|username|password|expiration)\}\}/g;
const BARE_SAFE = /^[A-Za-z0-9_]*$/;

function unsafe(variable: string, where: string): StatementTemplateError {
  return new StatementTemplateError(`cannot place the value of {{${variable}}} ${where} safely; quote the placeholder in the statement`);
}

/** Escapes `value` for the inside of token `t`; `inDollar` = inside a dollar-quoted body. */
function escapeFor(t: SqlToken, variable: string, value: string, inDollar: boolean): string {
  if (value.includes('\0')) throw new StatementTemplateError(`the value of {{${variable}}} contains a NUL character`);
  if (inDollar && value.includes('$')) throw unsafe(variable, 'inside a dollar-quoted body when it contains "$"');
  switch (t.kind) {
    case 'string':
    case 'identifier':
    case 'backtick': {
      const q = t.quote ?? "'";
      let v = t.backslash ? value.replace(/\\/g, '\\\\') : value;
      v = v.split(q).join(q + q);
      return v;
    }
    case 'comment':
      if (!BARE_SAFE.test(value)) throw unsafe(variable, 'inside a comment');
      return value;
    default:
      if (!BARE_SAFE.test(value)) throw unsafe(variable, 'outside quotes');
      return value;
  }
}

function render(sql: string, vars: Readonly<Record<string, string>>, mode: SqlMode, inDollar: boolean): string {
  let out = '';
  for (const t of lexSql(sql, mode)) {
    if (t.kind === 'dollar') {
      const tag = t.tag ?? '$$';
      const closed = t.text.endsWith(tag) && t.text.length >= 2 * tag.length;
      out += tag + render(t.body ?? '', vars, mode, true) + (closed ? tag : '');
      continue;
    }
    out += t.text.replace(PLACEHOLDER, (whole, name: string) => {
      const value = vars[name];
      return value === undefined ? whole : escapeFor(t, name, value, inDollar);
    });
  }
  return out;
}

/**
 * Replaces the placeholders of one statement with escaped values (see the file comment). Only
 * variables present in `vars` are replaced; others stay as written. Throws
 * StatementTemplateError when a value cannot be placed safely.
 */
export function renderStatement(sql: string, vars: Readonly<Record<string, string>>, mode: SqlMode): string {
  return render(sql, vars, mode, false);
}
