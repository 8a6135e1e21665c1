/**
 * Claims a real platform derives from others. When a caller overrides, say, GitHub's `ref`, the
 * minted token's `sub` and `ref_type` follow, as the platform would produce them — but only when
 * the fixture's value was in the platform's default shape (a custom `sub` template is left alone)
 * and the caller did not set the derived claim itself.
 */
import type { IssuerPlatform } from './platforms.ts';

type Claims = Record<string, unknown>;

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** GitHub encodes `:` inside sub components as `%3A`. */
function ghPart(v: string): string {
  return v.replace(/:/g, '%3A');
}

function githubSub(c: Claims): string | undefined {
  const repo = str(c.repository);
  if (repo === undefined) return undefined;
  const env = str(c.environment);
  if (env) return `repo:${ghPart(repo)}:environment:${ghPart(env)}`;
  if (c.event_name === 'pull_request') return `repo:${ghPart(repo)}:pull_request`;
  const ref = str(c.ref);
  return ref === undefined ? undefined : `repo:${ghPart(repo)}:ref:${ghPart(ref)}`;
}

function githubRefType(c: Claims): string | undefined {
  const ref = str(c.ref);
  if (ref === undefined) return undefined;
  return ref.startsWith('refs/tags/') ? 'tag' : 'branch';
}

function gitlabSub(c: Claims): string | undefined {
  const [p, t, r] = [str(c.project_path), str(c.ref_type), str(c.ref)];
  return p && t && r !== undefined ? `project_path:${p}:ref_type:${t}:ref:${r}` : undefined;
}

function gitlabRefPath(c: Claims): string | undefined {
  const [t, r] = [str(c.ref_type), str(c.ref)];
  if (r === undefined) return undefined;
  return t === 'tag' ? `refs/tags/${r}` : `refs/heads/${r}`;
}

function buildkiteSub(c: Claims): string | undefined {
  const [org, pipe, commit] = [str(c.organization_slug), str(c.pipeline_slug), str(c.build_commit)];
  const tag = str(c.build_tag);
  const branch = str(c.build_branch);
  if (!org || !pipe || commit === undefined) return undefined;
  const ref = tag ? `refs/tags/${tag}` : branch !== undefined ? `refs/heads/${branch}` : undefined;
  if (ref === undefined) return undefined;
  const step = c.step_key === null || c.step_key === undefined ? '' : String(c.step_key);
  return `organization:${org}:pipeline:${pipe}:ref:${ref}:commit:${commit}:step:${step}`;
}

/** Derived claim -> how to compute it, per platform. Order matters (ref_type before sub). */
const DERIVED: Partial<Record<IssuerPlatform, Array<[string, (c: Claims) => string | undefined]>>> = {
  github: [
    ['ref_type', githubRefType],
    ['sub', githubSub],
  ],
  gitlab: [
    ['ref_path', gitlabRefPath],
    ['sub', gitlabSub],
  ],
  buildkite: [['sub', buildkiteSub]],
};

/**
 * Recomputes derived claims of `final` in place. `base` is the claim set before the caller's
 * overrides; `explicit` the names the caller set (never recomputed).
 */
export function applyDerivedClaims(platform: IssuerPlatform, base: Claims, final: Claims, explicit: ReadonlySet<string>): void {
  for (const [name, derive] of DERIVED[platform] ?? []) {
    if (explicit.has(name) || !(name in base)) continue;
    // Only follow the platform's default shape: if the fixture's value was not derivable, keep it.
    if (derive(base) !== base[name]) continue;
    const value = derive(final);
    if (value !== undefined) final[name] = value;
  }
}
