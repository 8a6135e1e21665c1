/**
 * Test helpers: a JWT mount over in-memory storage with a settable clock, requests run through
 * the framework's dispatch (existence check as core does it); keys generated at test time and
 * tokens signed with jose; a local HTTP server for discovery and JWKS (keys can rotate, the
 * server can fail or hang).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CompactSign, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { isKeepError, type KeepError } from '../../errors.ts';
import { prepare } from '../../framework/dispatch.ts';
import { parseJson } from '../../framework/json.ts';
import { testSystemView } from '../../framework/testing.ts';
import { compileBackend, type CompiledBackend } from '../../framework/router.ts';
import type { AuthSpec, CallerInfo, LogicalResponse, MountInfo, Operation } from '../../framework/types.ts';
import { testLogger } from '../kv/test-harness.ts';
import { MemoryView } from '../kv/test-storage.ts';
import { createJwt, type JwtBackend, type JwtOptions } from './backend.ts';

/** 2024-06-10T07:13:20Z */
export const T0 = 1_718_003_600;

export interface Fixture {
  backend: JwtBackend;
  compiled: CompiledBackend;
  storage: MemoryView;
  mount: MountInfo;
  /** Current time (unix ms); tests move it. */
  clock: { now: number };
  call(op: Operation, path: string, body?: Record<string, unknown> | string, opts?: { remote?: string; caller?: CallerInfo }): Promise<LogicalResponse | undefined>;
  fail(op: Operation, path: string, body?: Record<string, unknown> | string, opts?: { remote?: string; caller?: CallerInfo }): Promise<KeepError>;
}

export async function jwtMount(opts: { maxTTL?: number; storage?: MemoryView; clock?: { now: number } } & Omit<JwtOptions, 'now'> = {}): Promise<Fixture> {
  const storage = opts.storage ?? new MemoryView();
  const maxTTL = opts.maxTTL ?? 2764800;
  const mount: MountInfo = {
    path: 'auth/jwt/',
    type: 'jwt',
    accessor: 'auth_jwt_0a1b2c3d',
    uuid: randomUUID(),
    options: null,
    defaultLeaseTTL: () => maxTTL,
    maxLeaseTTL: () => maxTTL,
    local: false,
  };
  const clock = opts.clock ?? { now: T0 * 1000 };
  const backend = createJwt({ storage, mount, logger: testLogger, system: testSystemView() }, { ...opts, now: () => clock.now });
  const compiled = compileBackend(backend);

  const call: Fixture['call'] = async (op, path, body = {}, o = {}) => {
    const raw = (typeof body === 'string' ? parseJson(body) : body) as Record<string, unknown>;
    const prepared = prepare(compiled, {
      requestId: randomUUID(),
      operation: op,
      path,
      fullPath: mount.path + path,
      raw,
      storage,
      mount,
      caller: o.caller,
      clientToken: '',
      remoteAddress: o.remote ?? '127.0.0.1',
      wrapTTL: 0,
      headers: {},
    });
    let actual = op;
    if (op === 'update' && prepared.hasExistenceCheck && prepared.supports('create')) {
      actual = (await prepared.exists()) ? 'update' : 'create';
    }
    return prepared.execute(actual);
  };

  const fail: Fixture['fail'] = async (op, path, body, o) => {
    try {
      await call(op, path, body, o);
    } catch (e) {
      if (isKeepError(e)) return e;
      throw e;
    }
    throw new Error(`${op} ${path} did not fail`);
  };

  return { backend, compiled, storage, mount, clock, call, fail };
}

/** Asserts a KeepError's status, exact message and (optionally) reason code. */
export function assertError(err: KeepError, status: number, message: string, reason?: string): void {
  assert.equal(err.message, message);
  assert.equal(err.status, status);
  if (reason !== undefined) assert.equal(err.extra?.reason_code, reason);
}

export interface TestKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicPem: string;
  /** Public JWK with kid, alg and use. */
  jwk: JWK;
}

export async function makeKey(alg: string, kid = `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicPem: await exportSPKI(publicKey), jwk };
}

/** Signs any JSON payload (compact JWS) with the key; header defaults to {alg, kid, typ}. */
export async function sign(key: TestKey, claims: unknown, header: Record<string, unknown> = {}): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(claims));
  const h = { alg: key.alg, kid: key.kid, typ: 'JWT', ...header };
  for (const k of Object.keys(h)) if ((h as Record<string, unknown>)[k] === undefined) delete (h as Record<string, unknown>)[k];
  return new CompactSign(bytes).setProtectedHeader(h as { alg: string }).sign(key.privateKey);
}

export function b64(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** Standard CI-like claims valid at the fixture's clock. */
export function claimsAt(nowSec: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: 'https://issuer.example',
    sub: 'repo:acme/api:ref:refs/heads/main',
    aud: 'https://keep.example',
    iat: nowSec,
    nbf: nowSec - 5,
    exp: nowSec + 300,
    repository: 'acme/api',
    ref: 'refs/heads/main',
    ...extra,
  };
}

/** Logs in and returns the AuthSpec. */
export async function login(f: Fixture, jwt: string, role?: string, remote?: string): Promise<AuthSpec> {
  const body: Record<string, unknown> = { jwt };
  if (role !== undefined) body.role = role;
  const r = await f.call('update', 'login', body, { remote });
  assert.ok(r?.auth, 'login returned no auth');
  return r.auth;
}

/** A local discovery + JWKS server. */
export class KeyServer {
  private server: http.Server | undefined;
  keys: JWK[] = [];
  /** Answer with this status instead (e.g. 500); 0 = normal. */
  failStatus = 0;
  /** Never answer JWKS requests. */
  hang = false;
  /** Delay before answering JWKS requests (ms). */
  delayMs = 0;
  jwksHits = 0;
  discoveryHits = 0;
  /** Overrides the issuer in the discovery document. */
  issuerOverride: string | undefined;
  private hanging: http.ServerResponse[] = [];

  get base(): string {
    const addr = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${addr.port}`;
  }

  get jwksUrl(): string {
    return `${this.base}/keys`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      if (req.url === '/.well-known/openid-configuration') {
        this.discoveryHits++;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ issuer: this.issuerOverride ?? this.base, jwks_uri: this.jwksUrl }));
        return;
      }
      if (req.url === '/keys') {
        this.jwksHits++;
        if (this.hang) {
          this.hanging.push(res);
          return;
        }
        const answer = () => {
          if (this.failStatus) {
            res.statusCode = this.failStatus;
            res.end('issuer is down');
            return;
          }
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ keys: this.keys }));
        };
        if (this.delayMs > 0) setTimeout(answer, this.delayMs);
        else answer();
        return;
      }
      res.statusCode = 404;
      res.end('not found');
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async close(): Promise<void> {
    for (const r of this.hanging) r.destroy();
    this.hanging = [];
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
