/**
 * One catalogue of errors. A KeepError carries a stable code, the HTTP status, and the exact
 * message Vault clients expect in `errors[0]`; `extra` fields are rendered beside `errors`
 * (Vault clients ignore them).
 */
export class KeepError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'KeepError';
  }
}

/** Go's go-multierror text for one error, as Vault core renders many errors. */
export function multiError(...messages: string[]): string {
  const n = messages.length;
  return `${n} error${n === 1 ? '' : 's'} occurred:\n${messages.map((m) => `\t* ${m}`).join('\n')}\n\n`;
}

export const badRequest = (message: string, extra?: Record<string, unknown>) =>
  new KeepError('KEEP_E_BAD_REQUEST', 400, message, extra);

export const invalidRequest = (message: string) => new KeepError('KEEP_E_INVALID_REQUEST', 400, message);

/** Valid token, the ACL denies. */
export const permissionDenied = () => new KeepError('KEEP_E_PERMISSION_DENIED', 403, multiError('permission denied'));

/** No token, or an unknown, expired or revoked one. */
export const invalidToken = () =>
  new KeepError('KEEP_E_INVALID_TOKEN', 403, multiError('permission denied', 'invalid token'));

/** Plain 403 with a given text (e.g. `bad token` from auth/token/lookup). */
export const forbidden = (message: string) => new KeepError('KEEP_E_FORBIDDEN', 403, message);

export const sealed = () => new KeepError('KEEP_E_SEALED', 503, 'Vault is sealed');

export const unsupportedPath = () => new KeepError('KEEP_E_UNSUPPORTED_PATH', 404, multiError('unsupported path'));

export const unsupportedOperation = () =>
  new KeepError('KEEP_E_UNSUPPORTED_OPERATION', 405, multiError('unsupported operation'));

export const noRoute = (path: string) =>
  new KeepError('KEEP_E_NO_ROUTE', 404, `no handler for route "${path}". route entry not found.`);

export const relativePath = () => new KeepError('KEEP_E_RELATIVE_PATH', 400, 'relative paths not supported');

export const internalError = (message = 'internal error') => new KeepError('KEEP_E_INTERNAL', 500, message);

/** Field coercion failure (spec/core.md 1.5). */
export const fieldError = (field: string, input: string, detail: string) =>
  new KeepError(
    'KEEP_E_FIELD',
    400,
    `Field validation failed: error converting input ${input} for field "${field}": ${detail}`,
    { field },
  );

export function isKeepError(e: unknown): e is KeepError {
  return e instanceof KeepError;
}
