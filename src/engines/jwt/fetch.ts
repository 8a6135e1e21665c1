/**
 * HTTP GET for discovery documents and JWKS: optional CA bundle (PEM), a deadline covering the
 * whole exchange (connect, headers, body), a body size cap, and up to 10 redirects (as Go's
 * client). Transport failures throw FetchError with Go-like text: `Get "<url>": <cause>`.
 */
import { X509Certificate } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

export const DEFAULT_FETCH_TIMEOUT_MS = 5000;
export const MAX_BODY_BYTES = 1 << 20;
const MAX_REDIRECTS = 10;

export interface FetchOptions {
  /** PEM CA bundle; empty = system roots. */
  caPem?: string;
  timeoutMs?: number;
  maxBytes?: number;
}

export interface FetchResult {
  status: number;
  /** Go's resp.Status, e.g. `404 Not Found`. */
  statusText: string;
  body: string;
}

export class FetchError extends Error {}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM bundle; throws when none parses (Go's AppendCertsFromPEM false). */
export function parseCaPem(pem: string): string[] {
  const blocks = pem.match(CERT_BLOCK) ?? [];
  const good: string[] = [];
  for (const b of blocks) {
    try {
      new X509Certificate(b);
      good.push(b);
    } catch {
      // Go skips blocks it cannot parse.
    }
  }
  if (good.length === 0) throw new Error('could not parse CA PEM value successfully');
  return good;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function once(url: URL, ca: string[] | undefined, deadline: number, maxBytes: number, timeoutMs: number): Promise<{ res: http.IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http;
    const options: https.RequestOptions = { method: 'GET', headers: { accept: 'application/json' } };
    if (ca && url.protocol === 'https:') options.ca = ca;
    let settled = false;
    const done = (err: Error | undefined, value?: { res: http.IncomingMessage; body: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else if (value) resolve(value);
    };
    const req = lib.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          req.destroy();
          done(new FetchError(`Get "${url.href}": response body exceeds ${maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => done(undefined, { res, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => done(new FetchError(`Get "${url.href}": ${e.message}`)));
    });
    const remaining = Math.max(1, deadline - Date.now());
    const timer = setTimeout(() => {
      req.destroy();
      done(new FetchError(`Get "${url.href}": context deadline exceeded (no answer within ${seconds(timeoutMs)})`));
    }, remaining);
    req.on('error', (e) => done(new FetchError(`Get "${url.href}": ${e.message}`)));
    req.end();
  });
}

/** GETs a URL; any HTTP status is a result, transport failures throw FetchError. */
export async function httpGet(rawUrl: string, opts: FetchOptions = {}): Promise<FetchResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? MAX_BODY_BYTES;
  const ca = opts.caPem ? parseCaPem(opts.caPem) : undefined;
  const deadline = Date.now() + timeoutMs;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new FetchError(`Get "${rawUrl}": invalid URL`);
  }
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new FetchError(`Get "${url.href}": unsupported protocol scheme "${url.protocol.replace(/:$/, '')}"`);
    }
    const { res, body } = await once(url, ca, deadline, maxBytes, timeoutMs);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if ([301, 302, 303, 307, 308].includes(status) && typeof location === 'string') {
      if (hop >= MAX_REDIRECTS) throw new FetchError(`Get "${url.href}": stopped after ${MAX_REDIRECTS} redirects`);
      url = new URL(location, url);
      continue;
    }
    return { status, statusText: `${status} ${res.statusMessage ?? http.STATUS_CODES[status] ?? ''}`.trim(), body };
  }
}
