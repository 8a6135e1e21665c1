/**
 * The Keep side of a job: a client with retries, the JWT login (and when to retry it), and reuse
 * of a token `keep ci login` left for the job.
 *
 * Retrying the login: a login is not idempotent when the role has `jti_single_use` (a second use
 * of the same job token is refused as a replay). So the login is retried only when the failed
 * attempt cannot have reached the auth method: connection refused, unreachable network or host,
 * DNS not answering yet, and 503 (sealed or standby, answered before routing). After a reset or
 * broken pipe, or a 502/504 from a proxy, the server may have used the token: the next attempt
 * uses a freshly minted job token where the platform can mint one (GitHub, Buildkite, Azure, the
 * CircleCI CLI, a re-read KEEP_JWT_FILE); otherwise it resends the same token, and a replay
 * refusal is then explained. A timeout is never retried: the request was sent and may have been
 * used. Reads (GET) and the final revoke are retried by the client on connection errors and 5xx.
 */
import { KeepClient } from '../client/client.ts';
import { KeepApiError, KeepConnectionError } from '../client/errors.ts';
import { backoffDelay } from '../client/retry.ts';
import type { SecretResponse } from '../client/types.ts';
import type { CiEnv } from './env.ts';
import { CI_EXIT_REMOTE, CiError, loginRejected, rejectionText, requestFailed } from './errors.ts';
import { maskValues } from './export/index.ts';
import { jobTokenSource } from './job-token.ts';
import type { CiPlatform } from './platform.ts';
import { reusableToken } from './token-state.ts';

/** Connection settings and the login's inputs (a subset of CiOptions). */
export interface SessionOptions {
  addr: string;
  role?: string;
  mount?: string;
  audience?: string;
  jwtEnv?: string;
  caCert?: string;
  tlsSkipVerify?: boolean;
  namespace?: string;
  /** Retries of reads, the revoke and the login (see above). Default KEEP_MAX_RETRIES / VAULT_MAX_RETRIES, else 6. */
  retries?: number;
  /** Smallest backoff in ms (doubles per attempt, up to 8 s). Default 500. */
  retryMinBackoffMs?: number;
  /** A Keep token to use as is (vault-action `method: token`): no login, never revoked by this run. */
  token?: string;
}

/** A logged-in client. */
export interface Session {
  client: KeepClient;
  token: string;
  accessor: string;
  policies: string[];
  /** Token TTL in seconds (0 = none). */
  ttl: number;
  /** True when this run logged in (and so owns the token); false for a reused `keep ci login` token. */
  owned: boolean;
}

export const DEFAULT_RETRIES = 6;
const MAX_BACKOFF_MS = 8000;

/** Retry count: the option, else KEEP_MAX_RETRIES / VAULT_MAX_RETRIES, else {@link DEFAULT_RETRIES}. */
export function retriesFor(env: CiEnv, o: { retries?: number }): number {
  if (o.retries !== undefined) return Math.max(0, o.retries);
  const text = env.env.KEEP_MAX_RETRIES || env.env.VAULT_MAX_RETRIES;
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : DEFAULT_RETRIES;
}

/** A client for the job (no token yet). @throws CiError for a bad address or CA file */
export function makeClient(env: CiEnv, o: SessionOptions): KeepClient {
  if (!o.addr) throw new CiError('no Keep address: set KEEP_ADDR (or VAULT_ADDR), or pass -address');
  try {
    return new KeepClient({
      address: o.addr,
      caCert: o.caCert,
      tlsSkipVerify: o.tlsSkipVerify,
      namespace: o.namespace ?? (env.env.KEEP_NAMESPACE || env.env.VAULT_NAMESPACE || undefined),
      retries: retriesFor(env, o),
      retryMinBackoffMs: o.retryMinBackoffMs ?? 500,
      retryMaxBackoffMs: MAX_BACKOFF_MS,
    });
  } catch (e) {
    throw new CiError((e as Error).message);
  }
}

/** How a failed login attempt may be retried: not at all, with the same job token, or with a fresh one. */
export type LoginRetry = 'no' | 'resend' | 'fresh';

const NOT_SENT = new Set(['ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'EAI_AGAIN']);
const MAYBE_SENT = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** The retry decision for a failed login attempt (see the module comment). */
export function loginRetryKind(e: unknown): LoginRetry {
  if (e instanceof KeepConnectionError) {
    if (e.code && NOT_SENT.has(e.code)) return 'resend';
    if (e.code && MAYBE_SENT.has(e.code)) return 'fresh';
    if (/socket hang up/i.test(e.message)) return 'fresh';
    return 'no';
  }
  if (e instanceof KeepApiError) {
    if (e.status === 503) return 'resend';
    if (e.status === 502 || e.status === 504) return 'fresh';
  }
  return 'no';
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function strList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Logs in with the job's token (`POST auth/<mount>/login {jwt, role}`), retrying as described
 * above, and masks the Keep token at once (on `maskStream`). @throws CiError
 */
export async function jwtLogin(env: CiEnv, o: SessionOptions, platform: CiPlatform, client: KeepClient, maskStream: 'stdout' | 'stderr'): Promise<Session> {
  const mount = (o.mount || 'jwt').replace(/^\/+|\/+$/g, '').replace(/^auth\//, '');
  const source = await jobTokenSource(env, platform, { audience: o.audience, jwtEnv: o.jwtEnv });
  if (platform === 'github' || platform === 'azure') await maskValues(env, platform, [source.jwt], maskStream);
  let jwt = source.jwt;
  const retries = retriesFor(env, o);
  const path = `auth/${mount}/login`;
  let maybeUsed = false;
  let res: SecretResponse | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      const body: Record<string, unknown> = { jwt };
      if (o.role) body.role = o.role;
      const r = await client.request('POST', path, { body, noToken: true, retries: 0 });
      res = r.body as SecretResponse;
      break;
    } catch (e) {
      const kind = loginRetryKind(e);
      if (kind !== 'no' && attempt < retries) {
        const why = e instanceof KeepConnectionError ? (e.code ?? e.message) : `HTTP ${(e as KeepApiError).status}`;
        if (kind === 'fresh' && source.remint) {
          env.stderr(`keep ci: login attempt ${attempt + 1} failed (${why}); retrying with a fresh job token\n`);
          await sleep(backoffDelay(attempt, o.retryMinBackoffMs ?? 500, MAX_BACKOFF_MS));
          jwt = await source.remint();
          if (platform === 'github' || platform === 'azure') await maskValues(env, platform, [jwt], maskStream);
        } else {
          if (kind === 'fresh') maybeUsed = true;
          env.stderr(`keep ci: login attempt ${attempt + 1} failed (${why}); retrying\n`);
          await sleep(backoffDelay(attempt, o.retryMinBackoffMs ?? 500, MAX_BACKOFF_MS));
        }
        continue;
      }
      if (e instanceof KeepApiError) {
        if (e.reasonCode === 'KEEP_E_REPLAY' && maybeUsed) {
          throw new CiError(
            `${rejectionText(e, o.role)}; an earlier attempt's answer was lost after the server had received the token, ` +
              `and ${source.source} cannot be minted again: re-run the job`,
            CI_EXIT_REMOTE,
            e.reasonCode,
          );
        }
        if (e.status === 404 && !e.reasonCode) {
          throw new CiError(`${path} does not exist: is the JWT auth method mounted at "${mount}"? (use -mount)`, CI_EXIT_REMOTE);
        }
        throw loginRejected(e, o.role);
      }
      throw requestFailed(`login at ${path}`, e);
    }
  }
  const auth = res?.auth;
  if (!auth || typeof auth.client_token !== 'string' || auth.client_token === '') throw new CiError(`${path} answered without auth.client_token`, CI_EXIT_REMOTE);
  const token = auth.client_token;
  await maskValues(env, platform, [token], maskStream);
  client.setToken(token);
  for (const w of strList(res?.warnings)) env.stderr(`keep ci: warning from the server: ${w}\n`);
  return {
    client,
    token,
    accessor: typeof auth.accessor === 'string' ? auth.accessor : '',
    policies: strList(auth.policies),
    ttl: typeof auth.lease_duration === 'number' ? auth.lease_duration : 0,
    owned: true,
  };
}

/**
 * A session for the job: the given token (`o.token`, used as is); else the token `keep ci login`
 * left (KEEP_TOKEN with KEEP_CI_ROLE matching the role), when the server still accepts it; else a
 * new login. @throws CiError
 */
export async function openSession(env: CiEnv, o: SessionOptions, platform: CiPlatform, maskStream: 'stdout' | 'stderr'): Promise<Session> {
  const client = makeClient(env, o);
  if (o.token) {
    await maskValues(env, platform, [o.token], maskStream);
    client.setToken(o.token);
    return { client, token: o.token, accessor: '', policies: [], ttl: 0, owned: false };
  }
  const found = reusableToken(env, o.role);
  if (found) {
    client.setToken(found.token);
    try {
      const self = await client.tokens.lookupSelf();
      const d = self.data ?? {};
      return {
        client,
        token: found.token,
        accessor: typeof d.accessor === 'string' ? d.accessor : '',
        policies: strList(d.policies),
        ttl: typeof d.ttl === 'number' ? d.ttl : 0,
        owned: false,
      };
    } catch (e) {
      if (!(e instanceof KeepApiError && e.status === 403)) {
        client.close();
        throw requestFailed(`checking the token in ${found.source}`, e);
      }
      env.stderr(`keep ci: the token in ${found.source} is no longer valid; logging in again\n`);
      client.setToken(undefined);
    }
  }
  try {
    return await jwtLogin(env, o, platform, client, maskStream);
  } catch (e) {
    client.close();
    throw e;
  }
}

/** `POST auth/token/revoke-self` with retries. @returns false when the token was already invalid (403). @throws CiError */
export async function revokeSelf(client: KeepClient, retries: number): Promise<boolean> {
  try {
    await client.request('POST', 'auth/token/revoke-self', { body: {}, retries });
    return true;
  } catch (e) {
    if (e instanceof KeepApiError && e.status === 403) return false;
    throw requestFailed('revoking the token', e);
  }
}
