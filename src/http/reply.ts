/**
 * Writing replies straight to Node's ServerResponse (Fastify's send pipeline is bypassed with
 * reply.hijack()): exact headers, `Content-Type: application/json` also on 204, and
 * `Cache-Control: no-store` on every reply.
 */
import type { ServerResponse } from 'node:http';
import type { Rendered } from '../framework/envelope.ts';

export const JSON_TYPE = 'application/json';
export const EMPTY_ERRORS = '{"errors":[]}';

/** Writes a complete reply. `extra` is a flat [name, value, ...] list of additional headers. */
export function writeReply(res: ServerResponse, status: number, body: string | null, contentType = JSON_TYPE, extra?: string[]): void {
  if (res.headersSent || res.writableEnded) return;
  const headers: string[] = ['content-type', contentType, 'cache-control', 'no-store'];
  if (extra !== undefined) for (let i = 0; i < extra.length; i++) headers.push(extra[i]);
  if (body === null || status === 204 || status === 304) {
    if (status !== 204 && status !== 304) headers.push('content-length', '0');
    res.writeHead(status, headers);
    res.end();
    return;
  }
  headers.push('content-length', String(Buffer.byteLength(body)));
  res.writeHead(status, headers);
  res.end(body);
}

export function writeRendered(res: ServerResponse, r: Rendered, extra?: string[]): void {
  writeReply(res, r.status, r.body, r.contentType, extra);
}

/** `{"errors":[]}` with a status (404, 405, 400 for a bad list flag ...). */
export function writeEmptyErrors(res: ServerResponse, status: number, extra?: string[]): void {
  writeReply(res, status, EMPTY_ERRORS, JSON_TYPE, extra);
}
