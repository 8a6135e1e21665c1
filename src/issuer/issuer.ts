/**
 * The development OIDC issuer: one issuer per CI platform under a base URL (`<base>/<platform>`),
 * each with its own signing key, discovery document and JWKS, minting tokens shaped like the
 * platform's (fixtures/*.json). For development and tests only: anyone who can reach it can mint.
 */
import { PlatformKeys } from './keys.ts';
import type { JwksDocument } from './keys.ts';
import { PLATFORMS, loadFixture } from './platforms.ts';
import type { IssuerPlatform, PlatformFixture } from './platforms.ts';
import { buildClaims, signClaims } from './tokens.ts';
import type { MintOptions } from './tokens.ts';

/** Options of {@link DevIssuer.create}. */
export interface DevIssuerOptions {
  /** Base URL, e.g. `http://127.0.0.1:8300` (a trailing slash is removed). */
  baseUrl: string;
  /** Signing algorithm per platform (default: the fixture's). */
  algs?: Partial<Record<IssuerPlatform, string>>;
}

/** The OpenID discovery document served per platform. */
export interface DiscoveryDocument {
  issuer: string;
  jwks_uri: string;
  response_types_supported: string[];
  subject_types_supported: string[];
  id_token_signing_alg_values_supported: string[];
  scopes_supported: string[];
  claims_supported: string[];
}

/** A development issuer for every platform in {@link PLATFORMS}. */
export class DevIssuer {
  readonly baseUrl: string;
  private readonly keys: Map<IssuerPlatform, PlatformKeys>;

  private constructor(baseUrl: string, keys: Map<IssuerPlatform, PlatformKeys>) {
    this.baseUrl = baseUrl;
    this.keys = keys;
  }

  /** Generates one signing key per platform. */
  static async create(opts: DevIssuerOptions): Promise<DevIssuer> {
    const baseUrl = opts.baseUrl.replace(/\/+$/, '');
    const entries = await Promise.all(
      PLATFORMS.map(async (p) => [p, await PlatformKeys.create(opts.algs?.[p] ?? loadFixture(p).alg)] as const),
    );
    return new DevIssuer(baseUrl, new Map(entries));
  }

  /** The platforms served. */
  get platforms(): readonly IssuerPlatform[] {
    return PLATFORMS;
  }

  /** The platform's `iss` (also its discovery base URL): `<base>/<platform>`. */
  issuerUrl(platform: IssuerPlatform): string {
    return `${this.baseUrl}/${platform}`;
  }

  /** `<issuer>/.well-known/openid-configuration`. */
  discoveryUrl(platform: IssuerPlatform): string {
    return `${this.issuerUrl(platform)}/.well-known/openid-configuration`;
  }

  /** `<issuer>/.well-known/jwks.json`. */
  jwksUrl(platform: IssuerPlatform): string {
    return `${this.issuerUrl(platform)}/.well-known/jwks.json`;
  }

  /** The URL a GitHub job would have in ACTIONS_ID_TOKEN_REQUEST_URL (append `&audience=`). */
  actionsTokenUrl(): string {
    return `${this.issuerUrl('github')}/actions-token?api-version=2.0`;
  }

  /**
   * The path of the platform's real JWKS endpoint relative to its issuer (e.g. GitLab's
   * `/oauth/discovery/keys`), when the fixture's JWKS lives under its issuer; served as an alias.
   */
  nativeJwksPath(platform: IssuerPlatform): string | undefined {
    const f = loadFixture(platform);
    if (!f.jwks_uri) return undefined;
    const iss = f.issuer.replace(/\/+$/, '');
    if (!f.jwks_uri.startsWith(`${iss}/`)) return undefined;
    const rel = f.jwks_uri.slice(iss.length);
    return rel === '/.well-known/jwks.json' ? undefined : rel;
  }

  /** The fixture a platform's tokens are made from. */
  fixture(platform: IssuerPlatform): PlatformFixture {
    return loadFixture(platform);
  }

  /** The platform's discovery document. */
  discovery(platform: IssuerPlatform): DiscoveryDocument {
    const keys = this.platformKeys(platform);
    return {
      issuer: this.issuerUrl(platform),
      jwks_uri: this.jwksUrl(platform),
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [keys.current.alg],
      scopes_supported: ['openid'],
      claims_supported: Object.keys(loadFixture(platform).claims),
    };
  }

  /** The platform's JWKS (signing key, plus the previous one after a rotation). */
  jwks(platform: IssuerPlatform): JwksDocument {
    return this.platformKeys(platform).jwks();
  }

  /** The kid new tokens of the platform are signed with. */
  currentKid(platform: IssuerPlatform): string {
    return this.platformKeys(platform).current.kid;
  }

  /** The claim set a token would carry (unsigned). @throws MintError */
  claims(platform: IssuerPlatform, opts: MintOptions = {}): Record<string, unknown> {
    return buildClaims(platform, loadFixture(platform), this.issuerUrl(platform), opts);
  }

  /** Mints a signed token for the platform. @throws MintError */
  async mint(platform: IssuerPlatform, opts: MintOptions = {}): Promise<string> {
    return signClaims(this.claims(platform, opts), this.platformKeys(platform).current, loadFixture(platform));
  }

  /**
   * Rotates the signing key of one platform (or all). The previous key stays in the JWKS unless
   * `dropOld`. Returns the new kid per rotated platform.
   */
  async rotate(platform?: IssuerPlatform, dropOld = false): Promise<Partial<Record<IssuerPlatform, string>>> {
    const targets = platform ? [platform] : [...PLATFORMS];
    const out: Partial<Record<IssuerPlatform, string>> = {};
    for (const p of targets) out[p] = (await this.platformKeys(p).rotate(dropOld)).kid;
    return out;
  }

  private platformKeys(platform: IssuerPlatform): PlatformKeys {
    const k = this.keys.get(platform);
    if (!k) throw new Error(`no keys for platform ${platform}`);
    return k;
  }
}
