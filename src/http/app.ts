/**
 * The Fastify application speaking Vault's wire format. One catch-all route serves `/v1/*` for
 * every method; bodies arrive as raw text (our own parsing keeps number fidelity); replies are
 * written directly (reply.hijack()) so headers are exactly Vault's. LIST requests are accepted
 * through the connection takeover of list-method.ts.
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { CoreFacade } from '../core/contracts.ts';
import { errorBody } from '../framework/envelope.ts';
import { takeOverListConnection } from './list-method.ts';
import { redirectIfUnclean, serveV1, type InternalErrorSink, type V1Input } from './logical.ts';
import { EMPTY_ERRORS, writeEmptyErrors, writeReply } from './reply.ts';
import type { Headers } from './request.ts';
import { isSpecialPath } from './special.ts';

export interface AppOptions {
  logger?: boolean;
  /** Called with every unexpected (500) error; the client only sees `internal error`. */
  onInternalError?: (err: unknown) => void;
  /** Max request body in bytes; default 32 MiB (Vault's listener default). */
  bodyLimit?: number;
  https?: { key: Buffer; cert: Buffer };
}

export const DEFAULT_BODY_LIMIT = 32 * 1024 * 1024;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function input(request: FastifyRequest, body: string | undefined): V1Input {
  const raw = request.raw;
  return {
    method: raw.method ?? 'GET',
    url: raw.url ?? '/',
    headers: raw.headers as Headers,
    query: request.query as Record<string, unknown>,
    body,
    remoteAddress: raw.socket?.remoteAddress ?? '',
  };
}

/** Reads a request body that Fastify left unread (our fallback for odd Content-Types). */
function readBody(req: IncomingMessage, limit: number): Promise<string | 'too-large'> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else parts.push(chunk);
    });
    req.on('end', () => resolve(over ? 'too-large' : Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function logicalPath(url: string | undefined): string {
  const u = url ?? '';
  const q = u.indexOf('?');
  const p = q === -1 ? u : u.slice(0, q);
  return p.startsWith('/v1/') ? p.slice(4) : '';
}

function tooLarge(res: ServerResponse, url: string | undefined): void {
  const special = isSpecialPath(logicalPath(url));
  const message = special ? 'failed to parse JSON input: http: request body too large' : 'error parsing JSON';
  writeReply(res, 413, errorBody(message));
}

/** Node's answer to an unparsable request, with our headers; LIST requests are taken over. */
function handleClientError(err: Error & { code?: string; rawPacket?: unknown }, socket: Socket, server: HttpServer | undefined): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (takeOverListConnection(err, socket, server)) return;
  let status = '400 Bad Request';
  if (err.code === 'HPE_HEADER_OVERFLOW') status = '431 Request Header Fields Too Large';
  else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') status = '408 Request Timeout';
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nCache-Control: no-store\r\nContent-Length: ${EMPTY_ERRORS.length}\r\nConnection: close\r\n\r\n${EMPTY_ERRORS}`,
    );
  }
  socket.destroy(err);
}

const NO_QUERY: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;
/** Content types Fastify certainly parses with our catch-all parser (others go through it). */
const PLAIN_JSON_TYPE = /^application\/json(?:;\s?charset=utf-8)?$/i;
const DIGITS = /^\d{1,15}$/;

function plainUrl(url: string | undefined): url is string {
  return (
    url !== undefined &&
    url.length > 4 &&
    url.startsWith('/v1/') &&
    url.indexOf('?') === -1 &&
    url.indexOf('%') === -1 &&
    url.indexOf('#') === -1
  );
}

/**
 * Serves the plainest logical requests straight from Node's request event, as the `/v1/*` route
 * would (same serveV1 input: the raw URL and headers, an empty query, the body as text), without
 * Fastify's per-request routing, request/reply objects and body-parser machinery:
 * - `GET /v1/...` without a query string or a percent-escape;
 * - `POST`/`PUT` of the same URLs with a Content-Length within the body limit, no
 *   Transfer-Encoding, and no Content-Type or a plain `application/json` one. The body is read
 *   and checked exactly as Fastify's string body parser does (its 413 and 400 answers included).
 * Everything else, and every request once the app is closing (Fastify's 503), goes to Fastify
 * unchanged. `inject()` never takes this path. The app registers no hooks or plugins for `/v1/*`;
 * one added later would not see fast-path requests (apply it here too, or narrow this path).
 */
function installFastPath(app: FastifyInstance, core: CoreFacade, bodyLimit: number, onInternalError: InternalErrorSink): void {
  const server = app.server as HttpServer | undefined;
  const listeners = server?.listeners('request') ?? [];
  if (!server || listeners.length !== 1) return;
  const fastify = listeners[0] as (req: IncomingMessage, res: ServerResponse) => void;
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  server.removeListener('request', fastify);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url;
    if (closing || !plainUrl(url)) {
      fastify(req, res);
      return;
    }
    const method = req.method;
    if (method === 'GET') {
      void serveV1(core, v1Input(req, 'GET', url, undefined), res, onInternalError);
      return;
    }
    if ((method === 'POST' || method === 'PUT') && plainBody(req, bodyLimit)) {
      readPlainBody(req, res, bodyLimit, onInternalError, (body) => void serveV1(core, v1Input(req, method, url, body), res, onInternalError));
      return;
    }
    fastify(req, res);
  });
}

function v1Input(req: IncomingMessage, method: string, url: string, body: string | undefined): V1Input {
  return { method, url, headers: req.headers as Headers, query: NO_QUERY, body, remoteAddress: req.socket?.remoteAddress ?? '' };
}

function plainBody(req: IncomingMessage, bodyLimit: number): boolean {
  const h = req.headers;
  if (h['transfer-encoding'] !== undefined) return false;
  const length = h['content-length'];
  if (length === undefined || !DIGITS.test(length) || Number(length) > bodyLimit) return false;
  const ct = h['content-type'];
  return ct === undefined || PLAIN_JSON_TYPE.test(ct);
}

/** Fastify's string body reading for a request that passed plainBody(). */
function readPlainBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  onInternalError: InternalErrorSink,
  serve: (body: string | undefined) => void,
): void {
  const expected = Number(req.headers['content-length']);
  // No Content-Type and an empty body: Fastify calls the handler without reading (body undefined).
  if (req.headers['content-type'] === undefined && expected === 0) {
    serve(undefined);
    return;
  }
  let received = 0;
  const chunks: Buffer[] = [];
  const stop = (): void => {
    req.removeListener('data', onData);
    req.removeListener('end', onEnd);
    req.removeListener('error', onEnd);
  };
  function onData(chunk: Buffer): void {
    received += chunk.length;
    if (received > limit) {
      stop();
      tooLarge(res, req.url);
      return;
    }
    chunks.push(chunk);
  }
  function onEnd(err?: Error & { statusCode?: number }): void {
    stop();
    if (err != null) {
      // Fastify gives a stream error status 400 unless it has a 4xx/5xx one; its error handler
      // (below in buildApp) answers 4xx with the message and anything else as a 500.
      const code = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 400;
      if (code >= 500) {
        onInternalError(err);
        writeReply(res, 500, errorBody('internal error'));
      } else {
        writeReply(res, code, errorBody(err.message));
      }
      return;
    }
    if (received !== expected) {
      writeReply(res, 400, errorBody('Request body size did not match Content-Length'));
      return;
    }
    serve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks, received).toString('utf8'));
  }
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onEnd);
  req.resume();
}

export function buildApp(core: CoreFacade, opts: AppOptions = {}): FastifyInstance {
  const bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app: FastifyInstance = Fastify({
    logger: opts.logger ?? false,
    // Request lines carry URLs (query strings may hold tokens): never log them.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    exposeHeadRoutes: false,
    return503OnClosing: true,
    ...(opts.https ? { https: { key: opts.https.key, cert: opts.https.cert } } : {}),
    // Logical requests never use Fastify schemas; keep Ajv from coercing anything anyway.
    ajv: { customOptions: { coerceTypes: false } },
    clientErrorHandler: (err, socket) => handleClientError(err, socket, app.server as HttpServer),
    frameworkErrors: (_error: FastifyError, _req: FastifyRequest, reply: FastifyReply) => {
      reply.hijack();
      writeReply(reply.raw, 400, errorBody('invalid URL escape'));
    },
  }) as unknown as FastifyInstance;

  const onInternalError = opts.onInternalError ?? ((err: unknown): void => app.log.error({ err }, 'internal error while serving a request'));

  // Every body arrives as text; our code parses it (number fidelity, forms, exact errors).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_req, body, done) => done(null, body));

  app.route({
    method: METHODS,
    url: '/v1/*',
    handler: async (request, reply) => {
      reply.hijack();
      const body = typeof request.body === 'string' ? request.body : undefined;
      await serveV1(core, input(request, body), reply.raw, onInternalError);
    },
  });

  installFastPath(app, core, bodyLimit, onInternalError);

  app.setNotFoundHandler((request, reply) => {
    reply.hijack();
    const url = request.raw.url ?? '/';
    if (redirectIfUnclean(url, reply.raw)) return;
    // Unrouted methods under /v1/ are 405; anything else (including the UI for now) is 404.
    writeEmptyErrors(reply.raw, url.startsWith('/v1/') ? 405 : 404);
  });

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    reply.hijack();
    const res = reply.raw;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      tooLarge(res, request.raw.url);
      return;
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' && (request.raw.url ?? '').startsWith('/v1/')) {
      // Vault ignores the Content-Type of JSON bodies: read the body ourselves and carry on.
      const text = await readBody(request.raw, bodyLimit);
      if (text === 'too-large') tooLarge(res, request.raw.url);
      else await serveV1(core, input(request, text), res, onInternalError);
      return;
    }
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) onInternalError(error);
    writeReply(res, status, status === 500 ? errorBody('internal error') : errorBody(error.message));
  });

  return app;
}
