/**
 * Keeps secrets out of error messages and log lines. Database drivers may echo statement text
 * (MySQL's syntax errors quote it), and statements carry passwords; connection URLs may carry one.
 */
import { KeepError, internalError, isKeepError } from '../../errors.ts';

export const MASK = 'xxxxx';

/** `message` with every occurrence of each non-empty secret replaced by `xxxxx`. */
export function redact(message: string, secrets: readonly (string | undefined)[]): string {
  let out = message;
  for (const s of secrets) {
    if (typeof s === 'string' && s.length > 0) out = out.split(s).join(MASK);
  }
  return out;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * A 500 KeepError for a failed database operation: `<prefix><message>` with secrets masked. A
 * KeepError from below keeps its status (a plugin's 400 stays a 400) but gets the prefix too.
 */
export function dbFailure(prefix: string, e: unknown, secrets: readonly (string | undefined)[]): KeepError {
  const text = prefix + redact(errorMessage(e), secrets);
  if (isKeepError(e) && e.status !== 500) return new KeepError(e.code, e.status, text);
  return internalError(text);
}
