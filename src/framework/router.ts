/**
 * Path matching inside one backend: each PathDef.pattern is compiled once (anchored), and a
 * request path relative to the mount is matched against them in declaration order (first match
 * wins, as in Vault). Named groups become fields. Patterns may use `(?<name>...)` or Go's
 * `(?P<name>...)`.
 */
import type { Backend, PathDef } from './types.ts';

export interface CompiledPath {
  def: PathDef;
  regex: RegExp;
  /** Names of the pattern's named groups. */
  groups: string[];
}

export interface RouteMatch {
  def: PathDef;
  /** Named groups that matched (unmatched optional groups are absent). */
  captures: Record<string, string>;
}

export interface CompiledBackend {
  backend: Backend;
  paths: CompiledPath[];
  /** First path whose pattern matches `relPath`, or undefined. */
  route(relPath: string): RouteMatch | undefined;
  /** `relPath` is in backend.special.unauthenticated. */
  isUnauthenticated(relPath: string): boolean;
  /** `relPath` is in backend.special.root (needs sudo). */
  isRootProtected(relPath: string): boolean;
}

/** Converts Go's `(?P<name>` to JavaScript's `(?<name>`. */
export function toJsPattern(pattern: string): string {
  return pattern.replace(/\(\?P</g, '(?<');
}

export function compilePattern(pattern: string): RegExp {
  let src = toJsPattern(pattern);
  if (!src.startsWith('^')) src = `^${src}`;
  if (!src.endsWith('$') || src.endsWith('\\$')) src = `${src}$`;
  return new RegExp(src);
}

function groupNames(src: string): string[] {
  const names: string[] = [];
  const re = /\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(src)) !== null) names.push(m[1]);
  return names;
}

/** Matcher of Vault's special-path lists: trailing `*` = prefix, otherwise exact. */
export interface SpecialPaths {
  matches(relPath: string): boolean;
}

export function compileSpecialPaths(patterns: readonly string[] | undefined): SpecialPaths {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const p of patterns ?? []) {
    if (p.endsWith('*')) prefixes.push(p.slice(0, -1));
    else exact.add(p);
  }
  if (exact.size === 0 && prefixes.length === 0) return { matches: () => false };
  return {
    matches(relPath: string): boolean {
      if (exact.has(relPath)) return true;
      for (const p of prefixes) if (relPath.startsWith(p)) return true;
      return false;
    },
  };
}

export function compileBackend(backend: Backend): CompiledBackend {
  const paths: CompiledPath[] = backend.paths.map((def) => {
    const regex = compilePattern(def.pattern);
    return { def, regex, groups: groupNames(regex.source) };
  });
  const unauth = compileSpecialPaths(backend.special?.unauthenticated);
  const root = compileSpecialPaths(backend.special?.root);
  return {
    backend,
    paths,
    route(relPath: string): RouteMatch | undefined {
      for (const p of paths) {
        const m = p.regex.exec(relPath);
        if (m === null) continue;
        const captures: Record<string, string> = {};
        if (m.groups) {
          for (const name of p.groups) {
            const v = m.groups[name];
            if (v !== undefined) captures[name] = v;
          }
        }
        return { def: p.def, captures };
      }
      return undefined;
    },
    isUnauthenticated: (relPath) => unauth.matches(relPath),
    isRootProtected: (relPath) => root.matches(relPath),
  };
}
