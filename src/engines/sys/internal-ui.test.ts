import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeepError } from '../../errors.ts';
import { createSysBackend } from './backend.ts';
import { callerFor, FakeACL, makeFakes, makeRunner, mountEntry, tokenEntry } from './test-fakes.ts';

async function rejects(p: Promise<unknown>, status: number, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof KeepError, `expected KeepError, got ${String(e)}`);
    assert.equal(e.message, message);
    assert.equal(e.status, status);
    return true;
  });
}

const preflight = (p: string) => `preflight capability check returned 403, please ensure client's policies grant access to path "${p}"`;

function setup() {
  const fakes = makeFakes();
  const { run } = makeRunner(createSysBackend(fakes.services));
  fakes.mounts.secret.push(
    mountEntry('public/', 'kv', { description: 'pub', options: { version: '1' }, config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false, listing_visibility: 'unauth' } }),
  );
  fakes.mounts.auth.push(mountEntry('jwt/', 'jwt', { accessor: 'auth_jwt_1a2b3c4d', config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false, token_type: 'default-service' } }));
  const ci = fakes.tokens.add('hvs.ci', tokenEntry({ hash: 'h-ci', policies: ['default', 'ci'] }));
  fakes.acls.set('h-ci', new FakeACL(false, { 'secret/data/ci/app': ['read'], 'auth/jwt/login': ['update'] }));
  const none = fakes.tokens.add('hvs.none', tokenEntry({ hash: 'h-none', policies: ['default'] }));
  const root = fakes.tokens.add('hvs.root', tokenEntry({ hash: 'h-root', policies: ['root'] }));
  return { ...fakes, run, ci, none, root };
}

describe('sys/internal/ui/mounts', () => {
  it('without a token lists only listing_visibility=unauth mounts, short form', async () => {
    const { run } = setup();
    const r = await run({ operation: 'read', path: 'internal/ui/mounts' });
    assert.deepEqual(r?.data, { secret: { 'public/': { type: 'kv', description: 'pub', options: { version: '1' } } }, auth: {} });
  });

  it('with a token adds every reachable mount as full mount info', async () => {
    const { run, ci } = setup();
    const r = await run({ operation: 'read', path: 'internal/ui/mounts', caller: callerFor(ci), clientToken: 'hvs.ci' });
    const data = r?.data as { secret: Record<string, Record<string, unknown>>; auth: Record<string, Record<string, unknown>> };
    assert.deepEqual(Object.keys(data.secret).sort(), ['public/', 'secret/']);
    assert.equal(data.secret['secret/'].accessor, 'kv_1234abcd');
    assert.deepEqual(Object.keys(data.auth), ['jwt/']);
  });

  it('root sees everything', async () => {
    const { run, root } = setup();
    const r = await run({ operation: 'read', path: 'internal/ui/mounts', caller: callerFor(root) });
    const data = r?.data as { secret: Record<string, unknown>; auth: Record<string, unknown> };
    assert.deepEqual(Object.keys(data.secret).sort(), ['cubbyhole/', 'identity/', 'public/', 'secret/', 'sys/']);
    assert.deepEqual(Object.keys(data.auth).sort(), ['jwt/', 'token/']);
  });

  it('an invalid token is refused', async () => {
    const { run } = setup();
    await rejects(run({ operation: 'read', path: 'internal/ui/mounts', clientToken: 'hvs.bogus' }), 403, '2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n');
  });
});

describe('sys/internal/ui/mounts/<path>', () => {
  it('returns mount info + path when the token reaches into the mount', async () => {
    const { run, ci } = setup();
    const r = await run({ operation: 'read', path: 'internal/ui/mounts/secret/ci/app', caller: callerFor(ci), clientToken: 'hvs.ci' });
    assert.equal(r?.data?.path, 'secret/');
    assert.deepEqual(r?.data?.options, { version: '2' });
    assert.equal(r?.data?.type, 'kv');
    const a = await run({ operation: 'read', path: 'internal/ui/mounts/auth/jwt', caller: callerFor(ci) });
    assert.equal(a?.data?.path, 'auth/jwt/');
    assert.equal(a?.data?.type, 'jwt');
  });

  it('403s with the preflight message: no token, no access, no mount, disabled entity', async () => {
    const { run, none, ci, entities, tokens } = setup();
    await rejects(run({ operation: 'read', path: 'internal/ui/mounts/secret/app' }), 403, preflight('secret/app/'));
    await rejects(run({ operation: 'read', path: 'internal/ui/mounts/secret/app', clientToken: 'hvs.bogus' }), 403, preflight('secret/app/'));
    await rejects(run({ operation: 'read', path: 'internal/ui/mounts/secret/app', caller: callerFor(none) }), 403, preflight('secret/app/'));
    await rejects(run({ operation: 'read', path: 'internal/ui/mounts/nomount/x', caller: callerFor(ci) }), 403, preflight('nomount/x/'));
    const dis = tokens.add('hvs.dis', tokenEntry({ hash: 'h-ci', accessor: 'acc-dis', entityId: 'ent-1' }));
    tokens.byRaw.delete('hvs.ci');
    entities.set('ent-1', { id: 'ent-1', name: 'e', metadata: {}, policies: [], disabled: true, creationTime: '', lastUpdateTime: '' });
    await rejects(run({ operation: 'read', path: 'internal/ui/mounts/secret/ci/app', caller: callerFor(dis) }), 403, preflight('secret/ci/app/'));
  });
});
