/**
 * KeepClient: a typed HTTP client for Keep (and any server speaking Vault's HTTP API).
 *
 * ```ts
 * const client = new KeepClient({ address: 'http://127.0.0.1:8200', token: process.env.KEEP_TOKEN });
 * const secret = await client.kvGet('secret/app');
 * console.log(secret.secret?.data);
 * ```
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { KeepApiError, KeepConnectionError } from './errors.ts';
import { parseJson, toJson } from './json.ts';
import { backoffDelay, isIdempotent, isRetryableStatus, sleep } from './retry.ts';
import { displayUrl, makeAgent, sendOnce } from './transport.ts';
import { secretOrNull } from './envelope.ts';
import type { QueryValue, SecretResponse } from './types.ts';
import { SysApi } from './sys.ts';
import { TokenApi } from './token.ts';
import { KvApi } from './kv.ts';
import type { KvGetOptions, KvListResult, KvPathOptions, KvPutOptions, KvResult } from './kv.ts';

/** Options of {@link KeepClient}. */
export interface KeepClientOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:8200` (a path prefix is kept). */
  address: string;
  /** Client token, sent as `X-Vault-Token`. */
  token?: string;
  /** Per-attempt timeout in milliseconds. Default 60000. */
  timeoutMs?: number;
  /**
   * Retries after a connection error or a 5xx answer (never after a 4xx). Default 2. Applies to
   * GET/HEAD/DELETE; other methods are retried only with `retryWrites` or a per-request `retries`.
   */
  retries?: number;
  /** Also apply `retries` to POST/PUT/PATCH requests. Default false. */
  retryWrites?: boolean;
  /** Smallest backoff ceiling in ms (doubles per attempt). Default 250. */
  retryMinBackoffMs?: number;
  /** Largest backoff ceiling in ms. Default 4000. */
  retryMaxBackoffMs?: number;
  /** Sent as `X-Vault-Namespace` when set. */
  namespace?: string;
  /** CA bundle to trust for https: a file path, or PEM text starting with `-----BEGIN`. */
  caCert?: string;
  /** Skip TLS certificate verification (testing only). */
  tlsSkipVerify?: boolean;
  /** Extra headers sent on every request. */
  headers?: Record<string, string>;
}

/** Per-request options of {@link KeepClient.request}. */
export interface RequestOptions {
  /** JSON body (objects are serialised with number fidelity). */
  body?: unknown;
  /** Query string parameters. */
  query?: Record<string, QueryValue>;
  /** Extra headers for this request. */
  headers?: Record<string, string>;
  /** Ask for response wrapping with this TTL (`X-Vault-Wrap-TTL`), e.g. `"5m"` or seconds. */
  wrapTTL?: string | number;
  /** Override the retry count for this request. */
  retries?: number;
  /** Statuses >= 400 to return instead of throwing (e.g. `[404]`, or `[429, 503]` for health). */
  acceptStatus?: number[];
  /** Send no token even when the client has one. */
  noToken?: boolean;
  /** Use this token for this request instead of the client's. */
  token?: string;
}

/** The answer of {@link KeepClient.request}: status and parsed body (JSON value, text, or null when empty). */
export interface ApiResponse {
  status: number;
  body: unknown;
  headers: http.IncomingHttpHeaders;
}

/** Typed client of the Vault-compatible HTTP API. */
export class KeepClient {
  /** Base URL as given. */
  readonly address: string;
  /** `sys/` endpoints. */
  readonly sys: SysApi;
  /** `auth/token/` endpoints. */
  readonly tokens: TokenApi;
  /** KV v1/v2 helpers with version detection. */
  readonly kv: KvApi;
  private tokenValue: string | undefined;
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly opts: KeepClientOptions;

  /**
   * @throws Error when the address is not an http(s) URL or the CA file cannot be read.
   */
  constructor(options: KeepClientOptions) {
    this.opts = { ...options };
    this.address = options.address;
    let base: URL;
    try {
      base = new URL(options.address);
    } catch {
      throw new Error(`invalid address ${JSON.stringify(options.address)}: not a URL`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new Error(`invalid address ${JSON.stringify(options.address)}: scheme must be http or https`);
    }
    this.base = base;
    this.tokenValue = options.token === '' ? undefined : options.token;
    this.agent = makeAgent(base.protocol, { ca: loadCa(options.caCert), insecure: options.tlsSkipVerify });
    this.sys = new SysApi(this);
    this.tokens = new TokenApi(this);
    this.kv = new KvApi(this);
  }

  /** The token sent with requests, if any. */
  get token(): string | undefined {
    return this.tokenValue;
  }

  /** Sets (or with `undefined`, clears) the token sent with requests. */
  setToken(token: string | undefined): void {
    this.tokenValue = token === '' ? undefined : token;
  }

  /** Closes idle keep-alive connections. The client stays usable. */
  close(): void {
    this.agent.destroy();
  }

  /** Builds the full URL of an API path (`secret/data/x` -> `<address>/v1/secret/data/x`). */
  url(path: string, query?: Record<string, QueryValue>): URL {
    const prefix = this.base.pathname.replace(/\/+$/, '');
    const clean = path.replace(/^\/+/, '');
    const encoded = clean.split('/').map((s) => encodeURIComponent(s)).join('/');
    const u = new URL(this.base.toString());
    u.pathname = `${prefix}/v1/${encoded}`;
    u.search = '';
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) u.searchParams.append(k, String(item));
    }
    return u;
  }

  /**
   * Sends a request to `/v1/<path>`. Statuses >= 400 throw {@link KeepApiError} unless listed in
   * `acceptStatus`; a request that gets no answer throws {@link KeepConnectionError}. Connection
   * errors and 5xx answers are retried with exponential backoff and jitter (see
   * {@link KeepClientOptions.retries}).
   */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const verb = method.toUpperCase();
    const url = this.url(path, options.query);
    const headers = this.headersFor(verb, options);
    const body = options.body === undefined ? undefined : toJson(options.body);
    const defaultRetries = this.opts.retries ?? 2;
    const maxRetries = Math.max(0, options.retries ?? (isIdempotent(verb) || this.opts.retryWrites ? defaultRetries : 0));
    const minMs = this.opts.retryMinBackoffMs ?? 250;
    const maxMs = this.opts.retryMaxBackoffMs ?? 4000;
    for (let attempt = 0; ; attempt++) {
      let raw;
      try {
        raw = await sendOnce({ method: verb, url, headers, body, timeoutMs: this.opts.timeoutMs ?? 60_000, agent: this.agent });
      } catch (e) {
        if (e instanceof KeepConnectionError && attempt < maxRetries) {
          await sleep(backoffDelay(attempt, minMs, maxMs));
          continue;
        }
        throw e;
      }
      if (isRetryableStatus(raw.status) && attempt < maxRetries) {
        await sleep(backoffDelay(attempt, minMs, maxMs));
        continue;
      }
      const parsed = parseBody(raw.text);
      if (raw.status >= 400 && !(options.acceptStatus ?? []).includes(raw.status)) {
        throw apiError(verb, displayUrl(url), raw.status, parsed);
      }
      return { status: raw.status, body: parsed.value, headers: raw.headers };
    }
  }

  /**
   * `GET <path>`: the envelope, or null when the server answers 404 without data or warnings.
   * A 404 that carries data (a deleted KV v2 version) is returned as-is.
   */
  async read(path: string, query?: Record<string, QueryValue>, options: RequestOptions = {}): Promise<SecretResponse | null> {
    const res = await this.request('GET', path, { ...options, query: { ...options.query, ...query }, acceptStatus: [404] });
    return secretOrNull(res);
  }

  /** `PUT <path>` with a JSON body: the envelope, or null for 204. */
  async write(path: string, data?: Record<string, unknown>, options: RequestOptions = {}): Promise<SecretResponse | null> {
    const res = await this.request('PUT', path, { ...options, body: data ?? {} });
    return secretOrNull(res);
  }

  /**
   * List (`GET <path>?list=true`, since node:http cannot send `LIST`): the envelope with
   * `data.keys`, or null when nothing is there (404).
   */
  async list(path: string, options: RequestOptions = {}): Promise<SecretResponse<{ keys?: string[] } & Record<string, unknown>> | null> {
    const res = await this.request('GET', path, { ...options, query: { ...options.query, list: 'true' }, acceptStatus: [404] });
    return secretOrNull<{ keys?: string[] } & Record<string, unknown>>(res);
  }

  /** `DELETE <path>`: the envelope, or null for 204. */
  async delete(path: string, query?: Record<string, QueryValue>, options: RequestOptions = {}): Promise<SecretResponse | null> {
    const res = await this.request('DELETE', path, { ...options, query: { ...options.query, ...query } });
    return secretOrNull(res);
  }

  /** `PATCH <path>` with `Content-Type: application/merge-patch+json`: the envelope, or null for 204. */
  async patch(path: string, data: Record<string, unknown>, options: RequestOptions = {}): Promise<SecretResponse | null> {
    const headers = { ...options.headers, 'Content-Type': 'application/merge-patch+json' };
    const res = await this.request('PATCH', path, { ...options, headers, body: data });
    return secretOrNull(res);
  }

  /**
   * `POST auth/<mountPath>/login` with the given body (sent without a token). On success the new
   * token becomes the client's token unless `setToken` is false.
   */
  async login(mountPath: string, body: Record<string, unknown>, options: { setToken?: boolean; loginPath?: string } = {}): Promise<SecretResponse> {
    const mount = mountPath.replace(/^\/+|\/+$/g, '').replace(/^auth\//, '');
    const path = `auth/${mount}/${options.loginPath ?? 'login'}`;
    const res = await this.request('POST', path, { body, noToken: true });
    const secret = secretOrNull(res);
    if (!secret) throw new Error(`empty answer from ${path}`);
    if (options.setToken !== false && secret.auth?.client_token) this.setToken(secret.auth.client_token);
    return secret;
  }

  /** `GET auth/token/lookup-self`. */
  tokenLookupSelf(): Promise<SecretResponse> {
    return this.tokens.lookupSelf();
  }

  /** `POST auth/token/renew-self` with an optional increment (duration string or seconds). */
  tokenRenewSelf(increment?: string | number): Promise<SecretResponse> {
    return this.tokens.renewSelf(increment);
  }

  /** `POST auth/token/revoke-self`; the client forgets its token afterwards. */
  async tokenRevokeSelf(): Promise<void> {
    await this.tokens.revokeSelf();
    this.setToken(undefined);
  }

  /** Reads a KV secret (v1 or v2, detected through `sys/internal/ui/mounts`). */
  kvGet(path: string, options: KvGetOptions = {}): Promise<KvResult> {
    return this.kv.get(path, options);
  }

  /** Writes a KV secret (v2: a new version, with optional check-and-set). */
  kvPut(path: string, data: Record<string, unknown>, options: KvPutOptions = {}): Promise<KvResult> {
    return this.kv.put(path, data, options);
  }

  /** Lists keys under a KV path (v2: `metadata/`). */
  kvList(path: string, options: KvPathOptions = {}): Promise<KvListResult> {
    return this.kv.list(path, options);
  }

  /** Deletes a KV secret (v2: soft-deletes the current version, or the given versions). */
  kvDelete(path: string, options: KvPathOptions & { versions?: Array<number | string> } = {}): Promise<KvResult> {
    return this.kv.delete(path, options);
  }

  private headersFor(verb: string, options: RequestOptions): Record<string, string> {
    const headers: Record<string, string> = { 'X-Vault-Request': 'true', Accept: 'application/json', ...this.opts.headers };
    const token = options.token ?? this.tokenValue;
    if (token && !options.noToken) headers['X-Vault-Token'] = token;
    if (this.opts.namespace) headers['X-Vault-Namespace'] = this.opts.namespace;
    if (options.wrapTTL !== undefined && options.wrapTTL !== '') headers['X-Vault-Wrap-TTL'] = String(options.wrapTTL);
    if (options.body !== undefined && verb !== 'GET') headers['Content-Type'] = 'application/json';
    return { ...headers, ...options.headers };
  }
}

interface ParsedBody {
  value: unknown;
  json: boolean;
}

function parseBody(text: string): ParsedBody {
  if (text.trim() === '') return { value: null, json: true };
  try {
    return { value: parseJson(text), json: true };
  } catch {
    return { value: text, json: false };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function apiError(method: string, url: string, status: number, parsed: ParsedBody): KeepApiError {
  const body = parsed.value;
  if (parsed.json && isObject(body) && Array.isArray(body.errors)) {
    const errors = body.errors.map((e) => (typeof e === 'string' ? e : toJson(e)));
    const reasonCode = typeof body.reason_code === 'string' ? body.reason_code : undefined;
    return new KeepApiError({ method, url, status, errors, reasonCode, body });
  }
  if (body === null || (parsed.json && isObject(body))) return new KeepApiError({ method, url, status, errors: [], body });
  return new KeepApiError({ method, url, status, errors: [], body, raw: true });
}

function loadCa(caCert: string | undefined): string | undefined {
  if (caCert === undefined || caCert === '') return undefined;
  if (caCert.trimStart().startsWith('-----BEGIN')) return caCert;
  try {
    return readFileSync(caCert, 'utf8');
  } catch (e) {
    throw new Error(`error reading CA certificate ${caCert}: ${(e as Error).message}`, { cause: e });
  }
}
