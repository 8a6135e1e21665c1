/**
 * CI-platform presets for the JWT auth method (a Keep extension): a `preset` on the mount config
 * or on an `issuers` entry fills in the issuer and where its keys are found
 * (spec: shared/spec/ci-platforms.md, section 1). Explicit fields given beside a preset win over
 * these facts; that merge is the caller's.
 *
 * `oidc_discovery_url` follows Vault's meaning: the issuer base URL, to which
 * `/.well-known/openid-configuration` is appended. Each platform's discovery document points to
 * its JWKS (GitHub and Buildkite `/.well-known/jwks`, GitLab `/oauth/discovery/keys`, CircleCI
 * `/.well-known/jwks-pub.json`, Bitbucket `/.well-known/jwks`), so no preset sets `jwks_url`
 * (Vault refuses both at once).
 */
import { badRequest } from '../../errors.ts';

export type PresetName = 'github' | 'gitlab' | 'circleci' | 'buildkite' | 'bitbucket';

export interface PresetParams {
  preset: string;
  gitlab_url?: string;
  org_id?: string;
  workspace?: string;
}

export interface IssuerFacts {
  platform: string;
  issuer: string;
  oidc_discovery_url?: string;
  jwks_url?: string;
}

/** The known presets, in the order error messages list them. */
export const PRESET_NAMES: readonly PresetName[] = ['github', 'gitlab', 'circleci', 'buildkite', 'bitbucket'];

/** The parameter each preset needs beside its name (none for github and buildkite). */
const PRESET_PARAM: Record<PresetName, keyof PresetParams | undefined> = {
  github: undefined,
  gitlab: 'gitlab_url',
  circleci: 'org_id',
  buildkite: undefined,
  bitbucket: 'workspace',
};

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
export const BUILDKITE_ISSUER = 'https://agent.buildkite.com';
export const CIRCLECI_ISSUER_BASE = 'https://oidc.circleci.com/org/';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Bitbucket workspace ids (slugs): letters, digits, `-`, `_`. */
const WORKSPACE_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

function presetError(message: string, field: string) {
  return badRequest(message, { field });
}

/** A parameter given as undefined or "" counts as absent (the framework defaults strings to ""). */
function param(p: PresetParams, name: keyof PresetParams): string | undefined {
  const v = p[name];
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

/** True for localhost, 127.0.0.0/8 and ::1 (where plain http is tolerated, e.g. a test GitLab). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '[::1]' || h === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * The GitLab instance URL as its tokens' `iss`: https (http only for loopback hosts), no
 * credentials, query or fragment, without trailing slashes. A relative URL root
 * (`https://example.com/gitlab`) is kept.
 */
export function normaliseGitlabUrl(raw: string): string {
  const bad = () =>
    presetError(
      `preset "gitlab": gitlab_url must be an https URL (http only for loopback hosts), got "${raw}"`,
      'gitlab_url',
    );
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad();
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) throw bad();
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' || raw.includes('?') || raw.includes('#')) {
    throw bad();
  }
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * Issuer facts of a preset. Throws KeepError 400 (extra `{field}`) naming the missing or
 * invalid parameter, or listing the known presets for an unknown name.
 */
export function resolvePreset(p: PresetParams): IssuerFacts {
  const name = typeof p.preset === 'string' ? p.preset.trim() : '';
  if (!isPresetName(name)) {
    throw presetError(`unknown preset "${name}"; known presets: ${PRESET_NAMES.join(', ')}`, 'preset');
  }
  const needed = PRESET_PARAM[name];
  const value = needed === undefined ? undefined : param(p, needed);
  if (needed !== undefined && value === undefined) throw presetError(`preset "${name}" requires ${needed}`, needed);

  switch (name) {
    case 'github':
      return { platform: 'github', issuer: GITHUB_ISSUER, oidc_discovery_url: GITHUB_ISSUER };
    case 'buildkite':
      return { platform: 'buildkite', issuer: BUILDKITE_ISSUER, oidc_discovery_url: BUILDKITE_ISSUER };
    case 'gitlab': {
      const issuer = normaliseGitlabUrl(value as string);
      return { platform: 'gitlab', issuer, oidc_discovery_url: issuer };
    }
    case 'circleci': {
      const org = value as string;
      if (!UUID_RE.test(org)) {
        throw presetError(`preset "circleci": org_id must be a UUID (the CircleCI organization id), got "${org}"`, 'org_id');
      }
      // CircleCI writes organization ids in lower case in its issuer URL.
      const issuer = CIRCLECI_ISSUER_BASE + org.toLowerCase();
      return { platform: 'circleci', issuer, oidc_discovery_url: issuer };
    }
    case 'bitbucket': {
      const ws = value as string;
      if (!WORKSPACE_RE.test(ws)) {
        throw presetError(
          `preset "bitbucket": workspace must be the workspace slug (letters, digits, "-" and "_"), got "${ws}"`,
          'workspace',
        );
      }
      const issuer = `https://api.bitbucket.org/2.0/workspaces/${ws}/pipelines-config/identity/oidc`;
      return { platform: 'bitbucket', issuer, oidc_discovery_url: issuer };
    }
  }
}

/**
 * Warnings for preset parameters that the chosen preset does not use (e.g. `org_id` with
 * `github`), for the config write's response. Unknown presets give none (resolvePreset rejects them).
 */
export function presetParamWarnings(p: PresetParams): string[] {
  const name = typeof p.preset === 'string' ? p.preset.trim() : '';
  if (!isPresetName(name)) return [];
  const out: string[] = [];
  for (const k of ['gitlab_url', 'org_id', 'workspace'] as const) {
    if (PRESET_PARAM[name] !== k && param(p, k) !== undefined) out.push(`preset "${name}" does not use ${k}; it was ignored`);
  }
  return out;
}
