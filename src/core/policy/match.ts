/**
 * Choosing the governing rule for a request path (spec/core.md 3.2, 3.3).
 *
 * Everything is prepared once per ACL: exact rules in a map, prefix rules in a map plus the
 * distinct prefix lengths (longest first, so the longest matching prefix is the first hit), and
 * segment-wildcard rules pre-split into segments with their ranking attributes. A request costs a
 * map lookup, at most one lookup per distinct prefix length, and one pass over the `+` rules.
 */
import { CAP } from './types.ts';
import type { Perm, RuleSets } from './compile.ts';

/** A non-exact rule that matched, with what ranking needs. */
export interface Candidate {
  perm: Perm;
  /** Position of the first `+` (segment rules) or the prefix length (prefix rules). */
  firstWildcard: number;
  /** Ends in `*`. */
  isPrefix: boolean;
  /** Number of `+` segments. */
  wildcards: number;
  /** The pattern without its trailing `*`. */
  path: string;
}

interface SegmentRule {
  candidate: Candidate;
  parts: string[];
}

/** Negative when `a` ranks lower than `b` (the five rules of spec/core.md 3.3 step 3). */
export function compareRank(a: Candidate, b: Candidate): number {
  if (a.firstWildcard !== b.firstWildcard) return a.firstWildcard - b.firstWildcard;
  if (a.isPrefix !== b.isPrefix) return a.isPrefix ? -1 : 1;
  if (a.wildcards !== b.wildcards) return b.wildcards - a.wildcards;
  if (a.path.length !== b.path.length) return a.path.length - b.path.length;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

function highest(cands: Candidate[], filter?: (c: Candidate) => boolean): Candidate | undefined {
  let best: Candidate | undefined;
  for (const c of cands) {
    if (filter && !filter(c)) continue;
    if (!best || compareRank(c, best) > 0) best = c;
  }
  return best;
}

export class RuleMatcher {
  readonly exact: Map<string, Perm>;
  readonly prefix: Map<string, Candidate>;
  private readonly prefixLengths: number[];
  readonly segments: SegmentRule[];

  constructor(sets: RuleSets) {
    this.exact = sets.exact;
    this.prefix = new Map();
    const lengths = new Set<number>();
    for (const [key, perm] of sets.prefix) {
      this.prefix.set(key, { perm, firstWildcard: key.length, isPrefix: true, wildcards: 0, path: key });
      lengths.add(key.length);
    }
    this.prefixLengths = [...lengths].sort((a, b) => b - a);
    this.segments = [];
    for (const [full, perm] of sets.segment) {
      const isPrefix = full.endsWith('*');
      const path = isPrefix ? full.slice(0, -1) : full;
      const parts = path.split('/');
      const wildcards = parts.filter((p) => p === '+').length;
      this.segments.push({ candidate: { perm, firstWildcard: full.indexOf('+'), isPrefix, wildcards, path }, parts });
    }
  }

  /** The longest prefix rule matching `path`. */
  longestPrefix(path: string): Candidate | undefined {
    for (const len of this.prefixLengths) {
      if (len > path.length) continue;
      const c = this.prefix.get(len === path.length ? path : path.slice(0, len));
      if (c) return c;
    }
    return undefined;
  }

  /** Adds the longest prefix rule and every matching segment rule for `path` to `out`. */
  collect(path: string, out: Candidate[]): void {
    const p = this.longestPrefix(path);
    if (p) out.push(p);
    if (this.segments.length === 0) return;
    const parts = path.split('/');
    for (const rule of this.segments) if (segmentMatches(rule, parts)) out.push(rule.candidate);
  }

  /** Steps 2-4: the highest-ranked non-exact candidate for `path`. */
  bestFor(path: string): Perm | undefined {
    const cands: Candidate[] = [];
    this.collect(path, cands);
    return highest(cands)?.perm;
  }

  /** Step 5: `list` on a path ending in '/'. */
  private listWithSlash(path: string): Perm | undefined {
    const cands: Candidate[] = [];
    this.collect(path, cands);
    this.collect(path.slice(0, -1), cands);
    const deny = highest(cands, (c) => (c.perm.bits & CAP.deny) !== 0);
    const list = highest(cands, (c) => (c.perm.bits & CAP.list) !== 0);
    if (deny && (!list || compareRank(deny, list) > 0)) return deny.perm;
    if (list) return list.perm;
    return highest(cands)?.perm;
  }

  /** The governing rule for an operation on `path` (no leading '/'), or undefined (denied). */
  governing(path: string, isList: boolean): Perm | undefined {
    const exact = this.exact.get(path);
    if (exact) return exact;
    const slash = path.endsWith('/');
    if (isList && slash) {
      const trimmed = this.exact.get(path.slice(0, -1));
      if (trimmed) return trimmed;
      return this.listWithSlash(path);
    }
    return this.bestFor(path);
  }
}

/** Segment-by-segment comparison of a `+` rule with a request path's segments. */
function segmentMatches(rule: SegmentRule, parts: string[]): boolean {
  const rp = rule.parts;
  const glob = rule.candidate.isPrefix;
  if (parts.length < rp.length) return false;
  if (!glob && parts.length !== rp.length) return false;
  const last = rp.length - 1;
  for (let i = 0; i <= last; i++) {
    const seg = rp[i];
    if (seg === '+' || seg === parts[i]) continue;
    if (glob && i === last && parts[i].startsWith(seg)) return true;
    return false;
  }
  return true;
}

/**
 * Could a `+` rule (segments `parts`, trailing `*` when `glob`) match some path at or below a
 * mount path whose complete segments are `prefixParts`? Used by hasAccessUnder (spec/core.md 2.13).
 */
export function segmentReachesUnder(parts: readonly string[], glob: boolean, prefixParts: readonly string[]): boolean {
  const last = parts.length - 1;
  const n = Math.min(parts.length, prefixParts.length);
  for (let i = 0; i < n; i++) {
    const seg = parts[i];
    if (seg === '+' || seg === prefixParts[i]) continue;
    if (glob && i === last && prefixParts[i].startsWith(seg)) return true;
    return false;
  }
  // Longer (or equal) rules can be completed by a path below the prefix; a shorter rule reaches
  // below only through its trailing glob.
  return parts.length >= prefixParts.length || glob;
}
