/**
 * Serves one `/v1/...` request: Go-mux path cleaning, the special (sealed-capable) handlers,
 * method -> operation mapping, request data, token and wrap TTL, the sealed check, relative
 * path and write-to-directory checks, then core.handle() and the envelope.
 */
import type { ServerResponse } from 'node:http';
import type { CoreFacade, LogicalHttpRequest } from '../core/contracts.ts';
import { badRequest, isKeepError, relativePath, sealed } from '../errors.ts';
import { renderError, renderResult } from '../framework/envelope.ts';
import type { Operation } from '../framework/types.ts';
import { cleanPath, hasDotSegment, needsCleaning } from './paths.ts';
import { writeEmptyErrors, writeRendered, writeReply } from './reply.ts';
import { checkPatchContentType, clientToken, listFlag, parseBody, queryData, wrapTTL, type Headers } from './request.ts';
import { specialHandler } from './special.ts';

export interface V1Input {
  method: string;
  /** Raw request target (path and query). */
  url: string;
  headers: Headers;
  /** Parsed query string (single -> string, repeated -> array). */
  query: Record<string, unknown>;
  /** Raw body text (POST/PUT/PATCH), undefined when none was read. */
  body: string | undefined;
  remoteAddress: string;
}

const SEALED = sealed();
const WRITE_TO_DIR = badRequest("cannot write to a path ending in '/'");
const RELATIVE = relativePath();
const BAD_URL_ESCAPE = badRequest('invalid URL escape');

/** Answers Go's mux redirect for unclean raw paths; true when it did. */
export function redirectIfUnclean(url: string, res: ServerResponse): boolean {
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  if (!needsCleaning(rawPath)) return false;
  const location = cleanPath(rawPath) + (q === -1 ? '' : url.slice(q));
  writeReply(res, 301, null, undefined, ['location', location]);
  return true;
}

function namespaceEcho(headers: Headers): string[] | undefined {
  const ns = headers['x-vault-namespace'];
  return typeof ns === 'string' ? ['x-vault-namespace', ns] : undefined;
}

function decodePath(raw: string): string {
  if (raw.indexOf('%') === -1) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw BAD_URL_ESCAPE;
  }
}

/** Called with errors that are not KeepErrors (rendered as 500 `internal error`). */
export type InternalErrorSink = (err: unknown) => void;

/** Serves a request whose raw path starts with `/v1/`. Never throws. */
export async function serveV1(core: CoreFacade, input: V1Input, res: ServerResponse, onInternalError?: InternalErrorSink): Promise<void> {
  const extra = namespaceEcho(input.headers);
  try {
    if (redirectIfUnclean(input.url, res)) return;
    const q = input.url.indexOf('?');
    let path = decodePath(q === -1 ? input.url.slice(4) : input.url.slice(4, q));

    const special = specialHandler(path);
    if (special) {
      const ct = input.headers['content-type'];
      const reply = await special(core, {
        method: input.method,
        query: input.query,
        body: input.body,
        contentType: typeof ct === 'string' ? ct : undefined,
      });
      writeReply(res, reply.status, reply.body, undefined, extra);
      return;
    }

    let operation: Operation;
    let data: Record<string, unknown>;
    switch (input.method) {
      case 'GET': {
        const list = listFlag(input.query);
        if (list === 'invalid') {
          writeEmptyErrors(res, 400, extra);
          return;
        }
        if (list === true) {
          operation = 'list';
          if (!path.endsWith('/')) path += '/';
        } else {
          operation = 'read';
        }
        data = queryData(input.query, list === true);
        break;
      }
      case 'POST':
      case 'PUT':
        operation = 'update';
        data = parseBody(input.body, contentTypeOf(input.headers), false);
        break;
      case 'PATCH':
        operation = 'patch';
        checkPatchContentType(contentTypeOf(input.headers));
        data = parseBody(input.body, undefined, false);
        break;
      case 'DELETE':
        operation = 'delete';
        data = queryData(input.query, false);
        break;
      default:
        writeEmptyErrors(res, 405, extra);
        return;
    }

    let headers = input.headers;
    const { token, bearer } = clientToken(headers);
    if (bearer) {
      headers = { ...headers };
      delete headers.authorization;
    }
    const req: LogicalHttpRequest = {
      operation,
      path,
      data,
      clientToken: token,
      wrapTTL: wrapTTL(headers),
      remoteAddress: input.remoteAddress,
      headers: headers as Record<string, string | undefined>,
    };

    if (core.isSealed()) throw SEALED;
    if (hasDotSegment(path)) throw RELATIVE;
    if ((operation === 'update' || operation === 'patch') && path.endsWith('/')) throw WRITE_TO_DIR;

    const result = await core.handle(req);
    writeRendered(res, renderResult(result), extra);
  } catch (e) {
    if (onInternalError && !isKeepError(e)) onInternalError(e);
    writeRendered(res, renderError(e), extra);
  }
}

function contentTypeOf(headers: Headers): string | undefined {
  const ct = headers['content-type'];
  return typeof ct === 'string' ? ct : undefined;
}
