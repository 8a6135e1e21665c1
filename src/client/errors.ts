/**
 * Errors thrown by {@link KeepClient}: an HTTP error answer ({@link KeepApiError}) or a failure to
 * get any answer at all ({@link KeepConnectionError}).
 *
 * @packageDocumentation
 */

/** The fields of an error answer, as the server (Keep or Vault) sent them. */
export interface ApiErrorInit {
  /** HTTP method as sent (`GET`, `PUT`, ...). */
  method: string;
  /** Full URL of the request (query string included, no token). */
  url: string;
  /** HTTP status code (>= 400). */
  status: number;
  /** The server's messages (`errors` of the body); empty when the body had none. */
  errors: string[];
  /** Keep's stable reason code (`reason_code` beside `errors`), when the server sent one. */
  reasonCode?: string;
  /** The parsed body (JSON value), the raw text when it was not JSON, or null when empty. */
  body: unknown;
  /** True when the body was not a JSON `{"errors": [...]}` object (its text is then the message). */
  raw?: boolean;
}

/**
 * An HTTP answer with a status >= 400. The message renders like the Vault CLI does:
 *
 * ```text
 * Error making API request.
 *
 * URL: GET http://127.0.0.1:8200/v1/secret/data/app
 * Code: 403. Errors:
 *
 * * permission denied
 * ```
 */
export class KeepApiError extends Error {
  /** HTTP method as sent. */
  readonly method: string;
  /** Full request URL. */
  readonly url: string;
  /** HTTP status code. */
  readonly status: number;
  /** The server's error messages (`errors` array of the body). */
  readonly errors: string[];
  /** Keep's stable reason code, when present in the body (`reason_code`). */
  readonly reasonCode?: string;
  /** The parsed body (or raw text, or null). */
  readonly body: unknown;

  constructor(init: ApiErrorInit) {
    super(renderApiError(init));
    this.name = 'KeepApiError';
    this.method = init.method;
    this.url = init.url;
    this.status = init.status;
    this.errors = init.errors;
    if (init.reasonCode !== undefined) this.reasonCode = init.reasonCode;
    this.body = init.body;
  }
}

/** The request never got an HTTP answer: refused connection, DNS failure, TLS failure, timeout. */
export class KeepConnectionError extends Error {
  /** HTTP method as sent. */
  readonly method: string;
  /** Full request URL. */
  readonly url: string;
  /** Node's error code when known (`ECONNREFUSED`, `ETIMEDOUT`, `CERT_HAS_EXPIRED`, ...). */
  readonly code?: string;

  constructor(method: string, url: string, message: string, code?: string, options?: { cause?: unknown }) {
    super(`${method} ${url}: ${message}`, options);
    this.name = 'KeepConnectionError';
    this.method = method;
    this.url = url;
    if (code !== undefined) this.code = code;
  }
}

/** True for a {@link KeepApiError}. */
export function isKeepApiError(e: unknown): e is KeepApiError {
  return e instanceof KeepApiError;
}

function renderApiError(init: ApiErrorInit): string {
  const head = `Error making API request.\n\nURL: ${init.method} ${init.url}\nCode: ${init.status}.`;
  if (init.raw) {
    const text = typeof init.body === 'string' ? init.body : '';
    return `${head} Raw Message:\n\n${text}`;
  }
  const lines = init.errors.map((e) => `* ${e}`).join('\n');
  return `${head} Errors:\n\n${lines}`;
}
