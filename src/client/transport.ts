/**
 * One HTTP exchange over node:http / node:https, with a timeout. No retries here.
 */
import http from 'node:http';
import https from 'node:https';
import { KeepConnectionError } from './errors.ts';

/** What {@link sendOnce} needs. */
export interface RawRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  agent: http.Agent;
}

/** The answer of one exchange, body as text. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** URL text for messages (never carries a token: tokens travel in headers). */
export function displayUrl(url: URL): string {
  return url.toString();
}

/** Sends one request and reads the whole answer. Network failures and timeouts reject with {@link KeepConnectionError}. */
export function sendOnce(req: RawRequest): Promise<RawResponse> {
  const shown = displayUrl(req.url);
  return new Promise<RawResponse>((resolve, reject) => {
    const mod = req.url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(req.body));
    let settled = false;
    const fail = (e: KeepConnectionError) => {
      if (settled) return;
      settled = true;
      reject(e);
    };
    const r = mod.request(req.url, { method: req.method, headers, agent: req.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e: NodeJS.ErrnoException) => fail(new KeepConnectionError(req.method, shown, e.message, e.code, { cause: e })));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    r.setTimeout(req.timeoutMs, () => {
      r.destroy();
      fail(new KeepConnectionError(req.method, shown, `request timed out after ${req.timeoutMs} ms`, 'ETIMEDOUT'));
    });
    r.on('error', (e: NodeJS.ErrnoException) => fail(new KeepConnectionError(req.method, shown, e.message, e.code, { cause: e })));
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}

/** TLS settings of a client. */
export interface TlsOptions {
  /** PEM text of the CA bundle to trust (replaces the system roots). */
  ca?: string;
  /** Skip certificate verification (testing only). */
  insecure?: boolean;
}

/** A keep-alive agent for the base URL's protocol. Idle sockets do not hold the process open. */
export function makeAgent(protocol: string, tls: TlsOptions): http.Agent {
  if (protocol === 'https:') {
    const opts: https.AgentOptions = { keepAlive: true, rejectUnauthorized: !tls.insecure };
    if (tls.ca !== undefined) opts.ca = tls.ca;
    return new https.Agent(opts);
  }
  return new http.Agent({ keepAlive: true });
}
