import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKeepError } from '../../errors.ts';
import type { LogicalResponse } from '../../framework/types.ts';
import { TIDY_RUNNING, TIDY_STARTED } from './backend.ts';
import { tokenRunner, type Call, type Runner } from './test-runner.ts';

async function rejects(p: Promise<unknown>, message: string, status = 400): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isKeepError(e), `expected KeepError, got ${String(e)}`);
    assert.equal(e.message, message);
    assert.equal(e.status, status);
    return true;
  });
}

const update = (path: string, token: string, data: Record<string, unknown> = {}, extra: Partial<Call> = {}): Call => ({
  operation: 'update',
  path,
  token,
  data,
  ...extra,
});

function tokenOf(resp: LogicalResponse | undefined): string {
  const t = resp?.authBlock?.client_token;
  assert.equal(typeof t, 'string');
  return t as string;
}

async function setup(): Promise<Runner & { rootToken: string }> {
  const r = await tokenRunner();
  return { ...r, rootToken: await r.root() };
}

describe('token backend: routing and special paths', () => {
  it('routes every endpoint of spec 1.3', async () => {
    const { compiled } = await setup();
    for (const p of [
      'create',
      'create-orphan',
      'create/ci',
      'lookup',
      'lookup-self',
      'lookup-accessor',
      'renew',
      'renew-self',
      'renew-accessor',
      'revoke',
      'revoke-self',
      'revoke-accessor',
      'revoke-orphan',
      'roles/',
      'roles',
      'roles/ci.v1',
      'accessors/',
      'tidy',
    ]) {
      assert.ok(compiled.route(p), p);
    }
    assert.deepEqual(compiled.route('create/ci')?.captures, { role_name: 'ci' });
    assert.equal(compiled.route('create/a/b'), undefined);
  });

  it('declares root-protected paths', async () => {
    const { compiled } = await setup();
    for (const p of ['revoke-orphan/x', 'accessors/', 'accessors']) assert.equal(compiled.isRootProtected(p), true, p);
    // The body form is checked by its handler, which answers with the spec's own 400 message.
    assert.equal(compiled.isRootProtected('revoke-orphan'), false);
    for (const p of ['revoke', 'create', 'lookup-self', 'roles/']) assert.equal(compiled.isRootProtected(p), false, p);
  });
});

describe('token backend: create', () => {
  it('returns the auth block with data null and parses fields', async () => {
    const r = await setup();
    const resp = await r.run(
      update('create', r.rootToken, { policies: 'a,b', ttl: '1h', meta: { repo: 'acme', n: 5 }, display_name: 'ci', num_uses: '3', renewable: 'false' }),
    );
    assert.equal(resp?.data, null);
    const auth = resp?.authBlock;
    assert.deepEqual(auth?.policies, ['a', 'b', 'default']);
    assert.equal(auth?.lease_duration, 3600);
    assert.equal(auth?.renewable, false);
    assert.equal(auth?.num_uses, 3);
    assert.deepEqual(auth?.metadata, { repo: 'acme', n: '5' });
    assert.equal(auth?.orphan, false);
  });

  it('create-orphan is orphan without sudo; no_parent needs sudo', async () => {
    const r = await setup();
    const limited = tokenOf(await r.run(update('create', r.rootToken, { policies: ['a'] })));
    const orphan = await r.run(update('create-orphan', limited, {}));
    assert.equal(orphan?.authBlock?.orphan, true);
    await rejects(r.run(update('create', limited, { no_parent: true })), 'root or sudo privileges required to create orphan token');
    const withSudo = await r.run(update('create', limited, { no_parent: true }, { sudo: true }));
    assert.equal(withSudo?.authBlock?.orphan, true);
  });

  it('create/:role uses the role; unknown role is a 400', async () => {
    const r = await setup();
    await r.run(update('roles/ci', r.rootToken, { allowed_policies: 'ci-read', orphan: true, token_period: '10m' }));
    const limited = tokenOf(await r.run(update('create', r.rootToken, { policies: ['x'] })));
    const resp = await r.run(update('create/ci', limited));
    assert.deepEqual(resp?.authBlock?.policies, ['ci-read', 'default']);
    assert.equal(resp?.authBlock?.orphan, true);
    assert.equal(resp?.authBlock?.lease_duration, 600);
    const entry = await r.store.lookup(tokenOf(resp));
    assert.equal(entry?.path, 'auth/token/create/ci');
    assert.equal(entry?.role, 'ci');
    await rejects(r.run(update('create/nope', limited)), 'unknown role nope');
  });

  it('warns about unknown parameters and missing policies', async () => {
    const r = await setup();
    r.policies.missing.add('ghost');
    const resp = await r.run(update('create', r.rootToken, { policies: ['ghost'], bogus: 1 }));
    assert.deepEqual(resp?.warnings, ['Policy "ghost" does not exist', 'Endpoint ignored these unrecognized parameters: [bogus]']);
  });

  it('a limited-use token cannot create children (Terraform case)', async () => {
    const r = await setup();
    const three = tokenOf(await r.run(update('create', r.rootToken, { policies: ['a'], num_uses: 3 })));
    await rejects(r.run(update('create', three)), 'restricted use token cannot generate child tokens');
    const one = tokenOf(await r.run(update('create', r.rootToken, { policies: ['a'], num_uses: 1 })));
    await rejects(r.run(update('create', one)), 'parent token lookup failed: no parent found');
  });
});

describe('token backend: lookup', () => {
  it('lookup-self (GET and POST) shows the decremented use count, -1 on the final use', async () => {
    const r = await setup();
    const t = tokenOf(await r.run(update('create', r.rootToken, { policies: ['a'], num_uses: 3 })));
    const first = await r.run({ operation: 'read', path: 'lookup-self', token: t });
    assert.equal(first?.data?.num_uses, 2);
    assert.equal(first?.data?.id, t);
    const second = await r.run(update('lookup-self', t));
    assert.equal(second?.data?.num_uses, 1);
    const last = await r.run(update('lookup-self', t));
    assert.equal(last?.data?.num_uses, -1);
    assert.equal(await r.store.lookupSelf(t), undefined, 'revoked after the final use');
  });

  it('lookup: GET ?token=, GET without token (self), POST; unknown is 403 bad token', async () => {
    const r = await setup();
    const other = tokenOf(await r.run(update('create', r.rootToken, { policies: ['a'] })));
    const viaGet = await r.run({ operation: 'read', path: 'lookup', token: r.rootToken, data: { token: other } });
    assert.equal(viaGet?.data?.id, other);
    const self = await r.run({ operation: 'read', path: 'lookup', token: r.rootToken });
    assert.equal(self?.data?.id, r.rootToken);
    const viaPost = await r.run(update('lookup', r.rootToken, { token: other }));
    assert.deepEqual(viaPost?.data?.policies, ['a', 'default']);
    await rejects(r.run(update('lookup', r.rootToken, { token: 'hvs.unknownunknownunknown00' })), 'bad token', 403);
  });

  it('lookup-accessor returns id "" ; missing and unknown accessors are 400', async () => {
    const r = await setup();
    const created = await r.run(update('create', r.rootToken, { policies: ['a'] }));
    const accessor = created?.authBlock?.accessor as string;
    const resp = await r.run(update('lookup-accessor', r.rootToken, { accessor }));
    assert.equal(resp?.data?.id, '');
    assert.equal(resp?.data?.accessor, accessor);
    await rejects(r.run(update('lookup-accessor', r.rootToken, {})), 'missing accessor');
    await rejects(r.run(update('lookup-accessor', r.rootToken, { accessor: 'nope' })), 'invalid accessor');
  });
});

describe('token backend: renew', () => {
  it('renew, renew-self and renew-accessor return auth blocks', async () => {
    const r = await setup();
    const t = tokenOf(await r.run(update('create', r.rootToken, { policies: ['a'], ttl: '1h' })));
    const renewed = await r.run(update('renew', r.rootToken, { token: t, increment: '30m' }));
    assert.equal(renewed?.data, null);
    assert.equal(renewed?.authBlock?.lease_duration, 1800);
    assert.equal(renewed?.authBlock?.client_token, t);
    const self = await r.run(update('renew-self', t, { increment: 60 }));
    assert.equal(self?.authBlock?.lease_duration, 60);
    const accessor = self?.authBlock?.accessor as string;
    const byAccessor = await r.run(update('renew-accessor', r.rootToken, { accessor, increment: 120 }));
    assert.equal(byAccessor?.authBlock?.client_token, '');
    assert.equal(byAccessor?.authBlock?.lease_duration, 120);
    await rejects(r.run(update('renew', r.rootToken, {})), 'missing token ID');
    await rejects(r.run(update('renew', r.rootToken, { token: 'hvs.unknownunknownunknown00' })), 'token not found');
    await rejects(r.run(update('renew-accessor', r.rootToken, {})), 'missing accessor');
    await rejects(r.run(update('renew-accessor', r.rootToken, { accessor: 'nope' })), 'invalid accessor');
    await rejects(r.run(update('renew-self', r.rootToken)), 'lease is not renewable');
  });

  it('renew-self on the final use: token not found', async () => {
    const r = await setup();
    const t = tokenOf(await r.run(update('create', r.rootToken, { policies: ['a'], num_uses: 1 })));
    await rejects(r.run(update('renew-self', t)), 'token not found');
  });
});

describe('token backend: revoke', () => {
  it('revoke is 204 also for unknown tokens; revoke-self; batch tokens refuse', async () => {
    const r = await setup();
    const t = tokenOf(await r.run(update('create', r.rootToken, { policies: ['a'] })));
    const child = tokenOf(await r.run(update('create', t)));
    assert.equal(await r.run(update('revoke', r.rootToken, { token: t })), undefined);
    assert.equal(await r.store.lookup(child), undefined);
    assert.equal(await r.run(update('revoke', r.rootToken, { token: 'hvs.unknownunknownunknown00' })), undefined);
    await rejects(r.run(update('revoke', r.rootToken, {})), 'missing token ID');
    const self = tokenOf(await r.run(update('create', r.rootToken, { policies: ['a'] })));
    assert.equal(await r.run(update('revoke-self', self)), undefined);
    assert.equal(await r.store.lookup(self), undefined);
    const batch = tokenOf(await r.run(update('create', r.rootToken, { policies: ['a'], type: 'batch' })));
    await rejects(r.run(update('revoke', r.rootToken, { token: batch })), 'batch tokens cannot be revoked');
    await rejects(r.run(update('revoke-self', batch)), 'batch tokens cannot be revoked');
  });

  it('revoke-accessor: 204, or 200 with a warning for unknown accessors', async () => {
    const r = await setup();
    const created = await r.run(update('create', r.rootToken, { policies: ['a'] }));
    const accessor = created?.authBlock?.accessor as string;
    assert.equal(await r.run(update('revoke-accessor', r.rootToken, { accessor })), undefined);
    assert.equal(await r.store.lookup(tokenOf(created)), undefined);
    const again = await r.run(update('revoke-accessor', r.rootToken, { accessor }));
    assert.deepEqual(again?.warnings, ['No token found with this accessor']);
    await rejects(r.run(update('revoke-accessor', r.rootToken, {})), 'missing accessor');
  });

  it('revoke-orphan needs sudo and keeps the children', async () => {
    const r = await setup();
    const parent = tokenOf(await r.run(update('create', r.rootToken, { policies: ['a'] })));
    const child = tokenOf(await r.run(update('create', parent)));
    await rejects(r.run(update('revoke-orphan', r.rootToken, {})), 'missing token ID');
    await rejects(r.run(update('revoke-orphan', parent, { token: parent })), 'root or sudo privileges required to revoke and orphan');
    await rejects(r.run(update('revoke-orphan', r.rootToken, { token: 'hvs.unknownunknownunknown00' })), 'token to revoke not found');
    assert.equal(await r.run(update('revoke-orphan', r.rootToken, { token: parent })), undefined);
    assert.equal(await r.store.lookup(parent), undefined);
    const orphaned = await r.run({ operation: 'read', path: 'lookup-self', token: child });
    assert.equal(orphaned?.data?.orphan, true);
  });
});

describe('token backend: roles, accessors, tidy', () => {
  it('roles CRUD with existence check, list, 404s and warnings', async () => {
    const r = await setup();
    assert.equal(await r.run({ operation: 'list', path: 'roles/', token: r.rootToken }), undefined);
    assert.equal(await r.run(update('roles/ci', r.rootToken, { allowed_policies: ['b', 'A'], token_type: 'default-batch' })), undefined);
    const read = await r.run({ operation: 'read', path: 'roles/ci', token: r.rootToken });
    assert.deepEqual(read?.data?.allowed_policies, ['a', 'b']);
    assert.equal(read?.data?.token_type, 'default-batch');
    assert.equal(read?.data?.renewable, true);
    // Update keeps what is omitted.
    await r.run(update('roles/ci', r.rootToken, { orphan: true }));
    const after = await r.run({ operation: 'read', path: 'roles/ci', token: r.rootToken });
    assert.deepEqual(after?.data?.allowed_policies, ['a', 'b']);
    assert.equal(after?.data?.orphan, true);
    const warned = await r.run(update('roles/ci', r.rootToken, { token_period: 60, period: 30 }));
    assert.deepEqual(warned?.warnings, ["Both 'token_period' and deprecated 'period' value supplied, ignoring the deprecated value"]);
    await rejects(r.run(update('roles/ci', r.rootToken, { token_type: null })), "Invalid 'token_type' value: null");
    await rejects(r.run(update('roles/ci', r.rootToken, { token_type: 'bogus' })), `invalid 'token_type' value "bogus"`);
    const list = await r.run({ operation: 'list', path: 'roles/', token: r.rootToken });
    assert.deepEqual(list?.data?.keys, ['ci']);
    assert.equal(await r.run({ operation: 'delete', path: 'roles/ci', token: r.rootToken }), undefined);
    assert.equal(await r.run({ operation: 'read', path: 'roles/ci', token: r.rootToken }), undefined);
  });

  it('role names are case-sensitive', async () => {
    const r = await setup();
    await r.run(update('roles/CI', r.rootToken, {}));
    assert.ok(await r.run({ operation: 'read', path: 'roles/CI', token: r.rootToken }));
    assert.equal(await r.run({ operation: 'read', path: 'roles/ci', token: r.rootToken }), undefined);
  });

  it('accessors lists accessors; tidy answers 202 then "already in progress"', async () => {
    const r = await setup();
    const created = await r.run(update('create', r.rootToken, { policies: ['a'] }));
    const list = await r.run({ operation: 'list', path: 'accessors/', token: r.rootToken });
    assert.ok((list?.data?.keys as string[]).includes(created?.authBlock?.accessor as string));
    const first = await r.run(update('tidy', r.rootToken));
    assert.equal(first?.status, 202);
    assert.deepEqual(first?.warnings, [TIDY_STARTED]);
    const second = await r.run(update('tidy', r.rootToken));
    assert.equal(second?.status, undefined);
    assert.deepEqual(second?.warnings, [TIDY_RUNNING]);
  });

  it('bound CIDRs from a role are enforced at the token check', async () => {
    const r = await setup();
    await r.run(update('roles/net', r.rootToken, { token_bound_cidrs: '10.0.0.0/8', allowed_policies: 'a' }));
    const t = tokenOf(await r.run(update('create/net', r.rootToken)));
    assert.ok(await r.run({ operation: 'read', path: 'lookup-self', token: t, remoteAddress: '10.1.1.1' }));
    await assert.rejects(r.run({ operation: 'read', path: 'lookup-self', token: t, remoteAddress: '192.168.0.1' }), /invalid token/);
  });
});
