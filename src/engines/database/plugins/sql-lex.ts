/**
 * A small SQL lexer for PostgreSQL and MySQL/MariaDB: it only tells quoted strings, quoted
 * identifiers, dollar-quoted bodies and comments from plain code. Statement splitting uses it to
 * find `;` outside quotes, and templating uses it to know how a value must be escaped at the
 * place of its placeholder.
 */

export type Dialect = 'postgres' | 'mysql';

/** Session settings that change how quotes and backslashes are read. */
export interface SqlMode {
  dialect: Dialect;
  /** PostgreSQL standard_conforming_strings (on by default): '...' keeps backslashes. */
  standardConformingStrings?: boolean;
  /** MySQL: backslash escapes in strings (off with NO_BACKSLASH_ESCAPES). */
  backslashEscapes?: boolean;
  /** MySQL ANSI_QUOTES: "..." is an identifier, not a string. */
  ansiQuotes?: boolean;
}

export type TokenKind =
  | 'code'
  | 'semicolon'
  /** '...' (or E'...', U&'...', N'...', X'...'); `backslash` says whether `\` escapes inside. */
  | 'string'
  /** "..." identifier (PostgreSQL, MySQL with ANSI_QUOTES). */
  | 'identifier'
  /** `...` identifier (MySQL). */
  | 'backtick'
  /** $tag$...$tag$ (PostgreSQL); `body` holds the inner text. */
  | 'dollar'
  | 'comment';

export interface SqlToken {
  kind: TokenKind;
  /** Full text including delimiters. */
  text: string;
  /** Quote character for string/identifier tokens. */
  quote?: string;
  /** For strings: `\` is an escape character inside. */
  backslash?: boolean;
  /** For dollar tokens: the tag (`$$` or `$fn$`) and the body between the tags. */
  tag?: string;
  body?: string;
  /** Start offset in the lexed text. */
  start: number;
}

const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

/** End index (exclusive) of a quoted run starting at `i` (the opening quote). */
function quotedEnd(sql: string, i: number, quote: string, backslash: boolean): number {
  let j = i + 1;
  while (j < sql.length) {
    const c = sql[j];
    if (backslash && c === '\\') {
      j += 2;
      continue;
    }
    if (c === quote) {
      if (sql[j + 1] === quote) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return sql.length;
}

/** End of a PostgreSQL block comment (they nest). */
function pgBlockCommentEnd(sql: string, i: number): number {
  let depth = 0;
  let j = i;
  while (j < sql.length) {
    if (sql.startsWith('/*', j)) {
      depth++;
      j += 2;
    } else if (sql.startsWith('*/', j)) {
      depth--;
      j += 2;
      if (depth === 0) return j;
    } else j++;
  }
  return sql.length;
}

/** The string prefix (E, U&, N, B, X, _charset) ending right before a quote at `i`. */
function stringPrefix(sql: string, i: number): string {
  const m = /(?:^|[^A-Za-z0-9_$])((?:[EeNnBbXx])|(?:[Uu]&)|(?:_[A-Za-z0-9]+))$/.exec(sql.slice(Math.max(0, i - 40), i));
  return m ? m[1] : '';
}

export function lexSql(sql: string, mode: SqlMode): SqlToken[] {
  const pg = mode.dialect === 'postgres';
  const tokens: SqlToken[] = [];
  let code = '';
  let codeStart = 0;
  const flush = (at: number) => {
    if (code !== '') tokens.push({ kind: 'code', text: code, start: codeStart });
    code = '';
    codeStart = at;
  };
  const push = (t: SqlToken, end: number) => {
    flush(t.start);
    tokens.push(t);
    codeStart = end;
  };
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === ';') {
      push({ kind: 'semicolon', text: ';', start: i }, i + 1);
      i++;
      continue;
    }
    if (c === "'" || (c === '"' && !pg && !mode.ansiQuotes)) {
      const prefix = stringPrefix(sql, i).toUpperCase();
      let backslash: boolean;
      if (pg) backslash = prefix === 'E' || prefix === 'U&' || mode.standardConformingStrings === false;
      else backslash = mode.backslashEscapes !== false;
      const end = quotedEnd(sql, i, c, backslash && !(pg && prefix === 'U&'));
      push({ kind: 'string', text: sql.slice(i, end), quote: c, backslash, start: i }, end);
      i = end;
      continue;
    }
    if (c === '"') {
      const end = quotedEnd(sql, i, '"', false);
      const unicode = pg && stringPrefix(sql, i).toUpperCase() === 'U&';
      push({ kind: 'identifier', text: sql.slice(i, end), quote: '"', backslash: unicode, start: i }, end);
      i = end;
      continue;
    }
    if (c === '`' && !pg) {
      const end = quotedEnd(sql, i, '`', false);
      push({ kind: 'backtick', text: sql.slice(i, end), quote: '`', start: i }, end);
      i = end;
      continue;
    }
    if ((c === '-' && next === '-' && (pg || /[\s]/.test(sql[i + 2] ?? '\n'))) || (c === '#' && !pg)) {
      let end = sql.indexOf('\n', i);
      end = end < 0 ? sql.length : end;
      push({ kind: 'comment', text: sql.slice(i, end), start: i }, end);
      i = end;
      continue;
    }
    if (c === '/' && next === '*') {
      let end: number;
      if (pg) end = pgBlockCommentEnd(sql, i);
      else {
        const close = sql.indexOf('*/', i + 2);
        end = close < 0 ? sql.length : close + 2;
      }
      push({ kind: 'comment', text: sql.slice(i, end), start: i }, end);
      i = end;
      continue;
    }
    if (c === '$' && pg && !IDENT_CHAR.test(sql[i - 1] ?? ' ')) {
      const m = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i));
      if (m) {
        const tag = m[0];
        const close = sql.indexOf(tag, i + tag.length);
        const bodyEnd = close < 0 ? sql.length : close;
        const end = close < 0 ? sql.length : close + tag.length;
        push({ kind: 'dollar', text: sql.slice(i, end), tag, body: sql.slice(i + tag.length, bodyEnd), start: i }, end);
        i = end;
        continue;
      }
    }
    if (code === '') codeStart = i;
    code += c;
    i++;
  }
  flush(sql.length);
  return tokens;
}

/**
 * Splits SQL text on `;` outside quotes, comments and dollar bodies; pieces are trimmed and
 * empty ones dropped.
 */
export function splitSql(sql: string, mode: SqlMode): string[] {
  const out: string[] = [];
  let cur = '';
  for (const t of lexSql(sql, mode)) {
    if (t.kind === 'semicolon') {
      if (cur.trim() !== '') out.push(cur.trim());
      cur = '';
    } else cur += t.text;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

/**
 * True when the word END appears outside quoted strings and comments (in code or inside a
 * dollar-quoted body): a PostgreSQL block statement that is run whole, without splitting.
 */
export function hasEndKeyword(sql: string): boolean {
  return lexSql(sql, { dialect: 'postgres' }).some(
    (t) => (t.kind === 'code' && /(^|[^A-Za-z0-9_$])END([^A-Za-z0-9_$]|$)/i.test(t.text)) || (t.kind === 'dollar' && hasEndKeyword(t.body ?? '')),
  );
}
