/**
 * The dev issuer's HTTP side (node:http). Routes, relative to the base URL:
 *
 *   GET  /                                           index: platforms and their issuer URLs
 *   GET  /<platform>/.well-known/openid-configuration discovery document
 *   GET  /<platform>/.well-known/jwks.json           JWKS (also at the platform's native path)
 *   POST /<platform>/token                           {aud, claims, claim_args, remove, variant, ttl} -> {"value": jwt}   (loopback only)
 *   GET  /github/actions-token?audience=X            Actions-style: bearer request token -> {"count", "value"}
 *   POST /rotate[?platform=p][&drop_old=true]        new signing keys -> {"rotated": {platform: kid}}  (loopback only)
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DevIssuer } from './issuer.ts';
import { isPlatform, unknownPlatformMessage } from './platforms.ts';
import type { IssuerPlatform } from './platforms.ts';
import { MintError } from './tokens.ts';
import type { MintOptions } from './tokens.ts';

/** Default listen address of the dev issuer. */
export const DEFAULT_ISSUER_LISTEN = '127.0.0.1:8300';

const MAX_BODY = 64 * 1024;

/** Options of {@link startIssuerServer}. */
export interface IssuerServerOptions {
  /** `host:port` (or `http://host:port`); default 127.0.0.1:8300. Port 0 picks a free port. */
  listen?: string;
  /** When the port is taken, listen on a free port of the same host instead of failing. */
  fallbackToFreePort?: boolean;
  /** The GitHub request token (default: random). */
  requestToken?: string;
  /** Signing algorithm per platform (default: each fixture's). */
  algs?: Partial<Record<IssuerPlatform, string>>;
}

/** A running dev issuer. */
export interface RunningIssuer {
  issuer: DevIssuer;
  /** `http://host:port`. */
  baseUrl: string;
  /** Bearer token the GitHub `actions-token` endpoint requires (ACTIONS_ID_TOKEN_REQUEST_TOKEN). */
  requestToken: string;
  /** Set when the requested port was busy and another one was taken: the requested address. */
  busyAddress?: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Splits `host:port` (IPv6 in brackets; a leading `http://` is ignored). @throws Error */
export function parseListenAddress(address: string): { host: string; port: number } {
  const a = address.trim().replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const i = a.lastIndexOf(':');
  if (i < 0) throw new Error(`listen address "${address}" must be host:port`);
  const host = a.slice(0, i).replace(/^\[|\]$/g, '') || '127.0.0.1';
  const portText = a.slice(i + 1);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new Error(`listen address "${address}" has an invalid port`);
  return { host, port };
}

function isLoopback(addr: string | undefined): boolean {
  if (!addr) return false;
  return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJsonBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY) throw new HttpError(413, 'request body too large');
    chunks.push(b);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
  if (!isObject(parsed)) throw new HttpError(400, 'request body must be a JSON object');
  return parsed;
}

function strings(v: unknown, field: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new HttpError(400, `"${field}" must be a list of strings`);
  return v as string[];
}

/** The mint options of a `POST /<platform>/token` body. @throws HttpError 400 */
export function mintOptionsFromBody(body: Record<string, unknown>): MintOptions {
  const opts: MintOptions = {};
  const { aud, claims, ttl, variant } = body;
  if (aud !== undefined && aud !== null && aud !== '') {
    if (typeof aud === 'string') opts.aud = aud;
    else opts.aud = strings(aud, 'aud');
  }
  if (claims !== undefined && claims !== null) {
    if (!isObject(claims)) throw new HttpError(400, '"claims" must be a JSON object');
    opts.claims = claims;
  }
  const args = strings(body.claim_args, 'claim_args');
  if (args) opts.claimArgs = args;
  const remove = strings(body.remove, 'remove');
  if (remove) opts.remove = remove;
  if (variant !== undefined && variant !== null && variant !== '') {
    if (typeof variant !== 'string') throw new HttpError(400, '"variant" must be a string');
    opts.variant = variant;
  }
  if (ttl !== undefined && ttl !== null && ttl !== '') {
    if (typeof ttl !== 'string' && typeof ttl !== 'number') throw new HttpError(400, '"ttl" must be seconds or a duration');
    opts.ttl = ttl;
  }
  return opts;
}

function bearerMatches(header: string | undefined, expected: string): boolean {
  const m = /^bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1].trim());
  const want = Buffer.from(expected);
  return given.length === want.length && timingSafeEqual(given, want);
}

function requireLoopback(req: http.IncomingMessage): void {
  if (!isLoopback(req.socket.remoteAddress)) throw new HttpError(403, 'minting and rotation are only served to loopback clients');
}

function platformOf(name: string): IssuerPlatform {
  if (!isPlatform(name)) throw new HttpError(404, unknownPlatformMessage(name));
  return name;
}

/** The request handler of a dev issuer. */
export function issuerHandler(issuer: DevIssuer, requestToken: string): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const route = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://issuer.invalid');
    const parts = url.pathname.split('/').filter((s) => s !== '');
    const method = req.method ?? 'GET';
    if (parts.length === 0) {
      if (method !== 'GET') throw new HttpError(405, 'method not allowed');
      const issuers = Object.fromEntries(issuer.platforms.map((p) => [p, issuer.issuerUrl(p)]));
      sendJson(res, 200, { issuers, actions_token_url: issuer.actionsTokenUrl() });
      return;
    }
    if (parts.length === 1 && parts[0] === 'rotate') {
      if (method !== 'POST') throw new HttpError(405, 'method not allowed');
      requireLoopback(req);
      const p = url.searchParams.get('platform');
      const platform = p ? platformOf(p) : undefined;
      const rotated = await issuer.rotate(platform, url.searchParams.get('drop_old') === 'true');
      sendJson(res, 200, { rotated });
      return;
    }
    const platform = platformOf(parts[0]);
    const rest = `/${parts.slice(1).join('/')}`;
    if (method === 'GET' && rest === '/.well-known/openid-configuration') return sendJson(res, 200, issuer.discovery(platform));
    if (method === 'GET' && (rest === '/.well-known/jwks.json' || rest === issuer.nativeJwksPath(platform))) {
      return sendJson(res, 200, issuer.jwks(platform));
    }
    if (rest === '/token') {
      if (method !== 'POST') throw new HttpError(405, 'method not allowed');
      requireLoopback(req);
      const opts = mintOptionsFromBody(await readJsonBody(req));
      sendJson(res, 200, { value: await issuer.mint(platform, opts) });
      return;
    }
    if (platform === 'github' && rest === '/actions-token') {
      if (method !== 'GET') throw new HttpError(405, 'method not allowed');
      if (!bearerMatches(req.headers.authorization, requestToken)) throw new HttpError(401, 'a valid bearer request token is required');
      const audience = url.searchParams.get('audience');
      const value = await issuer.mint('github', audience ? { aud: audience } : {});
      sendJson(res, 200, { count: value.length, value });
      return;
    }
    throw new HttpError(404, `no route for ${method} ${url.pathname}`);
  };
  return (req, res) => {
    route(req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : e instanceof MintError ? 400 : 500;
      const message = e instanceof Error ? e.message : String(e);
      if (!res.headersSent) sendJson(res, status, { errors: [message] });
      else res.end();
    });
  };
}

function listenOn(server: http.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      server.off('listening', onListening);
      reject(e);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Starts a dev issuer on `listen` (see {@link IssuerServerOptions}). */
export async function startIssuerServer(opts: IssuerServerOptions = {}): Promise<RunningIssuer> {
  const listen = opts.listen ?? DEFAULT_ISSUER_LISTEN;
  const { host, port } = parseListenAddress(listen);
  const requestToken = opts.requestToken ?? randomBytes(24).toString('base64url');
  const state: { handler?: (req: http.IncomingMessage, res: http.ServerResponse) => void } = {};
  const server = http.createServer((req, res) => {
    if (state.handler) state.handler(req, res);
    else sendJson(res, 503, { errors: ['the issuer is starting'] });
  });
  let busyAddress: string | undefined;
  try {
    await listenOn(server, host, port);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !opts.fallbackToFreePort || port === 0) throw e;
    busyAddress = listen;
    await listenOn(server, host, 0);
  }
  const actualPort = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const baseUrl = `http://${shownHost}:${actualPort}`;
  let issuer: DevIssuer;
  try {
    issuer = await DevIssuer.create({ baseUrl, algs: opts.algs });
  } catch (e) {
    server.close();
    throw e;
  }
  state.handler = issuerHandler(issuer, requestToken);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
  const running: RunningIssuer = { issuer, baseUrl, requestToken, close };
  if (busyAddress !== undefined) running.busyAddress = busyAddress;
  return running;
}
