/**
 * A small HTTP client for a running dev issuer (`keep issuer serve` or `keep server -dev`), used
 * by `keep issuer token` and the dev demo. Imports nothing of the server.
 */

/** Default address of the dev issuer. */
export const DEFAULT_ISSUER_ADDR = 'http://127.0.0.1:8300';

/** What `POST /<platform>/token` accepts. */
export interface MintRequest {
  aud?: string | string[];
  claims?: Record<string, unknown>;
  /** `k=v` / `k:=json` overrides, typed against the platform's claims by the issuer. */
  claim_args?: string[];
  remove?: string[];
  variant?: string;
  ttl?: number | string;
}

/** The issuer could not be reached at all. */
export class IssuerUnreachableError extends Error {
  constructor(
    readonly address: string,
    cause: string,
  ) {
    super(
      `cannot reach the dev issuer at ${address} (${cause}). Start one with "keep issuer serve" or "keep server -dev", ` +
        'or point -issuer / KEEP_ISSUER_ADDR at a running one',
    );
    this.name = 'IssuerUnreachableError';
  }
}

/** The issuer answered with an error. */
export class IssuerRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'IssuerRequestError';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function causeText(e: unknown): string {
  const cause = e instanceof Error && isObject(e.cause) ? e.cause : undefined;
  const code = cause && typeof cause.code === 'string' ? cause.code : undefined;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (e instanceof Error && e.name === 'TimeoutError') return 'timed out';
  if (code) return code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return e instanceof Error ? e.message : String(e);
}

/** Client of one dev issuer. */
export class IssuerClient {
  readonly address: string;

  constructor(
    address: string = DEFAULT_ISSUER_ADDR,
    private readonly timeoutMs = 10_000,
  ) {
    const a = address.trim().replace(/\/+$/, '');
    this.address = /^https?:\/\//.test(a) ? a : `http://${a}`;
  }

  private async call(method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await fetch(`${this.address}${path}`, {
        method,
        headers: { accept: 'application/json', ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
        body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new IssuerUnreachableError(this.address, causeText(e));
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new IssuerRequestError(res.status, `the dev issuer at ${this.address} answered ${res.status} with non-JSON text (is this a Keep dev issuer?)`);
    }
    if (!res.ok) {
      const errors = isObject(body) && Array.isArray(body.errors) ? body.errors.map(String) : [];
      throw new IssuerRequestError(res.status, errors.length > 0 ? errors.join('; ') : `the dev issuer answered ${res.status}`);
    }
    if (!isObject(body)) throw new IssuerRequestError(res.status, 'the dev issuer answered with an unexpected body');
    return body;
  }

  private static value(body: Record<string, unknown>): string {
    if (typeof body.value !== 'string') throw new IssuerRequestError(200, 'the dev issuer answered without a token');
    return body.value;
  }

  /** The index: platform -> issuer URL, and the Actions token URL. */
  async info(): Promise<{ issuers: Record<string, string>; actions_token_url?: string }> {
    const body = await this.call('GET', '/');
    const issuers = isObject(body.issuers) ? (body.issuers as Record<string, string>) : {};
    return { issuers, actions_token_url: typeof body.actions_token_url === 'string' ? body.actions_token_url : undefined };
  }

  /** Mints a token for a platform (`POST /<platform>/token`). */
  async mint(platform: string, req: MintRequest = {}): Promise<string> {
    return IssuerClient.value(await this.call('POST', `/${encodeURIComponent(platform)}/token`, { body: req }));
  }

  /** Gets a token the way a GitHub Actions job does (bearer request token, `audience=`). */
  async actionsToken(requestToken: string, audience?: string): Promise<string> {
    const q = audience ? `&audience=${encodeURIComponent(audience)}` : '';
    return IssuerClient.value(await this.call('GET', `/github/actions-token?api-version=2.0${q}`, { headers: { authorization: `Bearer ${requestToken}` } }));
  }

  /** Rotates signing keys (one platform or all); returns the new kid per platform. */
  async rotate(platform?: string, dropOld = false): Promise<Record<string, string>> {
    const q = new URLSearchParams();
    if (platform) q.set('platform', platform);
    if (dropOld) q.set('drop_old', 'true');
    const qs = q.toString();
    const body = await this.call('POST', `/rotate${qs ? `?${qs}` : ''}`);
    return isObject(body.rotated) ? (body.rotated as Record<string, string>) : {};
  }
}
