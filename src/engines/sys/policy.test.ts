import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeepError } from '../../errors.ts';
import { createSysBackend } from './backend.ts';
import { makeFakes, makeRunner } from './test-fakes.ts';
import { decodePolicyText } from '../../core/policy/store.ts';

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
  return { ...fakes, run };
}

const POLICY = 'path "secret/data/app" {\n  capabilities = ["read"]\n}\n';

describe('sys/policies/acl', () => {
  it('lists stored names then root; hidden built-ins never listed', async () => {
    const { run, policies } = setup();
    policies.store.set('ci', POLICY);
    policies.store.set('response-wrapping', POLICY);
    const r = await run({ operation: 'list', path: 'policies/acl/' });
    assert.deepEqual(r?.data, { keys: ['ci', 'default', 'root'] });
  });

  it('writes, reads and deletes a policy; names are lower-cased with a warning', async () => {
    const { run, policies } = setup();
    assert.equal(await run({ operation: 'update', path: 'policies/acl/ci', data: { policy: POLICY } }), undefined);
    assert.equal(policies.store.get('ci'), POLICY);
    const r = await run({ operation: 'read', path: 'policies/acl/ci' });
    assert.deepEqual(r?.data, { name: 'ci', policy: POLICY });
    const w = await run({ operation: 'update', path: 'policies/acl/MyPol', data: { policy: POLICY } });
    assert.deepEqual(w, { warnings: ['policy name was converted to mypol'] });
    assert.ok(policies.store.has('mypol'));
    assert.equal(await run({ operation: 'delete', path: 'policies/acl/ci' }), undefined);
    assert.equal(policies.store.has('ci'), false);
    assert.equal(await run({ operation: 'delete', path: 'policies/acl/ci' }), undefined);
  });

  it('decodes a base64 policy body', async () => {
    const { run, policies } = setup();
    await run({ operation: 'update', path: 'policies/acl/b64', data: { policy: Buffer.from(POLICY).toString('base64') } });
    assert.equal(policies.store.get('b64'), POLICY);
  });

  it('reads root as empty rules and 404s (undefined) a missing policy', async () => {
    const { run } = setup();
    assert.deepEqual((await run({ operation: 'read', path: 'policies/acl/root' }))?.data, { name: 'root', policy: '' });
    assert.equal(await run({ operation: 'read', path: 'policies/acl/missing' }), undefined);
  });

  it('rejects bad writes and deletes with Vault messages', async () => {
    const { run } = setup();
    await rejects(run({ operation: 'update', path: 'policies/acl/x', data: {} }), 400, `'policy' parameter not supplied or empty`);
    await rejects(run({ operation: 'update', path: 'policies/acl/x', data: { policy: 'nonsense {' } }), 400, 'failed to parse policy: no path blocks');
    for (const name of ['root', 'response-wrapping', 'control-group']) {
      await rejects(run({ operation: 'update', path: `policies/acl/${name}`, data: { policy: POLICY } }), 400, `cannot update "${name}" policy`);
      await rejects(run({ operation: 'delete', path: `policies/acl/${name}` }), 400, `cannot delete "${name}" policy`);
    }
    await rejects(run({ operation: 'delete', path: 'policies/acl/default' }), 400, 'cannot delete default policy');
  });

  it('GET without list is not supported on the collection', async () => {
    const { run } = setup();
    await rejects(run({ operation: 'read', path: 'policies/acl' }), 405, '1 error occurred:\n\t* unsupported operation\n\n');
  });
});

describe('sys/policy (legacy)', () => {
  it('lists keys and policies (root last)', async () => {
    const { run } = setup();
    const r = await run({ operation: 'read', path: 'policy' });
    assert.deepEqual(r?.data, { keys: ['default', 'root'], policies: ['default', 'root'] });
  });

  it('reads the text under rules', async () => {
    const { run, policies } = setup();
    policies.store.set('ci', POLICY);
    assert.deepEqual((await run({ operation: 'read', path: 'policy/ci' }))?.data, { name: 'ci', rules: POLICY });
  });

  it('accepts policy, or rules with a deprecation warning', async () => {
    const { run, policies } = setup();
    assert.equal(await run({ operation: 'update', path: 'policy/a', data: { policy: POLICY } }), undefined);
    const r = await run({ operation: 'update', path: 'policy/b', data: { rules: POLICY } });
    assert.deepEqual(r, { warnings: [`'rules' is deprecated, please use 'policy' instead`] });
    assert.equal(policies.store.get('b'), POLICY);
    await rejects(run({ operation: 'update', path: 'policy/c', data: {} }), 400, `'policy' parameter not supplied or empty`);
  });

  it('deletes, with the same protections', async () => {
    const { run, policies } = setup();
    policies.store.set('ci', POLICY);
    assert.equal(await run({ operation: 'delete', path: 'policy/ci' }), undefined);
    assert.equal(policies.store.has('ci'), false);
    await rejects(run({ operation: 'delete', path: 'policy/default' }), 400, 'cannot delete default policy');
    await rejects(run({ operation: 'delete', path: 'policy/root' }), 400, 'cannot delete "root" policy');
  });
});

describe('decodePolicyText', () => {
  it('decodes only valid padded base64 of UTF-8 text', () => {
    assert.equal(decodePolicyText(Buffer.from('héllo').toString('base64')), 'héllo');
    assert.equal(decodePolicyText(POLICY), POLICY);
    assert.equal(decodePolicyText('abc'), 'abc');
    assert.equal(decodePolicyText(Buffer.from([0xff, 0xfe, 0xfd]).toString('base64')), '//79');
  });
});
