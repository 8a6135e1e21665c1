import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LosslessNumber } from 'lossless-json';
import { mergePatch } from './merge-patch.ts';

test('RFC 7386: null deletes, objects merge recursively, arrays and scalars replace', () => {
  const target = { a: 'b', c: { d: 'e', f: 'g' }, list: [1, 2, 3], keep: true };
  const patch = { a: 'z', c: { f: null, h: 'i' }, list: [9], gone: null };
  assert.deepEqual(mergePatch(target, patch), { a: 'z', c: { d: 'e', h: 'i' }, list: [9], keep: true });
  assert.deepEqual(target.c, { d: 'e', f: 'g' }, 'the target is not mutated');
});

test('RFC 7386 appendix examples', () => {
  assert.deepEqual(mergePatch({ a: 'b' }, { a: 'c' }), { a: 'c' });
  assert.deepEqual(mergePatch({ a: 'b' }, { b: 'c' }), { a: 'b', b: 'c' });
  assert.deepEqual(mergePatch({ a: 'b' }, { a: null }), {});
  assert.deepEqual(mergePatch({ a: 'b', b: 'c' }, { a: null }), { b: 'c' });
  assert.deepEqual(mergePatch({ a: ['b'] }, { a: 'c' }), { a: 'c' });
  assert.deepEqual(mergePatch({ a: 'c' }, { a: ['b'] }), { a: ['b'] });
  assert.deepEqual(mergePatch({ a: { b: 'c' } }, { a: { b: 'd', c: null } }), { a: { b: 'd' } });
  assert.deepEqual(mergePatch({ a: [{ b: 'c' }] }, { a: [1] }), { a: [1] });
  assert.deepEqual(mergePatch(['a', 'b'], ['c', 'd']), ['c', 'd']);
  assert.deepEqual(mergePatch({ a: 'b' }, ['c']), ['c']);
  assert.equal(mergePatch({ a: 'foo' }, null), null);
  assert.equal(mergePatch({ a: 'foo' }, 'bar'), 'bar');
  assert.deepEqual(mergePatch({ e: null }, { a: 1 }), { e: null, a: 1 });
  assert.deepEqual(mergePatch([1, 2], { a: 'b', c: null }), { a: 'b' });
  assert.deepEqual(mergePatch({}, { a: { bb: { ccc: null } } }), { a: { bb: {} } });
});

test('lossless numbers are leaves, not objects to merge into', () => {
  const big = new LosslessNumber('12345678901234567890');
  const merged = mergePatch({ n: new LosslessNumber('1') }, { n: big }) as Record<string, unknown>;
  assert.equal(merged.n, big);
});
