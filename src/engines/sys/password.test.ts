import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeepError } from '../../errors.ts';
import { PasswordPolicyStore } from '../../core/password/store.ts';
import { memoryView } from '../../core/policy/test-helpers.ts';
import { passwordPolicyPaths } from './password.ts';
import { makeRunner } from './test-fakes.ts';

const POLICY = 'length = 12\nrule "charset" {\n  charset = "abc"\n  min-chars = 1\n}\n';

function setup() {
  const store = new PasswordPolicyStore(memoryView());
  const { run } = makeRunner({ type: 'system', paths: passwordPolicyPaths(store) });
  return { store, run };
}

async function rejects(p: Promise<unknown>, status: number, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof KeepError, `expected KeepError, got ${String(e)}`);
    assert.equal(e.message, message);
    assert.equal(e.status, status);
    return true;
  });
}

describe('sys/policies/password', () => {
  it('writes (204), reads, generates, lists and deletes', async () => {
    const { run } = setup();
    assert.equal(await run({ operation: 'update', path: 'policies/password/ci', data: { policy: POLICY } }), undefined);
    assert.deepEqual((await run({ operation: 'read', path: 'policies/password/ci' }))?.data, { policy: POLICY });
    const g = await run({ operation: 'read', path: 'policies/password/ci/generate' });
    assert.match(String(g?.data?.password), /^[abc]{12}$/);
    assert.deepEqual((await run({ operation: 'list', path: 'policies/password/' }))?.data, { keys: ['ci'] });
    assert.equal(await run({ operation: 'delete', path: 'policies/password/ci' }), undefined);
    await rejects(run({ operation: 'read', path: 'policies/password/ci' }), 404, 'policy does not exist');
  });

  it('accepts create as a write and a base64 body', async () => {
    const { run, store } = setup();
    await run({ operation: 'create', path: 'policies/password/b', data: { policy: Buffer.from(POLICY).toString('base64') } });
    assert.equal(await store.get('b'), POLICY);
  });

  it('404s generate for a missing policy', async () => {
    const { run } = setup();
    await rejects(run({ operation: 'read', path: 'policies/password/none/generate' }), 404, 'policy does not exist');
  });

  it('rejects bad policies with 400 and the spec messages', async () => {
    const { run } = setup();
    await rejects(run({ operation: 'update', path: 'policies/password/x', data: {} }), 400, 'missing policy');
    await rejects(
      run({ operation: 'update', path: 'policies/password/x', data: { policy: 'length = 200\nrule "charset" { charset = "a" }' } }),
      400,
      'passwords must be between 4 and 100 characters',
    );
    await assert.rejects(run({ operation: 'update', path: 'policies/password/x', data: { policy: 'length = ' } }), /invalid password policy: /);
  });
});
