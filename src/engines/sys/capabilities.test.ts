import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeepError } from '../../errors.ts';
import { createSysBackend } from './backend.ts';
import { callerFor, FakeACL, makeFakes, makeRunner, tokenEntry } from './test-fakes.ts';

async function rejects(p: Promise<unknown>, status: number, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof KeepError, `expected KeepError, got ${String(e)}`);
    assert.equal(e.message, message);
    assert.equal(e.status, status);
    return true;
  });
}

function setup() {
  const fakes = makeFakes();
  const { run } = makeRunner(createSysBackend(fakes.services));
  const ci = fakes.tokens.add('hvs.ci', tokenEntry({ hash: 'h-ci', accessor: 'acc-ci', policies: ['default', 'ci'] }));
  fakes.acls.set('h-ci', new FakeACL(false, { 'secret/data/app': ['update', 'read', 'create'], 'secret/metadata/': ['list'] }));
  const root = fakes.tokens.add('hvs.root', tokenEntry({ hash: 'h-root', accessor: 'acc-root', policies: ['root'] }));
  return { ...fakes, run, ci, root };
}

describe('sys/capabilities*', () => {
  it('capabilities-self: one path adds `capabilities`, lists sorted', async () => {
    const { run, ci } = setup();
    const r = await run({ operation: 'update', path: 'capabilities-self', data: { paths: ['secret/data/app'] }, caller: callerFor(ci), clientToken: 'hvs.ci' });
    assert.deepEqual(r?.data, { 'secret/data/app': ['create', 'read', 'update'], capabilities: ['create', 'read', 'update'] });
  });

  it('several paths (comma string) give one key each and no `capabilities`', async () => {
    const { run, ci } = setup();
    const r = await run({ operation: 'update', path: 'capabilities-self', data: { paths: 'secret/data/app, secret/data/other' }, caller: callerFor(ci) });
    assert.deepEqual(r?.data, { 'secret/data/app': ['create', 'read', 'update'], 'secret/data/other': ['deny'] });
  });

  it('accepts the legacy `path` field', async () => {
    const { run, ci } = setup();
    const r = await run({ operation: 'update', path: 'capabilities-self', data: { path: 'secret/metadata/' }, caller: callerFor(ci) });
    assert.deepEqual(r?.data, { 'secret/metadata/': ['list'], capabilities: ['list'] });
  });

  it('sys/capabilities with a token; root reports ["root"]', async () => {
    const { run, root } = setup();
    const r = await run({ operation: 'update', path: 'capabilities', data: { token: 'hvs.ci', paths: ['secret/data/app'] }, caller: callerFor(root) });
    assert.deepEqual(r?.data?.capabilities, ['create', 'read', 'update']);
    const rr = await run({ operation: 'update', path: 'capabilities', data: { token: 'hvs.root', paths: ['anything'] }, caller: callerFor(root) });
    assert.deepEqual(rr?.data, { anything: ['root'], capabilities: ['root'] });
  });

  it('sys/capabilities-accessor', async () => {
    const { run, root } = setup();
    const r = await run({ operation: 'update', path: 'capabilities-accessor', data: { accessor: 'acc-ci', paths: 'secret/data/app' }, caller: callerFor(root) });
    assert.deepEqual(r?.data?.capabilities, ['create', 'read', 'update']);
  });

  it('rejects with Vault messages', async () => {
    const { run, root, ci } = setup();
    await rejects(run({ operation: 'update', path: 'capabilities-self', data: {}, caller: callerFor(ci) }), 400, 'paths must be supplied');
    await rejects(run({ operation: 'update', path: 'capabilities', data: { token: 'hvs.ci' }, caller: callerFor(root) }), 400, 'paths must be supplied');
    await rejects(run({ operation: 'update', path: 'capabilities', data: { token: 'hvs.nope', paths: ['a'] }, caller: callerFor(root) }), 400, 'invalid token');
    await rejects(run({ operation: 'update', path: 'capabilities', data: { paths: ['a'] } }), 400, 'no token found');
    await rejects(run({ operation: 'update', path: 'capabilities-accessor', data: { paths: ['a'] }, caller: callerFor(root) }), 400, 'missing accessor');
    await rejects(
      run({ operation: 'update', path: 'capabilities-accessor', data: { accessor: 'nope', paths: ['a'] }, caller: callerFor(root) }),
      400,
      'invalid accessor',
    );
    await rejects(run({ operation: 'update', path: 'capabilities-self', data: { paths: ['a'] } }), 400, 'invalid token');
  });

  it('sys/capabilities without a token field falls back to the caller token', async () => {
    const { run } = setup();
    const r = await run({ operation: 'update', path: 'capabilities', data: { paths: ['secret/data/app'] }, clientToken: 'hvs.ci' });
    assert.deepEqual(r?.data?.capabilities, ['create', 'read', 'update']);
  });
});
