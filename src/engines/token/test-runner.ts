/**
 * Runs requests against the token backend the way core's pipeline does: the caller's token is
 * checked first (consuming a use), then the framework matches the path, coerces fields and calls
 * the handler. `sudo` stands for the ACL's verdict on the path (root tokens always have it).
 */
import { compileBackend, type CompiledBackend } from '../../framework/router.ts';
import { prepare } from '../../framework/dispatch.ts';
import type { CallerInfo, LogicalResponse, MountInfo, Operation } from '../../framework/types.ts';
import { harness, MemoryView, type Harness } from '../../core/token/test-helpers.ts';
import { createTokenBackend } from './backend.ts';

export interface Call {
  operation: Operation;
  path: string;
  data?: Record<string, unknown>;
  token: string;
  /** Default: true for root tokens, false otherwise. */
  sudo?: boolean;
  remoteAddress?: string;
}

export interface Runner extends Harness {
  compiled: CompiledBackend;
  run(call: Call): Promise<LogicalResponse | undefined>;
}

const mount: MountInfo = {
  path: 'auth/token/',
  type: 'token',
  accessor: 'auth_token_0a1b2c3d',
  uuid: '00000000-0000-0000-0000-000000000001',
  options: null,
  defaultLeaseTTL: () => 2_764_800,
  maxLeaseTTL: () => 2_764_800,
  local: false,
};

export async function tokenRunner(): Promise<Runner> {
  const h = await harness();
  const backend = createTokenBackend(h.store);
  const compiled = compileBackend(backend);
  const run = async (call: Call): Promise<LogicalResponse | undefined> => {
    const checked = await h.store.check(call.token, call.remoteAddress ?? '127.0.0.1');
    if (!checked) throw new Error('test runner: invalid token (core would answer 403)');
    const entry = checked.entry;
    const root = entry.policies.length === 1 && entry.policies[0] === 'root';
    const caller: CallerInfo = {
      accessor: entry.accessor,
      policies: entry.policies,
      entityId: entry.entityId,
      displayName: entry.displayName,
      metadata: entry.meta ?? {},
      root,
      sudo: call.sudo ?? root,
      cubbyholeId: entry.cubbyholeId,
      tokenHash: entry.hash,
    };
    const prepared = prepare(compiled, {
      requestId: '11111111-2222-3333-4444-555555555555',
      operation: call.operation,
      path: call.path,
      fullPath: `auth/token/${call.path}`,
      raw: call.data ?? {},
      storage: new MemoryView(),
      mount,
      caller,
      clientToken: call.token,
      remoteAddress: call.remoteAddress ?? '127.0.0.1',
      wrapTTL: 0,
      headers: {},
    });
    let operation = call.operation;
    if (operation === 'update' && prepared.hasExistenceCheck && prepared.supports('create')) {
      operation = (await prepared.exists()) ? 'update' : 'create';
    }
    try {
      return await prepared.execute(operation);
    } finally {
      if (checked.finalUse) await h.store.revokeTree(entry.hash);
    }
  };
  return { ...h, compiled, run };
}
