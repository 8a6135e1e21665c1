/**
 * Text formats of variables on stdout: shell `export` lines (for `eval`), dotenv, `NAME=value` and
 * JSON. Every value is quoted so that the shell (or the dotenv reader) gives back exactly it.
 */
import { toJson } from '../../client/json.ts';
import { CiError } from '../errors.ts';
import { isShellName } from '../names.ts';
import type { ExportFormat, ExportItem } from './types.ts';

/** POSIX single-quoting: `it's` -> `'it'\''s'` (newlines, `$`, backslashes stay literal). */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** @throws CiError when a name cannot be a shell variable (a digit first, `-`, a dot, ...). */
export function checkShellName(name: string, where: string): void {
  if (!isShellName(name)) {
    throw new CiError(`cannot export "${name}" ${where}: not a valid variable name (letters, digits and _; not starting with a digit); give it a name with "| NAME"`);
  }
}

/** `export NAME='value'` */
export function exportLine(name: string, value: string): string {
  return `export ${name}=${shellQuote(value)}\n`;
}

/**
 * A dotenv line: single quotes (literal for dotenv readers) when the value has no quote or line
 * break, else double quotes with `\\`, `\"`, `\n`, `\r` and `\$` escaped.
 */
export function dotenvLine(name: string, value: string): string {
  if (!/['\r\n]/.test(value)) return `${name}='${value}'\n`;
  const escaped = value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n').replaceAll('\r', '\\r').replaceAll('$', '\\$');
  return `${name}="${escaped}"\n`;
}

/** `NAME=value` (docker --env-file style). @throws CiError for a value with a line break. */
export function envLine(name: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new CiError(`cannot print ${name} in -format env: its value spans several lines (use -format dotenv, json or shell)`);
  return `${name}=${value}\n`;
}

/** The variables as text in a stdout format (`auto` is not one). @throws CiError for names or values the format cannot carry. */
export function formatItems(items: ExportItem[], format: Exclude<ExportFormat, 'auto'>): string {
  if (format === 'json') {
    const obj: Record<string, string> = {};
    for (const it of items) obj[it.envName] = it.value;
    return `${toJson(obj, 2)}\n`;
  }
  let out = '';
  for (const it of items) {
    checkShellName(it.envName, `in -format ${format}`);
    if (format === 'shell') out += exportLine(it.envName, it.value);
    else if (format === 'dotenv') out += dotenvLine(it.envName, it.value);
    else out += envLine(it.envName, it.value);
  }
  return out;
}
