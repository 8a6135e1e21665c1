/**
 * Retry policy of {@link KeepClient}: which answers are retried and how long to wait.
 */

/** Methods retried by default: they have no effect when repeated. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE']);

/** True when a request with this method may be repeated without asking. */
export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method.toUpperCase());
}

/**
 * True when an HTTP status is worth retrying: every 5xx except 501 (not implemented, will not
 * change). 4xx answers are never retried.
 */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 && status <= 599 && status !== 501;
}

/**
 * Exponential backoff with jitter: the ceiling doubles per attempt (`minMs * 2^attempt`, capped at
 * `maxMs`) and the wait is drawn uniformly from the upper half of it.
 *
 * @param attempt - 0 for the wait before the first retry.
 * @param random - a number in [0, 1); injectable for tests.
 */
export function backoffDelay(attempt: number, minMs: number, maxMs: number, random: number = Math.random()): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.max(0, attempt));
  const half = ceiling / 2;
  return Math.round(half + half * random);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
