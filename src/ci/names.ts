/**
 * Output and environment variable names as vault-action derives them (spec ci-platforms.md 9.1):
 * without `| NAME`, the output name is the selector with every `.` turned into `__`, every `-`
 * dropped and every other character that is not a letter, digit or `_` dropped; the env name is
 * the same, upper-cased. With `| NAME`, both are NAME verbatim. Wildcards name each key the same
 * way, after the optional prefix.
 */

/** vault-action's name normalisation (`a.b-c!` -> `a__bc`; upper-cased for env names when asked). */
export function normalizeOutputKey(key: string, upperCase = false): string {
  const out = key.replaceAll('.', '__').replaceAll('-', '').replace(/[^\p{L}\p{N}_]/gu, '');
  return upperCase ? out.toUpperCase() : out;
}

/** Names of a plain (non-wildcard) request: `| NAME` verbatim for both, else derived from the selector. */
export function requestNames(selector: string, explicit?: string): { outputName: string; envName: string } {
  if (explicit !== undefined) return { outputName: explicit, envName: explicit };
  return { outputName: normalizeOutputKey(selector), envName: normalizeOutputKey(selector, true) };
}

/**
 * Names of one key of a wildcard request: the prefix (the `| NAME` part, or nothing) followed by
 * the key, normalised; the env name is upper-cased for `*` and keeps its case for `**`.
 */
export function wildcardNames(key: string, wildcard: '*' | '**', prefix = ''): { outputName: string; envName: string } {
  return { outputName: normalizeOutputKey(prefix + key), envName: normalizeOutputKey(prefix + key, wildcard === '*') };
}

/** True when a name can be a POSIX shell variable (what `export` lines and BASH_ENV need). */
export function isShellName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

/** True when a name can be an environment variable at all (non-empty; no `=`, NUL or line break). */
export function isEnvName(name: string): boolean {
  return name !== '' && !/[=\0\r\n]/.test(name);
}
