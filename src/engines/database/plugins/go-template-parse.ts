/**
 * Parser for the subset of Go's text/template that Vault's username templates use
 * (spec/dynamic.md 2.13): text, `{{ pipeline }}` actions with `-` trim markers and comments,
 * pipelines of commands joined by `|`, fields (`.DisplayName`), the dot, string/raw-string/
 * number/bool literals, parenthesised pipelines, function calls and `if`/`else if`/`else`/`end`.
 * Other actions (range, with, define, variables) are refused at parse time.
 */

export type Operand =
  | { kind: 'field'; path: string[]; pos: number }
  | { kind: 'dot'; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'number'; value: number; text: string; pos: number }
  | { kind: 'bool'; value: boolean; pos: number }
  | { kind: 'nil'; pos: number }
  | { kind: 'ident'; name: string; pos: number }
  | { kind: 'pipe'; pipeline: Pipeline; pos: number };

export interface Command {
  args: Operand[];
  pos: number;
}

export interface Pipeline {
  commands: Command[];
  pos: number;
}

export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipeline: Pipeline }
  | { kind: 'if'; pipeline: Pipeline; then: Node[]; otherwise: Node[] };

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** Line number (1-based) of offset `pos` in `src`. */
export function lineOf(src: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < src.length; i++) if (src[i] === '\n') line++;
  return line;
}

const UNSUPPORTED = new Set(['range', 'with', 'define', 'template', 'block', 'break', 'continue']);

interface Token {
  type: 'ident' | 'field' | 'dot' | 'string' | 'number' | 'bool' | 'nil' | 'pipe' | 'lparen' | 'rparen' | 'variable' | 'other';
  text: string;
  value?: string | number | boolean;
  pos: number;
}

function unquote(raw: string, pos: number, err: (p: number, m: string) => TemplateError): string {
  // Go interpreted string literal: JSON escapes plus \a \b \f \v \x.. \' and octal.
  let out = '';
  for (let i = 1; i < raw.length - 1; i++) {
    const c = raw[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = raw[++i];
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v' };
    if (n in simple) out += simple[n];
    else if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(raw.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else if ((n === 'u' || n === 'U') && /^[0-9a-fA-F]+$/.test(raw.slice(i + 1, i + (n === 'u' ? 5 : 9)))) {
      const len = n === 'u' ? 4 : 8;
      out += String.fromCodePoint(parseInt(raw.slice(i + 1, i + 1 + len), 16));
      i += len;
    } else throw err(pos, `invalid syntax`);
  }
  return out;
}

/** Splits the inside of one action into tokens. */
function lexAction(src: string, start: number, end: number, err: (p: number, m: string) => TemplateError): Token[] {
  const out: Token[] = [];
  let i = start;
  while (i < end) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const pos = i;
    const single = ({ '|': 'pipe', '(': 'lparen', ')': 'rparen' } as const)[c as '|' | '(' | ')'];
    if (single) {
      out.push({ type: single, text: c, pos });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < end && src[j] !== '"') {
        if (src[j] === '\n') throw err(pos, 'unterminated quoted string');
        j += src[j] === '\\' ? 2 : 1;
      }
      if (j >= end) throw err(pos, 'unterminated quoted string');
      const raw = src.slice(i, j + 1);
      out.push({ type: 'string', text: raw, value: unquote(raw, pos, err), pos });
      i = j + 1;
    } else if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j < 0 || j >= end) throw err(pos, 'unterminated raw quoted string');
      out.push({ type: 'string', text: src.slice(i, j + 1), value: src.slice(i + 1, j), pos });
      i = j + 1;
    } else if (c === "'") {
      const m = /^'(\\.|[^\\'])'/u.exec(src.slice(i, end));
      if (!m) throw err(pos, 'unterminated character constant');
      const ch = m[1].startsWith('\\') ? unquote(`"${m[1]}"`, pos, err) : m[1];
      out.push({ type: 'number', text: m[0], value: ch.codePointAt(0) ?? 0, pos });
      i += m[0].length;
    } else if (c === '.' && !/[0-9]/.test(src[i + 1] ?? '')) {
      const m = /^(\.[A-Za-z_][A-Za-z0-9_]*)+/.exec(src.slice(i, end));
      if (m) {
        out.push({ type: 'field', text: m[0], pos });
        i += m[0].length;
      } else {
        out.push({ type: 'dot', text: '.', pos });
        i++;
      }
    } else if (/[0-9+\-.]/.test(c)) {
      const m = /^[+-]?(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(\d[\d_]*)?\.?\d*([eE][+-]?\d+)?)/.exec(src.slice(i, end));
      const text = m?.[0] ?? '';
      const value = Number(text.replace(/_/g, '').replace(/^([+-]?)0[oO]/, '$10o'));
      if (text === '' || text === '+' || text === '-' || Number.isNaN(value)) throw err(pos, `bad number syntax: "${src.slice(i, end).split(/\s/)[0]}"`);
      out.push({ type: 'number', text, value, pos });
      i += text.length;
    } else if (c === '$') {
      const m = /^\$[A-Za-z0-9_]*/.exec(src.slice(i, end));
      out.push({ type: 'variable', text: m?.[0] ?? '$', pos });
      i += m?.[0].length ?? 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i, end));
      const text = m?.[0] ?? c;
      if (text === 'true' || text === 'false') out.push({ type: 'bool', text, value: text === 'true', pos });
      else if (text === 'nil') out.push({ type: 'nil', text, pos });
      else out.push({ type: 'ident', text, pos });
      i += text.length;
    } else {
      out.push({ type: 'other', text: c, pos });
      i++;
    }
  }
  return out;
}

interface RawAction {
  tokens: Token[];
  pos: number;
}

type Piece = { kind: 'text'; text: string } | { kind: 'action'; action: RawAction };

/** Splits the template into text and actions, applying trim markers and dropping comments. */
function scan(src: string, err: (p: number, m: string) => TemplateError): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  let trimNext = false;
  while (i <= src.length) {
    const open = src.indexOf('{{', i);
    let text = src.slice(i, open < 0 ? src.length : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    trimNext = false;
    if (open < 0) {
      if (text !== '') pieces.push({ kind: 'text', text });
      break;
    }
    let start = open + 2;
    if (src.startsWith('- ', start) || src.startsWith('-\t', start) || src.startsWith('-\n', start) || src.startsWith('-\r', start)) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    if (text !== '') pieces.push({ kind: 'text', text });
    let close = -1;
    let j = start;
    // Find the closing `}}` outside quoted strings.
    while (j < src.length) {
      const c = src[j];
      if (c === '"') {
        j++;
        while (j < src.length && src[j] !== '"' && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
        j++;
        continue;
      }
      if (c === '`') {
        const k = src.indexOf('`', j + 1);
        j = k < 0 ? src.length : k + 1;
        continue;
      }
      if (src.startsWith('}}', j)) {
        close = j;
        break;
      }
      j++;
    }
    if (close < 0) throw err(open, 'unclosed action');
    let end = close;
    if (end - 2 >= start && src[end - 1] === '-' && /\s/.test(src[end - 2])) {
      end -= 1;
      trimNext = true;
    }
    const inner = src.slice(start, end).trim();
    if (inner.startsWith('/*')) {
      if (!inner.endsWith('*/')) throw err(open, 'unclosed comment');
    } else {
      pieces.push({ kind: 'action', action: { tokens: lexAction(src, start, end, err), pos: open } });
    }
    i = close + 2;
  }
  return pieces;
}

class Parser {
  private idx = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly pos: number,
    private readonly err: (p: number, m: string) => TemplateError,
    private readonly isFunction: (name: string) => boolean,
  ) {}

  done(): boolean {
    return this.idx >= this.tokens.length;
  }

  pipeline(context: string): Pipeline {
    const commands: Command[] = [];
    const startPos = this.tokens[this.idx]?.pos ?? this.pos;
    for (;;) {
      const args: Operand[] = [];
      const cmdPos = this.tokens[this.idx]?.pos ?? this.pos;
      while (!this.done()) {
        const t = this.tokens[this.idx];
        if (t.type === 'pipe' || t.type === 'rparen') break;
        args.push(this.operand());
      }
      if (args.length === 0) throw this.err(cmdPos, `missing value for ${context}`);
      commands.push({ args, pos: cmdPos });
      if (this.done() || this.tokens[this.idx].type !== 'pipe') break;
      this.idx++;
    }
    return { commands, pos: startPos };
  }

  private operand(): Operand {
    const t = this.tokens[this.idx++];
    switch (t.type) {
      case 'field':
        return { kind: 'field', path: t.text.slice(1).split('.'), pos: t.pos };
      case 'dot':
        return { kind: 'dot', pos: t.pos };
      case 'string':
        return { kind: 'string', value: String(t.value), pos: t.pos };
      case 'number':
        return { kind: 'number', value: Number(t.value), text: t.text, pos: t.pos };
      case 'bool':
        return { kind: 'bool', value: Boolean(t.value), pos: t.pos };
      case 'nil':
        return { kind: 'nil', pos: t.pos };
      case 'ident':
        if (!this.isFunction(t.text)) throw this.err(t.pos, `function "${t.text}" not defined`);
        return { kind: 'ident', name: t.text, pos: t.pos };
      case 'lparen': {
        const pipeline = this.pipeline('parenthesized pipeline');
        if (this.done() || this.tokens[this.idx].type !== 'rparen') throw this.err(t.pos, 'unclosed left paren');
        this.idx++;
        return { kind: 'pipe', pipeline, pos: t.pos };
      }
      case 'variable':
        throw this.err(t.pos, `variables are not supported in username templates: ${t.text}`);
      default:
        throw this.err(t.pos, `unexpected "${t.text}" in operand`);
    }
  }
}

/** Parses a template; `isFunction` tells which identifiers are callable. Throws TemplateError. */
export function parseTemplate(src: string, isFunction: (name: string) => boolean): Node[] {
  const err = (p: number, m: string) => new TemplateError(`template: template:${lineOf(src, p)}: ${m}`);
  const pieces = scan(src, err);
  let at = 0;

  // Parses nodes until an `else`/`end` action (returned as the terminator) or the end.
  const list = (inIf: boolean): { nodes: Node[]; term?: { kind: 'else' | 'end'; action: RawAction } } => {
    const nodes: Node[] = [];
    while (at < pieces.length) {
      const piece = pieces[at++];
      if (piece.kind === 'text') {
        nodes.push({ kind: 'text', text: piece.text });
        continue;
      }
      const { tokens, pos } = piece.action;
      if (tokens.length === 0) throw err(pos, 'missing value for command');
      const head = tokens[0];
      if (head.type === 'ident' && (head.text === 'else' || head.text === 'end')) {
        if (!inIf) throw err(pos, `unexpected {{${head.text}}}`);
        return { nodes, term: { kind: head.text, action: piece.action } };
      }
      if (head.type === 'ident' && UNSUPPORTED.has(head.text)) throw err(pos, `"${head.text}" is not supported in username templates`);
      if (head.type === 'ident' && head.text === 'if') {
        nodes.push(parseIf(tokens.slice(1), pos));
        continue;
      }
      const p = new Parser(tokens, pos, err, isFunction);
      const pipeline = p.pipeline('command');
      if (!p.done()) throw err(pos, 'unexpected ")" in command');
      nodes.push({ kind: 'action', pipeline });
    }
    if (inIf) throw err(src.length, 'unexpected EOF');
    return { nodes };
  };

  const parseIf = (tokens: Token[], pos: number): Node => {
    const p = new Parser(tokens, pos, err, isFunction);
    const pipeline = p.pipeline('if');
    if (!p.done()) throw err(pos, 'unexpected ")" in if');
    const body = list(true);
    let otherwise: Node[] = [];
    if (body.term?.kind === 'else') {
      const rest = body.term.action.tokens.slice(1);
      if (rest.length > 0) {
        if (rest[0].type !== 'ident' || rest[0].text !== 'if') throw err(body.term.action.pos, 'unexpected token after else');
        // `else if` shares the `end` of the outer if.
        otherwise = [parseIf(rest.slice(1), body.term.action.pos)];
      } else {
        const tail = list(true);
        if (tail.term?.kind !== 'end') throw err(body.term.action.pos, 'expected end; found else');
        otherwise = tail.nodes;
      }
    }
    return { kind: 'if', pipeline, then: body.nodes, otherwise };
  };

  return list(false).nodes;
}
