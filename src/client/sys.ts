/**
 * `sys/` endpoints (spec/core.md 2): seal, init, health, mounts, auth methods, policies,
 * capabilities, leases, key rotation. Reach it as `client.sys`.
 */
import type { KeepClient } from './client.ts';
import { secretOrNull } from './envelope.ts';
import type {
  HealthStatus,
  InitRequest,
  InitResponse,
  KeyStatus,
  LeaderStatus,
  MountInfo,
  MountInput,
  SealStatus,
  SecretResponse,
} from './types.ts';

function seg(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

function asObject<T>(v: unknown, what: string): T {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`unexpected answer from ${what}: not a JSON object`);
  return v as T;
}

/** The `sys/` API. */
export class SysApi {
  constructor(private readonly client: KeepClient) {}

  /** `GET sys/init`: whether the server is initialised. */
  async initStatus(): Promise<boolean> {
    const res = await this.client.request('GET', 'sys/init', { noToken: true });
    return asObject<{ initialized: boolean }>(res.body, 'sys/init').initialized === true;
  }

  /** `PUT sys/init`: initialise; returns unseal key shares and the root token. */
  async init(req: InitRequest): Promise<InitResponse> {
    const res = await this.client.request('PUT', 'sys/init', { body: req, noToken: true });
    return asObject<InitResponse>(res.body, 'sys/init');
  }

  /** `GET sys/seal-status`. */
  async sealStatus(): Promise<SealStatus> {
    const res = await this.client.request('GET', 'sys/seal-status', { noToken: true });
    return asObject<SealStatus>(res.body, 'sys/seal-status');
  }

  /** `PUT sys/unseal` with one key share (hex or base64). */
  async unseal(key: string): Promise<SealStatus> {
    const res = await this.client.request('PUT', 'sys/unseal', { body: { key }, noToken: true });
    return asObject<SealStatus>(res.body, 'sys/unseal');
  }

  /** `PUT sys/unseal` with `reset: true`: discards the shares collected so far. */
  async unsealReset(): Promise<SealStatus> {
    const res = await this.client.request('PUT', 'sys/unseal', { body: { reset: true }, noToken: true });
    return asObject<SealStatus>(res.body, 'sys/unseal');
  }

  /** `PUT sys/seal` (root-protected). */
  async seal(): Promise<void> {
    await this.client.request('PUT', 'sys/seal');
  }

  /** `GET sys/health`; answers with any health status code (200, 429, 472, 473, 501, 503) are returned, not thrown. */
  async health(query: Record<string, string> = {}): Promise<{ status: number; health: HealthStatus }> {
    const res = await this.client.request('GET', 'sys/health', { query, noToken: true, acceptStatus: [429, 472, 473, 501, 503], retries: 0 });
    return { status: res.status, health: asObject<HealthStatus>(res.body, 'sys/health') };
  }

  /** `GET sys/leader`. */
  async leader(): Promise<LeaderStatus> {
    const res = await this.client.request('GET', 'sys/leader', { noToken: true });
    return asObject<LeaderStatus>(res.body, 'sys/leader');
  }

  /** `PUT sys/rotate`: adds a new barrier key term. */
  async rotate(): Promise<void> {
    await this.client.request('PUT', 'sys/rotate');
  }

  /** `GET sys/key-status`. */
  async keyStatus(): Promise<KeyStatus> {
    const secret = await this.client.read('sys/key-status');
    return asObject<KeyStatus>(secret?.data, 'sys/key-status');
  }

  /** `GET sys/mounts`: map of mount path (`secret/`) to mount info. */
  async listMounts(): Promise<Record<string, MountInfo>> {
    const secret = await this.client.read('sys/mounts');
    return asObject<Record<string, MountInfo>>(secret?.data ?? {}, 'sys/mounts');
  }

  /** `POST sys/mounts/<path>`: enables a secrets engine. */
  async enableMount(path: string, input: MountInput): Promise<void> {
    await this.client.request('POST', `sys/mounts/${seg(path)}`, { body: input });
  }

  /** `DELETE sys/mounts/<path>`. */
  async disableMount(path: string): Promise<void> {
    await this.client.request('DELETE', `sys/mounts/${seg(path)}`);
  }

  /** `GET sys/mounts/<path>/tune`. */
  async readMountTune(path: string): Promise<Record<string, unknown>> {
    const secret = await this.client.read(`sys/mounts/${seg(path)}/tune`);
    return asObject<Record<string, unknown>>(secret?.data ?? {}, 'tune');
  }

  /** `POST sys/mounts/<path>/tune`. */
  async tuneMount(path: string, config: Record<string, unknown>): Promise<SecretResponse | null> {
    return this.client.write(`sys/mounts/${seg(path)}/tune`, config, { retries: 0 });
  }

  /** `POST sys/remount`: moves a mount; returns the migration id when the server runs it asynchronously. */
  async remount(from: string, to: string): Promise<string | undefined> {
    const res = await this.client.request('POST', 'sys/remount', { body: { from: seg(from), to: seg(to) } });
    const secret = secretOrNull(res);
    const id = secret?.data?.migration_id ?? secret?.migration_id;
    return typeof id === 'string' ? id : undefined;
  }

  /** `GET sys/remount/status/<id>`: the migration's `status` (`in-progress`, `success`, `failure`). */
  async remountStatus(id: string): Promise<string | undefined> {
    const secret = await this.client.read(`sys/remount/status/${id}`);
    const info = secret?.data?.migration_info;
    if (typeof info === 'object' && info !== null && 'status' in info && typeof info.status === 'string') return info.status;
    return undefined;
  }

  /** `GET sys/auth`: map of auth mount path (`token/`) to mount info. */
  async listAuth(): Promise<Record<string, MountInfo>> {
    const secret = await this.client.read('sys/auth');
    return asObject<Record<string, MountInfo>>(secret?.data ?? {}, 'sys/auth');
  }

  /** `POST sys/auth/<path>`: enables an auth method. */
  async enableAuth(path: string, input: MountInput): Promise<void> {
    await this.client.request('POST', `sys/auth/${seg(path)}`, { body: input });
  }

  /** `DELETE sys/auth/<path>`. */
  async disableAuth(path: string): Promise<void> {
    await this.client.request('DELETE', `sys/auth/${seg(path)}`);
  }

  /** `POST sys/auth/<path>/tune`. */
  async tuneAuth(path: string, config: Record<string, unknown>): Promise<SecretResponse | null> {
    return this.client.write(`sys/auth/${seg(path)}/tune`, config);
  }

  /** `GET sys/auth/<path>/tune`. */
  async readAuthTune(path: string): Promise<Record<string, unknown>> {
    const secret = await this.client.read(`sys/auth/${seg(path)}/tune`);
    return asObject<Record<string, unknown>>(secret?.data ?? {}, 'tune');
  }

  /** `LIST sys/policies/acl`: policy names (`root` last). */
  async listPolicies(): Promise<string[]> {
    const secret = await this.client.list('sys/policies/acl');
    return secret?.data?.keys ?? [];
  }

  /** `GET sys/policies/acl/<name>`: the policy text, or null when absent. */
  async readPolicy(name: string): Promise<string | null> {
    const secret = await this.client.read(`sys/policies/acl/${seg(name)}`);
    const text = secret?.data?.policy;
    return typeof text === 'string' ? text : null;
  }

  /** `PUT sys/policies/acl/<name>`. */
  async writePolicy(name: string, policy: string): Promise<void> {
    await this.client.write(`sys/policies/acl/${seg(name)}`, { policy });
  }

  /** `DELETE sys/policies/acl/<name>`. */
  async deletePolicy(name: string): Promise<void> {
    await this.client.delete(`sys/policies/acl/${seg(name)}`);
  }

  /**
   * Capabilities on paths: of the client's token (`sys/capabilities-self`), of another token
   * (`sys/capabilities`), or of an accessor (`sys/capabilities-accessor`). Returns path -> list.
   */
  async capabilities(paths: string[], who: { token?: string; accessor?: string } = {}): Promise<Record<string, string[]>> {
    let secret: SecretResponse | null;
    if (who.accessor !== undefined) secret = await this.client.write('sys/capabilities-accessor', { accessor: who.accessor, paths });
    else if (who.token !== undefined) secret = await this.client.write('sys/capabilities', { token: who.token, paths });
    else secret = await this.client.write('sys/capabilities-self', { paths });
    const out: Record<string, string[]> = {};
    for (const p of paths) {
      const caps = secret?.data?.[p];
      out[p] = Array.isArray(caps) ? caps.filter((c): c is string => typeof c === 'string') : [];
    }
    return out;
  }

  /** `PUT sys/leases/lookup`. */
  async leaseLookup(leaseId: string): Promise<SecretResponse | null> {
    return this.client.write('sys/leases/lookup', { lease_id: leaseId }, { retries: 0 });
  }

  /** `PUT sys/leases/renew` with an optional increment (duration string or seconds). */
  async leaseRenew(leaseId: string, increment?: string | number): Promise<SecretResponse | null> {
    const body: Record<string, unknown> = { lease_id: leaseId };
    if (increment !== undefined) body.increment = increment;
    return this.client.write('sys/leases/renew', body);
  }

  /** `PUT sys/leases/revoke`; `sync: false` queues the revocation (202). */
  async leaseRevoke(leaseId: string, options: { sync?: boolean } = {}): Promise<void> {
    const body: Record<string, unknown> = { lease_id: leaseId };
    if (options.sync !== undefined) body.sync = options.sync;
    await this.client.request('PUT', 'sys/leases/revoke', { body });
  }

  /** `PUT sys/leases/revoke-prefix/<prefix>` (sudo). */
  async leaseRevokePrefix(prefix: string, options: { sync?: boolean } = {}): Promise<void> {
    const body: Record<string, unknown> = {};
    if (options.sync !== undefined) body.sync = options.sync;
    await this.client.request('PUT', `sys/leases/revoke-prefix/${seg(prefix)}`, { body });
  }

  /** `PUT sys/leases/revoke-force/<prefix>` (sudo). */
  async leaseRevokeForce(prefix: string): Promise<void> {
    await this.client.request('PUT', `sys/leases/revoke-force/${seg(prefix)}`, { body: {} });
  }

  /**
   * `GET sys/internal/ui/mounts/<path>`: the mount containing a path (`path`, `type`, `options`).
   * Null when the server does not know the endpoint (404).
   */
  async uiMount(path: string): Promise<(MountInfo & { path?: string }) | null> {
    const secret = await this.client.read(`sys/internal/ui/mounts/${seg(path)}`);
    if (!secret?.data) return null;
    return secret.data as MountInfo & { path?: string };
  }
}
