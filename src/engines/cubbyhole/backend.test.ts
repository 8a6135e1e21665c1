import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harness, render, testCaller, testMount } from '../kv/test-harness.ts';
import { createCubbyholeBackend, cubbyholeKey, destroyCubbyhole } from './backend.ts';

const mount = () => testMount('cubbyhole/', 'cubbyhole', null);
const alice = testCaller('c-alice');
const bob = testCaller('c-bob');

test('write, read, list, delete under the caller own prefix', async () => {
  const h = await harness(createCubbyholeBackend, mount());
  const w = await h.call('update', 'secret', { token: 'abc' }, alice);
  assert.equal(w.operation, 'create');
  assert.equal(w.response, undefined);
  assert.equal((await h.call('update', 'secret', { token: 'def' }, alice)).operation, 'update');
  await h.call('update', 'dir/inner', { x: 'y' }, alice);
  const r = await h.call('read', 'secret', {}, alice);
  assert.deepEqual(r.response, { data: { token: 'def' } }, 'no lease duration reported');
  assert.deepEqual((await h.call('list', '', {}, alice)).response, { data: { keys: ['dir/', 'secret'] } });
  assert.deepEqual((await h.call('list', 'dir/', {}, alice)).response, { data: { keys: ['inner'] } });
  await h.call('delete', 'secret', {}, alice);
  assert.equal((await h.call('read', 'secret', {}, alice)).response, undefined);
  assert.deepEqual(await h.storage.keys(), ['c-alice/dir/inner']);
});

test('two callers never see each other', async () => {
  const h = await harness(createCubbyholeBackend, mount());
  await h.call('update', 'shared-name', { owner: 'alice' }, alice);
  await h.call('update', 'shared-name', { owner: 'bob' }, bob);
  assert.deepEqual((await h.call('read', 'shared-name', {}, alice)).response?.data, { owner: 'alice' });
  assert.deepEqual((await h.call('read', 'shared-name', {}, bob)).response?.data, { owner: 'bob' });
  await h.call('update', 'only-alice', { a: '1' }, alice);
  assert.equal((await h.call('read', 'only-alice', {}, bob)).response, undefined);
  assert.deepEqual((await h.call('list', '', {}, bob)).response?.data?.keys, ['shared-name']);
  assert.equal((await h.call('update', 'only-alice', { b: '2' }, bob)).operation, 'create', 'existence is per caller');
  await h.call('delete', 'shared-name', {}, bob);
  assert.deepEqual((await h.call('read', 'shared-name', {}, alice)).response?.data, { owner: 'alice' });
});

test('without a caller (or with an unusable cubbyhole id) every operation is denied', async () => {
  const h = await harness(createCubbyholeBackend, mount());
  for (const op of ['read', 'update', 'delete', 'list'] as const) {
    const e = await h.fail(op, 'x', { a: 'b' });
    assert.equal(e.status, 403, op);
  }
  const e = await h.fail('read', 'x', {}, testCaller(''));
  assert.equal(e.status, 403);
  const slash = await h.fail('read', 'x', {}, testCaller('a/b'));
  assert.equal(slash.status, 403);
});

test('KV v1 semantics: empty write rejected, patch unsupported, numbers verbatim', async () => {
  const h = await harness(createCubbyholeBackend, mount());
  const empty = await h.fail('update', 'k', {}, alice);
  assert.equal(empty.status, 400);
  assert.equal(empty.message, 'missing data fields');
  const patch = await h.fail('patch', 'k', { a: 'b' }, alice);
  assert.equal(patch.status, 405);
  await h.call('update', 'n', '{"big": 12345678901234567890, "one": 1.0}', alice);
  assert.equal(render((await h.call('read', 'n', {}, alice)).response?.data), '{"big":12345678901234567890,"one":1.0}');
  assert.equal((await h.call('list', 'nothing/', {}, alice)).response, undefined);
});

test('entries core writes with putJSON are readable; destroyCubbyhole removes one cubbyhole', async () => {
  const h = await harness(createCubbyholeBackend, mount());
  await h.storage.putJSON(cubbyholeKey('c-alice', 'response'), { response: '{"request_id":"x"}' });
  assert.deepEqual((await h.call('read', 'response', {}, alice)).response?.data, { response: '{"request_id":"x"}' });
  await h.call('update', 'mine', { b: '1' }, bob);
  for (let i = 0; i < 300; i++) await h.call('update', `many/${i}`, { i: String(i) }, alice);
  await destroyCubbyhole(h.storage, 'c-alice');
  assert.deepEqual(await h.storage.keys(), ['c-bob/mine']);
});
