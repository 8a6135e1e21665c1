/**
 * A small flag parser with the Go `flag` package's rules, as the Vault CLI uses them:
 * `-name=value`, `-name value`, `--name`, booleans `-force` / `-force=false`, repeatable list
 * flags; parsing stops at the first positional argument (or `--`); `-` alone is positional.
 */

/** The kinds of flag values. */
export type FlagType = 'string' | 'bool' | 'int' | 'list';

/** One declared flag. */
export interface FlagSpec {
  name: string;
  type: FlagType;
  usage: string;
  /** Shown in help; also the value of `str()`/`bool()`/`int()` when the flag is absent. */
  default?: string | boolean | number;
  /** Other names the flag answers to (Vault's `-f` for `-force`). */
  aliases?: string[];
}

/** A wrong command line: unknown flag, missing value, wrong number of arguments. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Go's strconv.ParseBool. */
export function parseBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

type FlagValue = string | boolean | number | string[];

/** The parsed flags of one command line. */
export class Flags {
  constructor(
    private readonly specs: Map<string, FlagSpec>,
    private readonly values: Map<string, FlagValue>,
  ) {}

  /** True when the flag was given on the command line. */
  has(name: string): boolean {
    return this.values.has(name);
  }

  /** A string flag (or its default). */
  str(name: string): string | undefined {
    const v = this.values.get(name) ?? this.specs.get(name)?.default;
    return v === undefined ? undefined : String(v);
  }

  /** A boolean flag (or its default, else false). */
  bool(name: string): boolean {
    const v = this.values.get(name) ?? this.specs.get(name)?.default;
    return v === true;
  }

  /** An integer flag (or its default). */
  int(name: string): number | undefined {
    const v = this.values.get(name) ?? this.specs.get(name)?.default;
    return typeof v === 'number' ? v : undefined;
  }

  /** A repeatable flag's values in order (empty when absent). */
  list(name: string): string[] {
    const v = this.values.get(name);
    return Array.isArray(v) ? [...v] : [];
  }
}

/** The outcome of parsing: flags, positional arguments, and warnings about ignored trailing flags. */
export interface ParsedArgs {
  flags: Flags;
  args: string[];
  warnings: string[];
}

function parseIntFlag(name: string, text: string): number {
  const t = text.trim();
  let n: number;
  if (/^[-+]?0[xX][0-9a-fA-F]+$/.test(t)) n = Number.parseInt(t, 16);
  else if (/^[-+]?\d+$/.test(t)) n = Number.parseInt(t, 10);
  else throw new UsageError(`invalid value "${text}" for flag -${name}: parse error`);
  return n;
}

/**
 * Parses a command line against declared flags. Flags after the first positional argument are
 * not parsed (like Vault), except those named in `lateFlags` (global connection flags); the
 * others stay positional and produce a warning.
 *
 * @throws UsageError for an undefined flag, a missing value or a malformed value.
 */
export function parseFlags(argv: string[], specs: FlagSpec[], lateFlags: ReadonlySet<string> = new Set()): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (const s of specs) for (const a of s.aliases ?? []) byName.set(a, s);
  const values = new Map<string, FlagValue>();
  const args: string[] = [];
  const warnings: string[] = [];
  const set = (spec: FlagSpec, raw: string | undefined): void => {
    switch (spec.type) {
      case 'bool': {
        if (raw === undefined) {
          values.set(spec.name, true);
          return;
        }
        const b = parseBool(raw);
        if (b === undefined) throw new UsageError(`invalid boolean value "${raw}" for -${spec.name}: parse error`);
        values.set(spec.name, b);
        return;
      }
      case 'int':
        values.set(spec.name, parseIntFlag(spec.name, raw ?? ''));
        return;
      case 'list': {
        const prev = values.get(spec.name);
        values.set(spec.name, [...(Array.isArray(prev) ? prev : []), (raw ?? '').trim()]);
        return;
      }
      default:
        values.set(spec.name, raw ?? '');
    }
  };
  /** Consumes argv[i] as a flag; returns how many items it used. */
  const takeFlag = (i: number): number => {
    const arg = argv[i];
    const body = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
    if (body === '' || body.startsWith('-') || body.startsWith('=')) throw new UsageError(`bad flag syntax: ${arg}`);
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const inline = eq >= 0 ? body.slice(eq + 1) : undefined;
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`flag provided but not defined: -${name}`);
    if (spec.type === 'bool' || inline !== undefined) {
      set(spec, inline);
      return 1;
    }
    if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: -${name}`);
    set(spec, argv[i + 1]);
    return 2;
  };
  let i = 0;
  let verbatim = false;
  for (; i < argv.length; ) {
    const arg = argv[i];
    if (arg === '--') {
      i++;
      verbatim = true;
      break;
    }
    if (arg === '-' || !arg.startsWith('-')) break;
    i += takeFlag(i);
  }
  const trailing: string[] = [];
  for (; i < argv.length; ) {
    const arg = argv[i];
    // Everything after `--` belongs to the positional arguments untouched (`keep ci exec -- cmd -x`).
    if (verbatim || arg === '--') {
      args.push(...argv.slice(verbatim ? i : i + 1));
      break;
    }
    if (arg.startsWith('-') && arg !== '-') {
      const name = arg.replace(/^--?/, '').split('=')[0];
      if (lateFlags.has(name) && byName.has(name)) {
        i += takeFlag(i);
        continue;
      }
      trailing.push(arg);
    }
    args.push(arg);
    i++;
  }
  if (trailing.length > 0) {
    warnings.push(
      'Command flags must be provided before positional arguments. ' +
        `The following arguments will not be parsed as flags: [${trailing.join(',')}]`,
    );
  }
  return { flags: new Flags(byName, values), args, warnings };
}

/** Help text for a list of flags. */
export function flagHelp(specs: FlagSpec[]): string {
  const lines: string[] = [];
  for (const s of [...specs].sort((a, b) => a.name.localeCompare(b.name))) {
    const kind = s.type === 'bool' ? '' : s.type === 'int' ? '=<int>' : '=<string>';
    const def = s.default !== undefined && s.default !== '' && s.default !== false ? ` (default: ${String(s.default)})` : '';
    const rep = s.type === 'list' ? ' May be repeated.' : '';
    lines.push(`  -${s.name}${kind}\n      ${s.usage}${rep}${def}`);
  }
  return lines.join('\n\n');
}
