/**
 * Test helper: mounts a backend over a MemoryView and runs requests through the framework's
 * dispatch the way core's pipeline does (existence check turns update into create/update).
 */
import { testSystemView } from '../../framework/testing.ts';
import { randomUUID } from 'node:crypto';
import { isKeepError, type KeepError } from '../../errors.ts';
import { prepare } from '../../framework/dispatch.ts';
import { parseJson, stringifyJson } from '../../framework/json.ts';
import { compileBackend, type CompiledBackend } from '../../framework/router.ts';
import type {
  Backend,
  BackendFactory,
  CallerInfo,
  LogicalResponse,
  MountInfo,
  Operation,
  StorageView,
} from '../../framework/types.ts';
import { MemoryView } from './test-storage.ts';

export interface CallResult {
  /** The operation the handler ran as (create or update after the existence check). */
  operation: Operation;
  response: LogicalResponse | undefined;
}

export interface Harness<S extends StorageView = MemoryView> {
  storage: S;
  backend: Backend;
  compiled: CompiledBackend;
  mount: MountInfo;
  /** Runs a request; `body` is an object or JSON text (parsed losslessly like the HTTP layer). */
  call(operation: Operation, path: string, body?: Record<string, unknown> | string, caller?: CallerInfo): Promise<CallResult>;
  /** Like call, but expects a KeepError and returns it. */
  fail(operation: Operation, path: string, body?: Record<string, unknown> | string, caller?: CallerInfo): Promise<KeepError>;
}

export const testLogger = { debug() {}, info() {}, warn() {}, error() {} };

export function testMount(path: string, type: string, options: Record<string, string> | null, defaultTTL = 2764800): MountInfo {
  return {
    path,
    type,
    accessor: `${type}_0a1b2c3d`,
    uuid: randomUUID(),
    options,
    defaultLeaseTTL: () => defaultTTL,
    maxLeaseTTL: () => 2764800,
    local: false,
  };
}

export function testCaller(cubbyholeId: string): CallerInfo {
  return {
    accessor: `acc-${cubbyholeId}`,
    policies: ['default'],
    entityId: '',
    displayName: 'token',
    metadata: {},
    root: false,
    sudo: false,
    cubbyholeId,
    tokenHash: `hash-${cubbyholeId}`,
  };
}

export async function harness<S extends StorageView = MemoryView>(
  factory: BackendFactory | ((ctx: Parameters<BackendFactory>[0]) => Backend),
  mount: MountInfo,
  storage: S = new MemoryView() as unknown as S,
): Promise<Harness<S>> {
  const backend = await factory({ storage, mount, logger: testLogger, system: testSystemView() });
  await backend.init?.();
  const compiled = compileBackend(backend);

  const call = async (
    operation: Operation,
    path: string,
    body: Record<string, unknown> | string = {},
    caller?: CallerInfo,
  ): Promise<CallResult> => {
    const raw = (typeof body === 'string' ? parseJson(body) : body) as Record<string, unknown>;
    const prepared = prepare(compiled, {
      requestId: randomUUID(),
      operation,
      path,
      fullPath: mount.path + path,
      raw,
      storage,
      mount,
      caller,
      clientToken: '',
      remoteAddress: '127.0.0.1',
      wrapTTL: 0,
      headers: {},
    });
    let op = operation;
    if (op === 'update' && prepared.hasExistenceCheck && prepared.supports('create')) {
      op = (await prepared.exists()) ? 'update' : 'create';
    }
    return { operation: op, response: await prepared.execute(op) };
  };

  const fail = async (
    operation: Operation,
    path: string,
    body?: Record<string, unknown> | string,
    caller?: CallerInfo,
  ): Promise<KeepError> => {
    try {
      await call(operation, path, body, caller);
    } catch (e) {
      if (isKeepError(e)) return e;
      throw e;
    }
    throw new Error(`${operation} ${path} did not fail`);
  };

  return { storage, backend, compiled, mount, call, fail };
}

/** The response data rendered as the HTTP layer would (lossless numbers verbatim). */
export function render(value: unknown): string {
  return stringifyJson(value);
}
