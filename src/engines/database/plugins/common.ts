/** Helpers shared by the SQL plugins. */

/** Thrown by initialize(verify=true) when connecting or pinging fails; `message` is the driver's. */
export class ConnectionVerifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionVerifyError';
  }
}

/** Vault's dbutil.ErrEmptyCreationStatement. */
export const EMPTY_CREATION = 'empty creation statements';

/**
 * The message of a driver error with every secret value (and its escaped forms) replaced by
 * `[redacted]`: some servers echo statement text (`... near 'pass...'`) in their errors.
 */
export function redactMessage(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const s of secrets) {
    if (s.length < 4) continue;
    const forms = new Set([s, s.replace(/'/g, "''"), s.replace(/\\/g, '\\\\').replace(/'/g, "''"), s.replace(/"/g, '""')]);
    for (const f of forms) out = out.split(f).join('[redacted]');
  }
  return out;
}

/** A plain Error carrying the driver's message with secrets redacted (the cause is dropped: it may hold them). */
export function safeError(e: unknown, secrets: readonly string[]): Error {
  const msg = e instanceof Error ? e.message : String(e);
  const out = new Error(redactMessage(msg, secrets));
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' || typeof code === 'number') Object.assign(out, { code });
  return out;
}

/** Runs `fn`, ignoring any failure (best-effort clean-up). */
export async function bestEffort(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch {
    return false;
  }
}
