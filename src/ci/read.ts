/**
 * Reading the secrets of a spec: each distinct path once (`GET /v1/<path>`, retried by the client
 * on connection errors and 5xx), then every request evaluated against its answer. Nothing is
 * exported until everything has been read, so a failure exports nothing.
 */
import type { KeepClient } from '../client/client.ts';
import { KeepApiError } from '../client/errors.ts';
import type { CiEnv } from './env.ts';
import { CI_EXIT_REMOTE, CiError, requestFailed } from './errors.ts';
import { selectValues } from './select.ts';
import type { SecretValue } from './select.ts';
import type { SecretRequest } from './spec.ts';

/** Options of {@link readSecrets}. */
export interface ReadOptions {
  /** Skip (with a message on stderr) a missing secret or key instead of failing. */
  ignoreNotFound?: boolean;
  /** The token's policies, named when a read is refused. */
  policies?: string[];
}

/** The API path as sent: leading slashes dropped, `//` collapsed (vault-action users write `/cubbyhole/x`). */
export function apiPath(path: string): string {
  return path.replace(/\/{2,}/g, '/').replace(/^\/+/, '');
}

/** Reads and evaluates every request. @throws CiError for a refused read, or a missing secret/key without ignoreNotFound */
export async function readSecrets(env: CiEnv, client: KeepClient, requests: SecretRequest[], opts: ReadOptions = {}): Promise<SecretValue[]> {
  const answers = new Map<string, unknown>();
  const out: SecretValue[] = [];
  for (const req of requests) {
    const path = apiPath(req.path);
    const where = req.line !== undefined ? ` (secrets line ${req.line})` : '';
    if (!answers.has(path)) {
      try {
        answers.set(path, await client.read(path));
      } catch (e) {
        if (e instanceof KeepApiError && e.status === 403) {
          const pol = opts.policies && opts.policies.length > 0 ? `; the token's policies: ${opts.policies.join(', ')}` : '';
          throw new CiError(`cannot read "${path}"${where}: permission denied${pol}`, CI_EXIT_REMOTE, e.reasonCode);
        }
        throw requestFailed(`cannot read "${path}"${where}`, e);
      }
    }
    const body = answers.get(path);
    const sel = body === null ? { ok: false as const, reason: `secret "${path}" was not found` } : selectValues(body, { ...req, path });
    if (!sel.ok) {
      if (opts.ignoreNotFound) {
        env.stderr(`keep ci: ${sel.reason}${where}; skipped (-ignore-not-found)\n`);
        continue;
      }
      throw new CiError(`${sel.reason}${where}`, CI_EXIT_REMOTE);
    }
    out.push(...sel.values);
  }
  return out;
}
