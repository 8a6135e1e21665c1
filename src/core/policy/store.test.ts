import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeepError } from '../../errors.ts';
import type { ACL, IdentityContext } from '../contracts.ts';
import { DEFAULT_POLICY, RESPONSE_WRAPPING_POLICY } from './builtin.ts';
import { decodePolicyText, normalizePolicyName, PolicyStore } from './store.ts';
import { memoryView, rule } from './test-helpers.ts';

async function rejects(p: Promise<unknown>, message: string | RegExp, status = 400): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof KeepError);
    assert.equal(e.status, status);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

const allowed = (acl: ACL, operation: 'read' | 'update' | 'create' | 'list', path: string) =>
  acl.allowOperation({ operation, path, data: {}, wrapTTL: 0 }).allowed;

test('setupBuiltins creates default once and rewrites response-wrapping', async () => {
  const view = memoryView();
  const store = new PolicyStore(view);
  await store.setupBuiltins();
  assert.equal(await store.get('default'), DEFAULT_POLICY);
  assert.equal(await store.get('response-wrapping'), RESPONSE_WRAPPING_POLICY);
  const edited = rule('custom/*', ['read']);
  await store.set('default', edited);
  await view.putJSON('response-wrapping', { name: 'response-wrapping', policy: rule('*', ['sudo']) });
  await store.setupBuiltins();
  assert.equal(await store.get('default'), edited, 'an edited default is never overwritten');
  assert.equal(await store.get('response-wrapping'), RESPONSE_WRAPPING_POLICY, 'response-wrapping is rewritten');
});

test('list: stored names sorted, without root, response-wrapping or control-group', async () => {
  const view = memoryView();
  const store = new PolicyStore(view);
  await store.setupBuiltins();
  await store.set('zeta', rule('a', ['read']));
  await store.set('Alpha', rule('a', ['read']));
  await store.set('team/ci', rule('a', ['read']));
  await view.putJSON('control-group', { name: 'control-group', policy: '' });
  assert.deepEqual(await store.list(), ['alpha', 'default', 'team/ci', 'zeta']);
});

test('get: root is empty, unknown is undefined, names are case-insensitive', async () => {
  const store = new PolicyStore(memoryView());
  assert.equal(await store.get('root'), '');
  assert.equal(await store.get(' ROOT '), '');
  assert.equal(await store.get('missing'), undefined);
  await store.set('  MyPolicy ', rule('a', ['read']));
  assert.equal(await store.get('mypolicy'), rule('a', ['read']));
  assert.equal(await store.get('MYPOLICY'), rule('a', ['read']));
  assert.equal(normalizePolicyName('  Ab C '), 'ab c');
});

test('set: reserved names, empty text and invalid text are refused with Vault messages', async () => {
  const store = new PolicyStore(memoryView());
  for (const name of ['root', 'response-wrapping', 'control-group', ' Root ']) {
    await rejects(store.set(name, rule('a', ['read'])), `cannot update "${normalizePolicyName(name)}" policy`);
  }
  await rejects(store.set('p', ''), "'policy' parameter not supplied or empty");
  await rejects(store.set('p', 'path "a" { capabilities = ["fly"] }'), 'failed to parse policy: path "a": invalid capability "fly"');
  await rejects(store.set('p', 'path "a" {'), /^failed to parse policy: At 1:12: /);
  await rejects(store.set('   ', rule('a', ['read'])), 'policy name must be provided');
  assert.equal(await store.get('p'), undefined, 'nothing stored on failure');
});

test('delete: default and reserved names refused; idempotent otherwise', async () => {
  const store = new PolicyStore(memoryView());
  await store.setupBuiltins();
  await rejects(store.delete('default'), 'cannot delete default policy');
  await rejects(store.delete(' Default '), 'cannot delete default policy');
  for (const name of ['root', 'response-wrapping', 'control-group']) await rejects(store.delete(name), `cannot delete "${name}" policy`);
  await store.set('p', rule('a', ['read']));
  await store.delete('P');
  assert.equal(await store.get('p'), undefined);
  await store.delete('p');
  await store.delete('never-existed');
});

test('acl: root, unknown names ignored, root mixed with others is an error', async () => {
  const store = new PolicyStore(memoryView());
  const root = await store.acl(['root']);
  assert.equal(root.isRoot, true);
  assert.deepEqual(root.capabilities('anything'), ['root']);
  await store.set('reader', rule('secret/*', ['read']));
  const acl = await store.acl(['reader', 'does-not-exist']);
  assert.equal(acl.isRoot, false);
  assert.equal(allowed(acl, 'read', 'secret/x'), true);
  assert.deepEqual((await store.acl(['nope'])).capabilities('secret/x'), ['deny']);
  assert.deepEqual((await store.acl([])).capabilities('secret/x'), ['deny']);
  await rejects(store.acl(['root', 'reader']), 'other policies present along with root', 500);
});

test('acl: cached by policy set; policy writes apply on the next call', async () => {
  const store = new PolicyStore(memoryView());
  await store.set('p', rule('secret/*', ['read']));
  await store.set('q', rule('other/*', ['read']));
  const a1 = await store.acl(['p', 'q']);
  assert.equal(await store.acl(['q', 'P']), a1, 'same ACL instance for the same set');
  await store.set('p', rule('secret/*', ['deny']));
  const a2 = await store.acl(['p', 'q']);
  assert.notEqual(a2, a1);
  assert.equal(allowed(a2, 'read', 'secret/x'), false);
  await store.delete('p');
  const a3 = await store.acl(['p', 'q']);
  assert.deepEqual(a3.capabilities('secret/x'), ['deny']);
  assert.equal(allowed(a3, 'read', 'other/x'), true);
  store.invalidate();
  assert.notEqual(await store.acl(['p', 'q']), a3, 'invalidate() clears the cache');
});

test('acl: response-wrapping is usable by wrapping tokens', async () => {
  const store = new PolicyStore(memoryView());
  const acl = await store.acl(['response-wrapping']);
  assert.equal(allowed(acl, 'update', 'sys/wrapping/unwrap'), true);
  assert.equal(allowed(acl, 'create', 'cubbyhole/response'), true);
  assert.equal(allowed(acl, 'read', 'cubbyhole/response'), true);
  assert.equal(allowed(acl, 'read', 'cubbyhole/other'), false);
});

test('acl: templated policies resolve per identity; unresolvable paths are dropped', async () => {
  const store = new PolicyStore(memoryView());
  await store.setupBuiltins();
  await store.set(
    'ci',
    rule('secret/data/ci/{{identity.entity.aliases.auth_jwt_1.metadata.repository}}/*', ['read']) +
      rule('secret/data/run/{{token.metadata.run}}', ['read']) +
      rule('secret/data/shared/*', ['read']),
  );
  const who = (repo: string, run?: string): IdentityContext => ({
    entity: { id: 'e1', name: 'n1', metadata: {}, aliases: [{ id: 'a1', name: repo, mountAccessor: 'auth_jwt_1', metadata: { repository: repo } }] },
    groups: [],
    tokenMetadata: run === undefined ? {} : { run },
  });
  const a = await store.acl(['ci', 'default'], who('octo/app', '7'));
  assert.equal(allowed(a, 'read', 'secret/data/ci/octo/app/db'), true);
  assert.equal(allowed(a, 'read', 'secret/data/ci/octo/other/db'), false);
  assert.equal(allowed(a, 'read', 'secret/data/run/7'), true);
  assert.equal(allowed(a, 'read', 'identity/entity/id/e1'), true, 'default policy templates resolve');
  assert.equal(allowed(a, 'read', 'identity/entity/name/n1'), true);
  const b = await store.acl(['ci', 'default'], who('octo/other'));
  assert.notEqual(a, b);
  assert.equal(allowed(b, 'read', 'secret/data/ci/octo/other/db'), true);
  assert.equal(allowed(b, 'read', 'secret/data/ci/octo/app/db'), false);
  assert.equal(allowed(b, 'read', 'secret/data/run/7'), false, 'missing token metadata drops the path');
  assert.equal(await store.acl(['ci', 'default'], who('octo/app', '7')), a, 'same resolution -> cached ACL');
  const glob = await store.acl(['ci'], who('octo/*'));
  assert.equal(allowed(glob, 'read', 'secret/data/ci/octo/app/db'), false, 'a value with * is dropped');
  const none = await store.acl(['ci', 'default']);
  assert.equal(allowed(none, 'read', 'secret/data/ci/octo/app/db'), false);
  assert.equal(allowed(none, 'read', 'secret/data/shared/x'), true, 'other paths of the policy still apply');
  assert.equal(allowed(none, 'update', 'auth/token/lookup-self'), false);
  assert.equal(allowed(none, 'read', 'auth/token/lookup-self'), true);
});

test('decodePolicyText: standard base64 of UTF-8 text is decoded, anything else kept', () => {
  const hcl = rule('secret/*', ['read']);
  const b64 = Buffer.from(hcl).toString('base64');
  assert.equal(decodePolicyText(b64), hcl);
  assert.equal(decodePolicyText(b64.replace(/(.{16})/g, '$1\n')), hcl, 'line breaks ignored');
  assert.equal(decodePolicyText(hcl), hcl);
  assert.equal(decodePolicyText('abcd'), 'abcd', 'decodes to invalid UTF-8 -> kept');
  assert.equal(decodePolicyText(Buffer.from('héllo').toString('base64')), 'héllo');
  assert.equal(decodePolicyText('YWJj'), 'abc');
  assert.equal(decodePolicyText('YWJ'), 'YWJ', 'unpadded -> kept');
  assert.equal(decodePolicyText('YW=j'), 'YW=j', 'padding inside -> kept');
  assert.equal(decodePolicyText('YWJj_-=='), 'YWJj_-==', 'URL alphabet -> kept');
  assert.equal(decodePolicyText(''), '');
});
