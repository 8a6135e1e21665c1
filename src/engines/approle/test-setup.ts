/**
 * Test helper: an AppRole mount over in-memory storage with a settable clock, requests run
 * through the framework's dispatch (existence check turns update into create/update, as core
 * does) from a chosen source address.
 */
import { testSystemView } from '../../framework/testing.ts';
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { isKeepError, type KeepError } from '../../errors.ts';
import { prepare } from '../../framework/dispatch.ts';
import { compileBackend, type CompiledBackend } from '../../framework/router.ts';
import type { AuthSpec, LogicalResponse, MountInfo, Operation } from '../../framework/types.ts';
import { testLogger } from '../kv/test-harness.ts';
import { MemoryView } from '../kv/test-storage.ts';
import { createAppRole, type AppRoleBackend } from './backend.ts';

export interface Fixture {
  backend: AppRoleBackend;
  compiled: CompiledBackend;
  storage: MemoryView;
  mount: MountInfo;
  /** Current time (unix ms); tests move it forward. */
  clock: { now: number };
  call(op: Operation, path: string, body?: Record<string, unknown>, remote?: string): Promise<LogicalResponse | undefined>;
  fail(op: Operation, path: string, body?: Record<string, unknown>, remote?: string): Promise<KeepError>;
}

export async function approle(opts: { maxTTL?: number } = {}): Promise<Fixture> {
  const storage = new MemoryView();
  const maxTTL = opts.maxTTL ?? 2764800;
  const mount: MountInfo = {
    path: 'auth/approle/',
    type: 'approle',
    accessor: 'auth_approle_0a1b2c3d',
    uuid: randomUUID(),
    options: null,
    defaultLeaseTTL: () => maxTTL,
    maxLeaseTTL: () => maxTTL,
    local: false,
  };
  const clock = { now: Date.UTC(2024, 5, 10, 7, 13, 20, 418) };
  const backendCtx = { storage, mount, logger: testLogger, system: testSystemView() };
  const backend = createAppRole(backendCtx, { now: () => clock.now });
  await backend.init?.();
  const compiled = compileBackend(backend);

  const call = async (op: Operation, path: string, body: Record<string, unknown> = {}, remote = '127.0.0.1') => {
    const prepared = prepare(compiled, {
      requestId: randomUUID(),
      operation: op,
      path,
      fullPath: mount.path + path,
      raw: body,
      storage,
      mount,
      caller: undefined,
      clientToken: '',
      remoteAddress: remote,
      wrapTTL: 0,
      headers: {},
    });
    let actual = op;
    if (op === 'update' && prepared.hasExistenceCheck && prepared.supports('create')) {
      actual = (await prepared.exists()) ? 'update' : 'create';
    }
    return prepared.execute(actual);
  };

  const fail = async (op: Operation, path: string, body?: Record<string, unknown>, remote?: string): Promise<KeepError> => {
    try {
      await call(op, path, body, remote);
    } catch (e) {
      if (isKeepError(e)) return e;
      throw e;
    }
    throw new Error(`${op} ${path} did not fail`);
  };

  return { backend, compiled, storage, mount, clock, call, fail };
}

/** Asserts a KeepError's status and exact message. */
export function assertError(err: KeepError, status: number, message: string): void {
  assert.equal(err.message, message);
  assert.equal(err.status, status);
}

export async function createRole(f: Fixture, name: string, body: Record<string, unknown> = {}): Promise<void> {
  await f.call('update', `role/${name}`, body);
}

export async function readRoleId(f: Fixture, name: string): Promise<string> {
  const r = await f.call('read', `role/${name}/role-id`);
  return String(r?.data?.role_id);
}

export interface NewSecret {
  secret_id: string;
  secret_id_accessor: string;
  secret_id_num_uses: number;
  secret_id_ttl: number;
}

export async function newSecretId(f: Fixture, name: string, body: Record<string, unknown> = {}): Promise<NewSecret> {
  const r = await f.call('update', `role/${name}/secret-id`, body);
  assert.ok(r?.data);
  return r.data as unknown as NewSecret;
}

/** Logs in and returns the AuthSpec. */
export async function loginAuth(f: Fixture, body: Record<string, unknown>, remote?: string): Promise<AuthSpec> {
  const r = await f.call('update', 'login', body, remote);
  assert.ok(r?.auth, 'login returned no auth');
  return r.auth;
}
