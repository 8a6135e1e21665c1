/**
 * The CI platforms the development issuer imitates, and their claim-set fixtures
 * (fixtures/<file>.json, schema in spec/ci-platforms.md section 12).
 */
import { readFileSync } from 'node:fs';

/** Platforms the dev issuer serves, one issuer each (`<base>/<platform>`). */
export const PLATFORMS = ['github', 'gitlab', 'circleci', 'buildkite', 'bitbucket', 'azure', 'jenkins', 'gcb', 'kubernetes'] as const;

/** One of {@link PLATFORMS}. */
export type IssuerPlatform = (typeof PLATFORMS)[number];

/** Fixture file (without `.json`) per platform. */
const FIXTURE_FILES: Record<IssuerPlatform, string> = {
  github: 'github-actions',
  gitlab: 'gitlab-ci',
  circleci: 'circleci',
  buildkite: 'buildkite',
  bitbucket: 'bitbucket-pipelines',
  azure: 'azure-pipelines',
  jenkins: 'jenkins',
  gcb: 'google-cloud-build',
  kubernetes: 'kubernetes',
};

/** A claim-set fixture (the keys the issuer uses). */
export interface PlatformFixture {
  /** The real platform's `iss` (informative; the dev issuer uses its own URL). */
  issuer: string;
  audience_default: string | string[] | null;
  alg: string;
  lifetime_seconds: number;
  nbf_skew_seconds?: number | null;
  jwks_uri?: string;
  discovery_url?: string;
  header?: Record<string, unknown>;
  claims: Record<string, unknown>;
  variants?: Record<string, Record<string, unknown>>;
}

/** True for a known platform name. */
export function isPlatform(name: string): name is IssuerPlatform {
  return (PLATFORMS as readonly string[]).includes(name);
}

/** The message for an unknown platform, listing the valid ones. */
export function unknownPlatformMessage(name: string): string {
  return `unknown platform "${name}"; valid platforms: ${PLATFORMS.join(', ')}`;
}

/** Checks a platform name. @throws Error naming the valid platforms. */
export function checkPlatform(name: string): IssuerPlatform {
  if (!isPlatform(name)) throw new Error(unknownPlatformMessage(name));
  return name;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const cache = new Map<IssuerPlatform, PlatformFixture>();

/** The fixture of a platform (read once, then cached; callers must not mutate it). */
export function loadFixture(platform: IssuerPlatform): PlatformFixture {
  const hit = cache.get(platform);
  if (hit) return hit;
  const url = new URL(`./fixtures/${FIXTURE_FILES[platform]}.json`, import.meta.url);
  const parsed: unknown = JSON.parse(readFileSync(url, 'utf8'));
  if (!isObject(parsed) || !isObject(parsed.claims) || typeof parsed.alg !== 'string' || typeof parsed.lifetime_seconds !== 'number') {
    throw new Error(`fixture ${FIXTURE_FILES[platform]}.json is malformed`);
  }
  const fixture = parsed as unknown as PlatformFixture;
  cache.set(platform, fixture);
  return fixture;
}

/** The variant names of a platform's fixture (overlays such as `pull_request`, `tag_push`). */
export function variantNames(platform: IssuerPlatform): string[] {
  return Object.keys(loadFixture(platform).variants ?? {});
}
