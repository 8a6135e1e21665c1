/**
 * End-to-end helpers for CI logins: the development OIDC issuer run in the test process (the
 * real `src/issuer` server on a free loopback port, one issuer per platform at `<base>/<platform>`),
 * the `issuers` config entry that makes a Keep JWT mount trust one platform of it, "attacker"
 * tokens signed with keys Keep does not trust (jose), and a key server whose JWKS endpoint can
 * be taken down or made to hang.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SignJWT, calculateJwkThumbprint, exportJWK, exportSPKI, generateKeyPair, importJWK } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { PLATFORMS, loadFixture } from '../../src/issuer/platforms.ts';
import type { IssuerPlatform } from '../../src/issuer/platforms.ts';
import { startIssuerServer } from '../../src/issuer/server.ts';
import type { RunningIssuer } from '../../src/issuer/server.ts';
import type { MintOptions } from '../../src/issuer/tokens.ts';
import { httpRequest } from './http.ts';

export { PLATFORMS, loadFixture };
export type { IssuerPlatform, MintOptions };

type Claims = Record<string, unknown>;

/** A dev issuer running in this process. */
export interface TestIssuer {
  /** `http://127.0.0.1:<port>`. */
  baseUrl: string;
  running: RunningIssuer;
  /** `<base>/<platform>`: the platform's `iss` and discovery base URL. */
  url(platform: IssuerPlatform): string;
  /** The platform's JWKS URL. */
  jwksUrl(platform: IssuerPlatform): string;
  /** The platform's JWKS document (public keys). */
  jwks(platform: IssuerPlatform): { keys: JWK[] };
  /** The kid new tokens of the platform are signed with. */
  currentKid(platform: IssuerPlatform): string;
  /** The claims a minted token would carry (unsigned). */
  claims(platform: IssuerPlatform, opts?: MintOptions): Claims;
  /** A signed job token of the platform (in process). */
  mint(platform: IssuerPlatform, opts?: MintOptions): Promise<string>;
  /** A signed job token through the issuer's HTTP mint endpoint (`POST /<platform>/token`). */
  mintHttp(platform: IssuerPlatform, body?: Record<string, unknown>): Promise<string>;
  /** Rotates the platform's key through the issuer's HTTP endpoint (`POST /rotate`); the new kid. */
  rotateHttp(platform: IssuerPlatform, dropOld?: boolean): Promise<string>;
  close(): Promise<void>;
}

const running: TestIssuer[] = [];

/** Starts the dev issuer on a free loopback port. Close it with `close()` (or {@link closeIssuers}). */
export async function startTestIssuer(): Promise<TestIssuer> {
  const r = await startIssuerServer({ listen: '127.0.0.1:0' });
  const i = r.issuer;
  const t: TestIssuer = {
    baseUrl: r.baseUrl,
    running: r,
    url: (p) => i.issuerUrl(p),
    jwksUrl: (p) => i.jwksUrl(p),
    jwks: (p) => i.jwks(p),
    currentKid: (p) => i.currentKid(p),
    claims: (p, opts = {}) => i.claims(p, opts),
    mint: (p, opts = {}) => i.mint(p, opts),
    async mintHttp(p, body = {}) {
      const res = await httpRequest(r.baseUrl, 'POST', `/${p}/token`, { body });
      const v = (res.json as { value?: unknown } | undefined)?.value;
      if (res.status !== 200 || typeof v !== 'string') throw new Error(`issuer mint ${p}: ${res.status} ${res.text}`);
      return v;
    },
    async rotateHttp(p, dropOld = false) {
      const res = await httpRequest(r.baseUrl, 'POST', `/rotate?platform=${p}${dropOld ? '&drop_old=true' : ''}`);
      const kid = (res.json as { rotated?: Record<string, unknown> } | undefined)?.rotated?.[p];
      if (res.status !== 200 || typeof kid !== 'string') throw new Error(`issuer rotate ${p}: ${res.status} ${res.text}`);
      return kid;
    },
    close: () => r.close(),
  };
  running.push(t);
  return t;
}

/** Closes every issuer this file started. */
export async function closeIssuers(): Promise<void> {
  await Promise.all(running.splice(0).map((t) => t.close()));
}

// ---------------------------------------------------------------------------------------------
// Trusting the issuer from a Keep JWT mount

/** Fixture facts the presets need (org id, workspace). */
const CIRCLECI_ORG = String(loadFixture('circleci').claims['oidc.circleci.com/org-id']);
const BITBUCKET_WORKSPACE = 'keepdemo';

/**
 * The `issuers` entry that trusts one platform of the dev issuer through discovery, with the
 * platform's preset where Keep has one (explicit issuer and discovery URL win over the preset's
 * facts, so the platform is still recognised for attribution). Platforms without a preset get
 * `preset: <platform name>` only with `namedPreset` (see jwt-platforms.test.ts).
 */
export function issuerEntry(iss: TestIssuer, platform: IssuerPlatform, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const url = iss.url(platform);
  const e: Record<string, unknown> = { issuer: url, oidc_discovery_url: url };
  switch (platform) {
    case 'github':
    case 'buildkite':
      e.preset = platform;
      break;
    case 'gitlab':
      e.preset = 'gitlab';
      e.gitlab_url = url;
      break;
    case 'circleci':
      e.preset = 'circleci';
      e.org_id = CIRCLECI_ORG;
      break;
    case 'bitbucket':
      e.preset = 'bitbucket';
      e.workspace = BITBUCKET_WORKSPACE;
      break;
    default:
      break;
  }
  return { ...e, ...extra };
}

// ---------------------------------------------------------------------------------------------
// Tokens Keep must refuse

/** A key pair Keep does not trust. */
export interface AttackerKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function attackerKey(alg = 'RS256'): Promise<AttackerKey> {
  const opts = alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true, modulusLength: 2048 };
  const { publicKey, privateKey } = await generateKeyPair(alg, opts);
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return { kid, alg, privateKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } };
}

/** Signs `claims` with `key`; `header` overrides (e.g. another kid). */
export async function signWith(key: AttackerKey, claims: Claims, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header }).sign(key.privateKey);
}

function b64json(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

/** An unsecured JWS (`alg: none`, empty signature). */
export function unsignedToken(claims: Claims, header: Record<string, unknown> = {}): string {
  return `${b64json({ alg: 'none', typ: 'JWT', ...header })}.${b64json(claims)}.`;
}

/** The SPKI PEM of a public JWK (what an HS256 key-confusion attack uses as the HMAC secret). */
export async function publicPem(jwk: JWK): Promise<string> {
  const { kid: _kid, use: _use, ...rest } = jwk;
  const alg = typeof jwk.alg === 'string' ? jwk.alg : 'RS256';
  const key = await importJWK({ ...rest, alg }, alg);
  if (key instanceof Uint8Array) throw new Error('not an asymmetric key');
  return exportSPKI(key);
}

/** HS256 over `claims` with `secret` as the key (the issuer's public key: key confusion). */
export function hmacToken(claims: Claims, secret: string, header: Record<string, unknown> = {}): string {
  const input = `${b64json({ alg: 'HS256', typ: 'JWT', ...header })}.${b64json(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** The token with its payload replaced (header and signature kept). */
export function tamperPayload(token: string, patch: Claims): string {
  const [h, p, s] = token.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Claims;
  return `${h}.${b64json({ ...claims, ...patch })}.${s}`;
}

/** The (unverified) payload of a compact JWT. */
export function payloadOf(token: string): Claims {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Claims;
}

// ---------------------------------------------------------------------------------------------
// A JWKS endpoint under the test's control

export type KeyServerMode = 'serve' | 'down' | 'hang';

/** Serves `GET /jwks` from a callback; can answer 503 (`down`) or never answer (`hang`). */
export interface KeyServer {
  /** `http://127.0.0.1:<port>/jwks`. */
  url: string;
  mode: KeyServerMode;
  /** Requests received. */
  hits: number;
  close(): Promise<void>;
}

export async function startKeyServer(jwks: () => { keys: JWK[] }): Promise<KeyServer> {
  const sockets = new Set<Socket>();
  const state = { mode: 'serve' as KeyServerMode, hits: 0 };
  const server = http.createServer((req, res) => {
    state.hits++;
    if (state.mode === 'hang') return; // never answers; the socket is destroyed on close
    if (state.mode === 'down') {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('issuer down for maintenance');
      return;
    }
    if (req.url !== '/jwks') {
      res.writeHead(404).end();
      return;
    }
    const text = JSON.stringify(jwks());
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/jwks`,
    get mode() {
      return state.mode;
    },
    set mode(m: KeyServerMode) {
      state.mode = m;
    },
    get hits() {
      return state.hits;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Reading login answers

export interface LoginAuth {
  client_token: string;
  accessor: string;
  policies: string[];
  token_policies: string[];
  metadata: Record<string, string> | null;
  lease_duration: number;
  renewable: boolean;
  entity_id: string;
}

/** The `auth` block of a successful login (throws with the answer otherwise). */
export function authOf(res: { status: number; text: string; json: unknown }): LoginAuth {
  const auth = (res.json as { auth?: unknown } | undefined)?.auth;
  if (res.status !== 200 || typeof auth !== 'object' || auth === null) throw new Error(`login failed: ${res.status} ${res.text.slice(0, 600)}`);
  return auth as LoginAuth;
}

/** What a rejected login must answer. */
export interface Rejection {
  status: number;
  reason: string;
  /** The exact first error message (Vault's), or a pattern. */
  message?: string | RegExp;
  role: string;
  /** The claim to blame; `null` asserts that no claim is named. Omitted: not checked. */
  claim?: string | null;
  /** Values (the role's expected values) that must not appear anywhere in the answer. */
  hidden?: string[];
}

/**
 * Asserts a rejected login: status, `errors[0]`, top-level `reason_code`, `role`, `claim`, and
 * that none of the `hidden` values appear in the body. Returns a description of any mismatch
 * (empty when it matches), so a table of cases can report every failure at once.
 */
export function rejectionMismatch(res: { status: number; text: string; json: unknown }, want: Rejection): string[] {
  const out: string[] = [];
  const body = (typeof res.json === 'object' && res.json !== null ? res.json : {}) as Record<string, unknown>;
  const errors = Array.isArray(body.errors) ? body.errors.map(String) : [];
  if (res.status !== want.status) out.push(`status ${res.status}, want ${want.status}`);
  if (body.reason_code !== want.reason) out.push(`reason_code ${JSON.stringify(body.reason_code)}, want ${want.reason}`);
  if (body.role !== want.role) out.push(`role ${JSON.stringify(body.role)}, want ${JSON.stringify(want.role)}`);
  if (want.claim !== undefined) {
    const got = body.claim === undefined ? null : body.claim;
    if (got !== want.claim) out.push(`claim ${JSON.stringify(got)}, want ${JSON.stringify(want.claim)}`);
  }
  if (want.message !== undefined) {
    const m = errors[0] ?? '';
    const ok = typeof want.message === 'string' ? m === want.message : want.message.test(m);
    if (!ok) out.push(`errors[0] ${JSON.stringify(m)}, want ${String(want.message)}`);
  }
  if (errors.length === 0) out.push('no errors[] in the answer');
  for (const h of want.hidden ?? []) if (res.text.includes(h)) out.push(`the answer reveals the expected value ${JSON.stringify(h)}`);
  return out;
}

/**
 * Waits until a dev server printed its banner (`Root Token:`): it answers HTTP before its dev
 * setup (the dev issuer and the `auth/jwt/` demo mount) is done.
 */
export async function waitDevReady(server: { stdout(): string }, ms = 30_000): Promise<string> {
  const deadline = Date.now() + ms;
  while (!/Root Token:/.test(server.stdout())) {
    if (Date.now() > deadline) throw new Error(`the dev server never printed its banner; stdout:\n${server.stdout()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return server.stdout();
}
