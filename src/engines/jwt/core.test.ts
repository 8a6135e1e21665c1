/**
 * The JWT method mounted in a real Core: config and role through sys/auth, login with a stale
 * token sent along, the token's policies, metadata and display name, a templated policy on
 * token metadata, renewal, role deletion, decision-trace errors, and explain needing sudo.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Core } from '../../core/core.ts';
import { renderError } from '../../framework/envelope.ts';
import type { CoreResult, Operation } from '../../framework/types.ts';
import { MemoryPhysical } from '../../storage/memory.ts';
import { builtinEngines } from '../index.ts';
import { testLogger } from '../kv/test-harness.ts';
import { createJwtBackend } from './backend.ts';
import { REASONS } from './reasons.ts';
import { claimsAt, makeKey, sign, type TestKey } from './test-setup.ts';

let core: Core;
let root: string;
let key: TestKey;

function handle(operation: Operation, path: string, token = '', data: Record<string, unknown> = {}): Promise<CoreResult> {
  return core.handle({ operation, path, data, clientToken: token, wrapTTL: 0, remoteAddress: '127.0.0.1', headers: {} });
}

const now = () => Math.floor(Date.now() / 1000);

before(async () => {
  key = await makeKey('ES384');
  const engines = builtinEngines();
  core = new Core({
    physical: new MemoryPhysical(),
    seal: { type: 'shamir' },
    engines: { ...engines, auth: { ...engines.auth, jwt: createJwtBackend, oidc: createJwtBackend } },
    logger: testLogger,
  });
  const init = await core.init({ secret_shares: 1, secret_threshold: 1 });
  await core.unseal({ key: (init.keys as string[])[0] });
  root = String(init.root_token);
  await handle('update', 'sys/auth/jwt', root, { type: 'jwt' });
  await handle('update', 'auth/jwt/config', root, { jwt_validation_pubkeys: [key.publicPem], bound_issuer: 'https://issuer.example' });
  await handle('update', 'sys/policy/ci-read', root, {
    policy: 'path "secret/data/ci/{{token.metadata.repository}}/*" { capabilities = ["read"] }',
  });
  await handle('update', 'auth/jwt/role/ci', root, {
    role_type: 'jwt',
    user_claim: 'sub',
    bound_audiences: 'https://keep.example',
    bound_claims: { repository: 'acme/api' },
    claim_mappings: { repository: 'repository' },
    token_policies: 'ci-read',
    token_ttl: '10m',
    token_max_ttl: '1h',
  });
});

after(async () => {
  await core.close();
});

test('login issues a token; renewal re-reads the role; deleting the role stops renewal', async () => {
  const jwt = await sign(key, claimsAt(now()));
  const login = await handle('update', 'auth/jwt/login', 'stale-token', { role: 'ci', jwt });
  const auth = login.auth;
  assert.ok(auth);
  assert.deepEqual(auth.policies, ['ci-read', 'default']);
  assert.deepEqual(auth.metadata, { repository: 'acme/api', role: 'ci' });
  assert.equal(auth.lease_duration, 600);
  assert.equal(auth.renewable, true);
  assert.notEqual(auth.entity_id, '');
  const token = String(auth.client_token);

  const self = await handle('read', 'auth/token/lookup-self', token);
  assert.equal(self.response?.data?.display_name, 'jwt-repo:acme/api:ref:refs/heads/main');
  assert.equal(self.response?.data?.path, 'auth/jwt/login');

  const caps = await handle('update', 'sys/capabilities-self', token, { paths: ['secret/data/ci/acme/api/db', 'secret/data/ci/other/x'] });
  assert.deepEqual(caps.response?.data?.['secret/data/ci/acme/api/db'], ['read'], 'templated on token metadata');
  assert.deepEqual(caps.response?.data?.['secret/data/ci/other/x'], ['deny']);

  const again = await handle('update', 'auth/jwt/login', '', { role: 'ci', jwt });
  assert.equal(again.auth?.entity_id, auth.entity_id, 'same user claim, same entity');

  await handle('update', 'auth/jwt/role/ci', root, { role_type: 'jwt', token_ttl: '5m' });
  const renewed = await handle('update', 'auth/token/renew-self', token);
  assert.equal(renewed.auth?.lease_duration, 300);

  await handle('delete', 'auth/jwt/role/ci', root);
  await assert.rejects(handle('update', 'auth/token/renew-self', token), (e: Error) => e.message.includes('role ci does not exist during renewal'));
  await handle('update', 'auth/jwt/role/ci', root, {
    role_type: 'jwt',
    user_claim: 'sub',
    bound_audiences: 'https://keep.example',
    bound_claims: { repository: 'acme/api' },
    token_policies: 'ci-read',
  });
});

test('a rejected login renders the decision-trace fields beside errors', async () => {
  const jwt = await sign(key, claimsAt(now(), { repository: 'evil/api' }));
  let caught: unknown;
  try {
    await handle('update', 'auth/jwt/login', '', { role: 'ci', jwt });
  } catch (e) {
    caught = e;
  }
  const rendered = renderError(caught);
  assert.equal(rendered.status, 400);
  assert.deepEqual(JSON.parse(String(rendered.body)), {
    errors: ['error validating claims: claim "repository" does not match any associated bound claim values'],
    reason_code: REASONS.CLAIM_MISMATCH,
    role: 'ci',
    claim: 'repository',
  });
});

test('explain needs sudo', async () => {
  await handle('update', 'sys/policy/explainer', root, { policy: 'path "auth/jwt/explain" { capabilities = ["update"] }' });
  const plain = (await handle('update', 'auth/token/create', root, { policies: ['explainer'] })).auth;
  await assert.rejects(handle('update', 'auth/jwt/explain', String(plain?.client_token), { claims: {} }), (e: Error) => e.message.includes('permission denied'));
  const r = await handle('update', 'auth/jwt/explain', root, { role: 'ci', jwt: await sign(key, claimsAt(now())) });
  const roles = r.response?.data?.roles as { accepted: boolean }[];
  assert.equal(roles[0].accepted, true);
});
