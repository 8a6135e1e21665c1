/**
 * GitHub Actions: `::add-mask::` workflow commands (one per line of a value, data escaped as the
 * toolkit does), and environment files (GITHUB_ENV, GITHUB_OUTPUT, GITHUB_STATE) in the heredoc
 * form `NAME<<ghadelimiter_<uuid>` with a fresh random delimiter per entry.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { CiEnv } from '../env.ts';
import { CiError } from '../errors.ts';

/** Workflow-command data escaping: `%` -> `%25`, CR -> `%0D`, LF -> `%0A`. */
export function escapeCommandData(s: string): string {
  return s.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** The non-empty lines of a value (CR removed): what masking must cover. */
export function maskLines(value: string): string[] {
  return value
    .replaceAll('\r', '')
    .split('\n')
    .filter((l) => l.length > 0);
}

/** `::add-mask::<line>` for every non-empty line of every value. */
export function githubMaskCommands(values: string[]): string {
  let out = '';
  for (const v of values) for (const line of maskLines(v)) out += `::add-mask::${escapeCommandData(line)}\n`;
  return out;
}

/** One environment-file entry: `NAME<<DELIM\nvalue\nDELIM\n` with a delimiter found in neither. */
export function fileCommandEntry(name: string, value: string): string {
  if (name === '' || /[\r\n=]/.test(name) || name.includes('<<')) throw new CiError(`cannot write "${name}" to a GitHub environment file: invalid name`);
  let delimiter = `ghadelimiter_${randomUUID()}`;
  while (name.includes(delimiter) || value.includes(delimiter)) delimiter = `ghadelimiter_${randomUUID()}`;
  return `${name}<<${delimiter}${os.EOL}${value}${os.EOL}${delimiter}${os.EOL}`;
}

/** Appends entries to the file named by `variable` (GITHUB_ENV, GITHUB_OUTPUT, GITHUB_STATE). @returns false when the variable is unset. */
export async function appendGithubFile(env: CiEnv, variable: string, entries: Array<[string, string]>): Promise<boolean> {
  const file = env.env[variable];
  if (!file) return false;
  if (entries.length === 0) return true;
  const text = entries.map(([n, v]) => fileCommandEntry(n, v)).join('');
  try {
    await env.appendFile(file, text);
  } catch (e) {
    throw new CiError(`cannot write ${variable} (${file}): ${(e as Error).message}`);
  }
  return true;
}
