/**
 * A curl-like HTTP helper for end-to-end tests: any method (LIST included), any path (nothing is
 * normalised), raw body or JSON, optional CA for https. One fresh connection per request.
 */
import http from 'node:http';
import https from 'node:https';

export interface HttpOptions {
  token?: string;
  /** An object is sent as JSON; a string or Buffer is sent as is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** PEM CA bundle for https. */
  ca?: string;
  timeoutMs?: number;
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body as text. */
  text: string;
  /** The body parsed as JSON, or undefined when empty or not JSON. */
  json: unknown;
}

/** Sends one request and reads the whole answer. Rejects only when no answer arrives. */
export function httpRequest(addr: string, method: string, path: string, opts: HttpOptions = {}): Promise<HttpResult> {
  const url = new URL(addr);
  const headers: Record<string, string> = { ...opts.headers };
  let payload: Buffer | undefined;
  if (opts.body !== undefined) {
    if (Buffer.isBuffer(opts.body)) payload = opts.body;
    else if (typeof opts.body === 'string') payload = Buffer.from(opts.body);
    else {
      payload = Buffer.from(JSON.stringify(opts.body));
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
    }
    headers['Content-Length'] = String(payload.length);
  }
  if (opts.token !== undefined) headers['X-Vault-Token'] = opts.token;
  const isHttps = url.protocol === 'https:';
  const reqOpts: https.RequestOptions = {
    method,
    host: url.hostname,
    port: url.port,
    path,
    headers,
    agent: false,
    ...(isHttps && opts.ca !== undefined ? { ca: opts.ca } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (isHttps ? https : http).request(reqOpts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text === '' ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error(`${method} ${path}: no answer within ${opts.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** A small client bound to one server and token. */
export class Api {
  constructor(
    readonly addr: string,
    readonly token?: string,
    readonly ca?: string,
  ) {}

  withToken(token: string | undefined): Api {
    return new Api(this.addr, token, this.ca);
  }

  req(method: string, path: string, opts: HttpOptions = {}): Promise<HttpResult> {
    const p = path.startsWith('/') ? path : `/v1/${path}`;
    return httpRequest(this.addr, method, p, { token: this.token, ca: this.ca, ...opts });
  }

  get(path: string, opts?: HttpOptions): Promise<HttpResult> {
    return this.req('GET', path, opts);
  }

  list(path: string, opts?: HttpOptions): Promise<HttpResult> {
    return this.req('LIST', path, opts);
  }

  post(path: string, body?: unknown, opts: HttpOptions = {}): Promise<HttpResult> {
    return this.req('POST', path, { ...opts, body });
  }

  put(path: string, body?: unknown, opts: HttpOptions = {}): Promise<HttpResult> {
    return this.req('PUT', path, { ...opts, body });
  }

  delete(path: string, opts?: HttpOptions): Promise<HttpResult> {
    return this.req('DELETE', path, opts);
  }
}

/** Narrows to a JSON object (throws with the text otherwise). */
export function obj(v: unknown, what = 'value'): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${what} is not a JSON object: ${JSON.stringify(v)}`);
  return v as Record<string, unknown>;
}

/** `res.json.data` as an object. */
export function dataOf(res: HttpResult): Record<string, unknown> {
  return obj(obj(res.json, `body (${res.status} ${res.text.slice(0, 300)})`).data, `data of ${res.text.slice(0, 300)}`);
}

/** `res.json.errors` as a string array (empty when absent). */
export function errorsOf(res: HttpResult): string[] {
  const j = res.json;
  if (typeof j !== 'object' || j === null || !('errors' in j)) return [];
  const e = (j as { errors: unknown }).errors;
  return Array.isArray(e) ? e.map(String) : [];
}

/** Short description of a result for assertion messages. */
export function show(res: HttpResult): string {
  return `${res.status} ${res.text.slice(0, 500)}`;
}
