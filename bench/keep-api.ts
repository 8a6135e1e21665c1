/**
 * The few Vault-API calls the benchmark makes outside the load phases (init, mount, policy, token,
 * seeding, read-back), over plain fetch. Errors name the call and status, never a token.
 */

export interface ApiReply {
  status: number;
  body: unknown;
}

/** One request; the reply body is parsed as JSON when there is one. */
export async function api(
  origin: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<ApiReply> {
  const headers: Record<string, string> = {};
  if (opts.token) headers['X-Vault-Token'] = opts.token;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(origin + path, { method, headers, body, signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) });
  const text = await res.text();
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, body: parsed };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `obj.a.b.c` with type narrowing; undefined when any step is missing. */
export function dig(v: unknown, ...keys: string[]): unknown {
  let cur = v;
  for (const k of keys) {
    if (!isRecord(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

function errorsOf(body: unknown): string {
  const errs = dig(body, 'errors');
  if (Array.isArray(errs)) return errs.map(String).join('; ');
  return typeof body === 'string' ? body.slice(0, 200) : '';
}

/** Throws unless the status is one of `ok` (default 200/204). */
export function expectStatus(r: ApiReply, what: string, ok: number[] = [200, 204]): void {
  if (!ok.includes(r.status)) throw new Error(`${what}: HTTP ${r.status} ${errorsOf(r.body)}`.trim());
}

/** Polls `GET /v1/sys/health` until `accept(status)` or the deadline. */
export async function waitForHealth(
  origin: string,
  accept: (status: number) => boolean,
  timeoutMs: number,
  alive: () => boolean = () => true,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!alive()) throw new Error('the server exited while we waited for it');
    try {
      const r = await api(origin, 'GET', '/v1/sys/health', { timeoutMs: 2000 });
      if (accept(r.status)) return r.status;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`sys/health did not become ready within ${timeoutMs} ms (last: ${last})`);
}
