/**
 * The token store through node-vault (spec/auth.md 1): create, lookup, lookup-self, renew-self,
 * revoke, revoke-self, cascade to children, TTL expiry (and the expiration worker), num_uses,
 * orphan creation needing sudo, and token roles.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { KeepServer } from '../helpers/server.ts';
import { sleep, startKeep, useKeepHooks } from '../helpers/server.ts';
import type { VaultClient } from '../helpers/node-vault.ts';
import { issuer, vaultClient, vaultFailure } from '../helpers/node-vault.ts';

useKeepHooks();

const T = { timeout: 120_000 };
let server: KeepServer;
let root: VaultClient;

before(async () => {
  server = await startKeep({ dev: true });
  root = vaultClient(server.addr, 'root');
});

interface Issued {
  token: string;
  accessor: string;
  policies: string[];
  leaseDuration: number;
}

/** Creates a token as `parent` (a fresh node-vault client: tokenCreate swaps the client's token). */
async function create(parent: string, args: Record<string, unknown>, orphan = false): Promise<Issued> {
  const c = issuer(server.addr, parent);
  const res = await (orphan ? c.tokenCreateOrphan(args) : c.tokenCreate(args));
  const auth = res.auth as { client_token: string; accessor: string; policies: string[]; lease_duration: number };
  assert.equal(typeof auth.client_token, 'string');
  return { token: auth.client_token, accessor: auth.accessor, policies: auth.policies, leaseDuration: auth.lease_duration };
}

function as(token: string): VaultClient {
  return vaultClient(server.addr, token);
}

test('tokenCreate, tokenLookup, tokenLookupSelf, tokenRenewSelf, tokenRevoke, tokenRevokeSelf', T, async () => {
  const t = await create('root', { policies: ['default'], ttl: '1h', meta: { job: 'e2e' }, display_name: 'e2e' });
  assert.match(t.token, /^hvs\.[A-Za-z0-9_-]{24,}$/);
  assert.match(t.accessor, /^[A-Za-z0-9]{24}$/);
  assert.deepEqual(t.policies, ['default']);
  assert.equal(t.leaseDuration, 3600);

  const look = await root.tokenLookup({ token: t.token });
  assert.equal(look.data.id, t.token);
  assert.equal(look.data.accessor, t.accessor);
  assert.deepEqual(look.data.policies, ['default']);
  assert.equal(look.data.path, 'auth/token/create');
  assert.deepEqual(look.data.meta, { job: 'e2e' });
  assert.equal(look.data.display_name, 'token-e2e');
  assert.equal(look.data.orphan, false);
  assert.equal(look.data.renewable, true);
  assert.equal(look.data.creation_ttl, 3600);
  assert.ok(look.data.ttl > 3500 && look.data.ttl <= 3600, `ttl ${look.data.ttl}`);
  assert.equal(look.data.type, 'service');

  const self = await as(t.token).tokenLookupSelf();
  assert.equal(self.data.id, t.token);
  assert.equal(self.data.accessor, t.accessor);

  const byAccessor = await root.tokenLookupAccessor({ accessor: t.accessor });
  assert.equal(byAccessor.data.id, '');
  assert.equal(byAccessor.data.accessor, t.accessor);

  // renew-self with an increment sets the TTL to that increment from now.
  const renewer = as(t.token);
  const renewed = await renewer.tokenRenewSelf({ increment: '2h' });
  assert.equal(renewed.auth.client_token, t.token);
  assert.equal(renewed.auth.lease_duration, 7200);
  const after = await root.tokenLookup({ token: t.token });
  assert.equal(after.data.creation_ttl, 3600, 'creation_ttl unchanged by renewal');
  assert.ok(after.data.ttl > 7100, `ttl after renew ${after.data.ttl}`);
  assert.equal(typeof after.data.last_renewal_time, 'number');

  // revoke by root: the token is gone; revoking again is still a success (204).
  await root.tokenRevoke({ token: t.token });
  const dead = await vaultFailure(as(t.token).tokenLookupSelf());
  assert.equal(dead.status, 403);
  const lookDead = await vaultFailure(root.tokenLookup({ token: t.token }));
  assert.equal(lookDead.status, 403);
  assert.match(lookDead.message, /bad token/);
  await root.tokenRevoke({ token: t.token });

  // revoke-self.
  const s = await create('root', { policies: ['default'], ttl: '1h' });
  await as(s.token).tokenRevokeSelf();
  const gone = await vaultFailure(as(s.token).tokenLookupSelf());
  assert.equal(gone.status, 403);
  assert.match(gone.message, /permission denied/);
});

test('revoking a parent revokes its children and grandchildren, not orphans', T, async () => {
  // A root child (inherits root) may make an orphan with no_parent.
  const parent = await create('root', { ttl: '1h' });
  const child = await create(parent.token, { ttl: '1h' });
  const grandchild = await create(child.token, { ttl: '1h' });
  const orphan = await create(parent.token, { ttl: '1h', no_parent: true });
  const orphan2 = await create(parent.token, { ttl: '1h' }, true);
  for (const t of [parent, child, grandchild, orphan, orphan2]) await as(t.token).tokenLookupSelf();
  assert.equal((await root.tokenLookup({ token: orphan.token })).data.orphan, true);
  assert.equal((await root.tokenLookup({ token: orphan2.token })).data.orphan, true);

  await root.tokenRevoke({ token: parent.token });
  for (const [name, t] of [
    ['parent', parent],
    ['child', child],
    ['grandchild', grandchild],
  ] as const) {
    const f = await vaultFailure(as(t.token).tokenLookupSelf());
    assert.equal(f.status, 403, `${name} still works after the parent was revoked`);
  }
  for (const t of [orphan, orphan2]) {
    const ok = await as(t.token).tokenLookupSelf();
    assert.equal(ok.data.id, t.token);
  }
});

test('a token with ttl=2s expires: lookup-self 403, and the expiration worker revokes it', T, async () => {
  const t = await create('root', { policies: ['default'], ttl: '2s' });
  const first = await as(t.token).tokenLookupSelf();
  assert.ok(first.data.ttl <= 2, `ttl ${first.data.ttl}`);
  await sleep(4000);
  const expired = await vaultFailure(as(t.token).tokenLookupSelf());
  assert.equal(expired.status, 403);
  // Revoked by the worker: its accessor is gone too (bounded wait for the worker's next run).
  const deadline = Date.now() + 15_000;
  let last: unknown;
  for (;;) {
    try {
      last = await root.tokenLookupAccessor({ accessor: t.accessor });
    } catch (e) {
      const f = e as { response?: { statusCode?: number } };
      assert.equal(f.response?.statusCode, 400, String(e));
      assert.match(String((e as Error).message), /invalid accessor/);
      break;
    }
    if (Date.now() > deadline) assert.fail(`accessor of an expired token still resolves: ${JSON.stringify(last)}`);
    await sleep(500);
  }
});

test('num_uses=2: the token works twice, then 403', T, async () => {
  const t = await create('root', { policies: ['default'], ttl: '1h', num_uses: 2 });
  const first = await as(t.token).tokenLookupSelf();
  assert.equal(first.data.num_uses, 1);
  const second = await as(t.token).tokenLookupSelf();
  assert.equal(second.data.num_uses, -1, 'the final use reports -1 (revocation pending)');
  const third = await vaultFailure(as(t.token).tokenLookupSelf());
  assert.equal(third.status, 403);
  // Gone for everyone else too.
  const look = await vaultFailure(root.tokenLookup({ token: t.token }));
  assert.equal(look.status, 403);
});

test('creating an orphan token needs sudo', T, async () => {
  await root.write('sys/policies/acl/token-maker', {
    policy: 'path "auth/token/create" { capabilities = ["create", "update"] }',
  });
  const maker = await create('root', { policies: ['token-maker'], ttl: '1h' });
  // Without no_parent it works (the child copies the parent's policies).
  const child = await create(maker.token, { ttl: '10m' });
  assert.deepEqual(child.policies, ['default', 'token-maker']);
  const f = await vaultFailure(issuer(server.addr, maker.token).tokenCreate({ ttl: '10m', no_parent: true }));
  assert.equal(f.status, 400);
  assert.match(f.message, /root or sudo privileges required to create orphan token/);
  // create-orphan itself is not allowed by this policy at all.
  const f2 = await vaultFailure(issuer(server.addr, maker.token).tokenCreateOrphan({ ttl: '10m' }));
  assert.equal(f2.status, 403);
  // A limited-use token cannot create children.
  const limited = await create('root', { policies: ['token-maker'], ttl: '1h', num_uses: 5 });
  const f3 = await vaultFailure(issuer(server.addr, limited.token).tokenCreate({ ttl: '10m' }));
  assert.equal(f3.status, 400);
  assert.match(f3.message, /restricted use token cannot generate child tokens/);
});

test('token roles: write, read, list, create through a role, delete', T, async () => {
  await root.write('auth/token/roles/ci', { allowed_policies: ['ci'], orphan: true, token_explicit_max_ttl: '1h' });
  const role = await root.read('auth/token/roles/ci');
  assert.equal(role.data.name, 'ci');
  assert.deepEqual(role.data.allowed_policies, ['ci']);
  assert.equal(role.data.orphan, true);
  assert.equal(role.data.renewable, true);
  assert.equal(role.data.token_explicit_max_ttl, 3600);
  assert.equal(role.data.token_type, 'default-service');
  assert.equal(role.data.path_suffix, '');

  const roles = await root.tokenRoles();
  assert.deepEqual(roles.data.keys, ['ci']);
  const listed = await root.list('auth/token/roles');
  assert.deepEqual(listed.data.keys, ['ci']);

  const c = issuer(server.addr, 'root');
  const res = await c.tokenCreateRole({ role_name: 'ci' });
  assert.deepEqual(res.auth.policies, ['ci', 'default']);
  assert.ok(res.auth.lease_duration <= 3600, `capped by the role's explicit max: ${res.auth.lease_duration}`);
  const look = await root.tokenLookup({ token: res.auth.client_token });
  assert.equal(look.data.role, 'ci');
  assert.equal(look.data.orphan, true);
  assert.equal(look.data.path, 'auth/token/create/ci');

  const unknown = await vaultFailure(issuer(server.addr, 'root').tokenCreateRole({ role_name: 'nope' }));
  assert.equal(unknown.status, 400);
  assert.match(unknown.message, /unknown role nope/);

  await root.removeTokenRole({ role_name: 'ci' });
  const missing = await vaultFailure(root.read('auth/token/roles/ci'));
  assert.equal(missing.status, 404);
});
