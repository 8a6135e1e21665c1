/**
 * AppRole mounted in a real Core: enable, role, wrapped secret-ID generation, unwrap, login,
 * token use and renewal (the Jenkins / trusted-orchestrator flow of spec/auth.md 5.9).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Core } from '../../core/core.ts';
import type { CoreResult, Operation } from '../../framework/types.ts';
import { MemoryPhysical } from '../../storage/memory.ts';
import { builtinEngines } from '../index.ts';
import { testLogger } from '../kv/test-harness.ts';
import { createAppRoleBackend } from './backend.ts';

let core: Core;
let root: string;

interface Req {
  token?: string;
  data?: Record<string, unknown>;
  wrapTTL?: number;
  remote?: string;
}

function handle(operation: Operation, path: string, req: Req = {}): Promise<CoreResult> {
  return core.handle({
    operation,
    path,
    data: req.data ?? {},
    clientToken: req.token ?? '',
    wrapTTL: req.wrapTTL ?? 0,
    remoteAddress: req.remote ?? '127.0.0.1',
    headers: {},
  });
}

before(async () => {
  const engines = builtinEngines();
  core = new Core({
    physical: new MemoryPhysical(),
    seal: { type: 'shamir' },
    engines: { ...engines, auth: { ...engines.auth, approle: createAppRoleBackend } },
    logger: testLogger,
  });
  const init = await core.init({ secret_shares: 1, secret_threshold: 1 });
  await core.unseal({ key: (init.keys as string[])[0] });
  root = String(init.root_token);
  await handle('update', 'sys/auth/approle', { token: root, data: { type: 'approle' } });
  await handle('update', 'sys/policy/jenkins-deploy', { token: root, data: { policy: 'path "secret/*" { capabilities = ["read"] }' } });
  await handle('update', 'sys/policy/orchestrator', {
    token: root,
    data: { policy: 'path "auth/approle/role/jenkins/secret-id" { capabilities = ["update"] }' },
  });
});

after(async () => {
  await core.close();
});

test('Jenkins flow: wrapped secret ID, unwrap, login, renew, role deletion stops renewal', async () => {
  await handle('update', 'auth/approle/role/jenkins', {
    token: root,
    data: { token_policies: 'jenkins-deploy', token_ttl: '20m', token_max_ttl: '30m', secret_id_num_uses: 1, secret_id_ttl: '10m' },
  });
  const roleId = String((await handle('read', 'auth/approle/role/jenkins/role-id', { token: root })).response?.data?.role_id);

  const orch = (await handle('update', 'auth/token/create', { token: root, data: { policies: ['orchestrator'] } })).auth;
  assert.ok(orch);
  const wrapped = await handle('update', 'auth/approle/role/jenkins/secret-id', {
    token: String(orch.client_token),
    data: { metadata: '{"job":"deploy-api"}' },
    wrapTTL: 60,
  });
  assert.ok(wrapped.wrapInfo);
  assert.equal(wrapped.wrapInfo.creation_path, 'auth/approle/role/jenkins/secret-id');

  const unwrapped = await handle('update', 'sys/wrapping/unwrap', { token: wrapped.wrapInfo.token });
  const body = unwrapped.response?.raw?.body;
  const envelope = (typeof body === 'string' ? JSON.parse(body) : body) as { data: { secret_id: string; secret_id_accessor: string } };
  const secretId = envelope.data.secret_id;
  assert.ok(secretId);
  if (wrapped.wrapInfo.wrapped_accessor !== undefined) {
    // Core sets it from LogicalResponse.wrappedAccessor once integrated.
    assert.equal(wrapped.wrapInfo.wrapped_accessor, envelope.data.secret_id_accessor);
  }

  const login = await handle('update', 'auth/approle/login', { token: 'stale-token', data: { role_id: roleId, secret_id: secretId } });
  const auth = login.auth;
  assert.ok(auth);
  assert.deepEqual(auth.policies, ['default', 'jenkins-deploy']);
  assert.deepEqual(auth.metadata, { job: 'deploy-api', role_name: 'jenkins' });
  assert.equal(auth.lease_duration, 1200);
  assert.equal(auth.renewable, true);
  assert.equal(auth.orphan, true);
  assert.notEqual(auth.entity_id, '');
  const token = String(auth.client_token);

  const self = await handle('read', 'auth/token/lookup-self', { token });
  assert.equal(self.response?.data?.path, 'auth/approle/login');
  assert.equal(self.response?.data?.display_name, 'approle');

  // The secret ID had one use.
  await assert.rejects(handle('update', 'auth/approle/login', { data: { role_id: roleId, secret_id: secretId } }), {
    message: 'invalid role or secret ID',
  });

  await handle('update', 'auth/approle/role/jenkins', { token: root, data: { token_ttl: '5m' } });
  const renewed = await handle('update', 'auth/token/renew-self', { token });
  assert.equal(renewed.auth?.lease_duration, 300);

  await handle('delete', 'auth/approle/role/jenkins', { token: root });
  await assert.rejects(handle('update', 'auth/token/renew-self', { token }), (e: Error) => e.message.includes('role "jenkins" does not exist during renewal'));
});

test('the same role_id logs into the same entity', async () => {
  await handle('update', 'auth/approle/role/ci', { token: root, data: { bind_secret_id: false, secret_id_bound_cidrs: '127.0.0.0/8' } });
  const roleId = String((await handle('read', 'auth/approle/role/ci/role-id', { token: root })).response?.data?.role_id);
  const a = await handle('update', 'auth/approle/login', { data: { role_id: roleId } });
  const b = await handle('update', 'auth/approle/login', { data: { role_id: roleId } });
  assert.equal(a.auth?.entity_id, b.auth?.entity_id);
  await assert.rejects(handle('update', 'auth/approle/login', { data: { role_id: roleId }, remote: '10.0.0.1' }), {
    message: 'source address "10.0.0.1" unauthorized by CIDR restrictions on the role: %!w(<nil>)',
  });
});
