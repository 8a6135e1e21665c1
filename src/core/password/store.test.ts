import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeepError } from '../../errors.ts';
import { memoryView } from '../policy/test-helpers.ts';
import { parsePasswordPolicy, satisfiesPolicy } from './policy.ts';
import { PasswordPolicyStore } from './store.ts';

const POLICY = `length = 24
rule "charset" {
  charset   = "abcdefghijklmnopqrstuvwxyz"
  min-chars = 1
}
rule "charset" {
  charset   = "0123456789"
  min-chars = 2
}
`;

async function rejects(p: Promise<unknown>, status: number, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof KeepError, `expected KeepError, got ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    assert.equal(e.status, status);
    return true;
  });
}

describe('PasswordPolicyStore', () => {
  it('stores, reads, lists, generates and deletes', async () => {
    const view = memoryView();
    const store = new PasswordPolicyStore(view);
    await store.set('ci', POLICY);
    assert.equal(await store.get('ci'), POLICY);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(view.data.get('ci'))), { policy: POLICY });
    assert.deepEqual(await store.list(), ['ci']);
    const parsed = parsePasswordPolicy(POLICY);
    for (let i = 0; i < 100; i++) assert.ok(satisfiesPolicy(parsed, await store.generate('ci')));
    await store.delete('ci');
    assert.equal(await store.get('ci'), undefined);
    assert.deepEqual(await store.list(), []);
    await store.delete('ci');
  });

  it('decodes a base64 policy and stores the HCL text', async () => {
    const store = new PasswordPolicyStore(memoryView());
    await store.set('b64', Buffer.from(POLICY).toString('base64'));
    assert.equal(await store.get('b64'), POLICY);
  });

  it('uses the default generator for an empty or absent name', async () => {
    const store = new PasswordPolicyStore(memoryView());
    assert.match(await store.generate(), /^[A-Za-z0-9-]{20}$/);
    assert.match(await store.generate(''), /^[A-Za-z0-9-]{20}$/);
  });

  it('fails generation from a missing policy with 500 no password policy found', async () => {
    const store = new PasswordPolicyStore(memoryView());
    await rejects(store.generate('nope'), 500, 'no password policy found');
  });

  it('reports a corrupt stored policy', async () => {
    const view = memoryView();
    await view.putJSON('bad', { policy: 'length = 0' });
    await rejects(new PasswordPolicyStore(view).generate('bad'), 500, /^stored password policy is invalid: /);
  });

  it('sees writes made elsewhere after invalidate()', async () => {
    const view = memoryView();
    const store = new PasswordPolicyStore(view);
    await store.set('p', 'length = 5\nrule "charset" { charset = "a" }');
    assert.equal(await store.generate('p'), 'aaaaa');
    await view.putJSON('p', { policy: 'length = 5\nrule "charset" { charset = "b" }' });
    assert.equal(await store.generate('p'), 'aaaaa', 'cached');
    store.invalidate('p');
    assert.equal(await store.generate('p'), 'bbbbb');
  });

  it('rejects bad writes with Vault messages and stores nothing', async () => {
    const view = memoryView();
    const store = new PasswordPolicyStore(view);
    await rejects(store.set('x', ''), 400, 'missing policy');
    await rejects(store.set('', POLICY), 400, 'missing policy name');
    await rejects(store.set('x', 'length = 20\nrule "charset" {'), 400, /^invalid password policy: unable to decode: At 2:18/);
    await rejects(store.set('x', 'length = 20\nrule "nope" {}'), 400, /^invalid password policy: unable to parse rules/);
    await rejects(store.set('x', 'length = 101\nrule "charset" { charset = "abc" }'), 400, 'passwords must be between 4 and 100 characters');
    await rejects(store.set('x', 'length = 3\nrule "charset" { charset = "abc" }'), 400, 'passwords must be between 4 and 100 characters');
    await rejects(
      store.set('x', 'length = 8\nrule "charset" { charset = "abc" }\nrule "charset" { min-chars = 2 }'),
      400,
      'unable to construct test password from provided policy: are the rules impossible?',
    );
    assert.equal(view.data.size, 0);
  });

  it('rejects empty names on every operation', async () => {
    const store = new PasswordPolicyStore(memoryView());
    await rejects(store.get(''), 400, 'missing policy name');
    await rejects(store.delete(''), 400, 'missing policy name');
  });
});
