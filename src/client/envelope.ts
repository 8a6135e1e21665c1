/**
 * Turning an answer into the standard envelope.
 */
import type { SecretResponse } from './types.ts';

/** Status and parsed body of an answer. */
export interface ApiResponseLike {
  status: number;
  body: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The envelope of an answer, or null: for 204/empty bodies, and for a 404 that carries neither
 * data nor warnings.
 */
export function secretOrNull<D = Record<string, unknown>>(res: ApiResponseLike): SecretResponse<D> | null {
  if (!isObject(res.body)) return null;
  const body = res.body;
  if (res.status === 404) {
    const hasData = isObject(body.data) && Object.keys(body.data).length > 0;
    const hasWarnings = Array.isArray(body.warnings) && body.warnings.length > 0;
    if (!hasData && !hasWarnings) return null;
  }
  return body as SecretResponse<D>;
}

