import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyLock } from './key-lock.ts';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

test('runs work on one key strictly one after another, in arrival order', async () => {
  const lock = new KeyLock();
  const events: string[] = [];
  const job = (name: string) =>
    lock.run('k', async () => {
      events.push(`start ${name}`);
      await tick();
      await tick();
      events.push(`end ${name}`);
      return name;
    });
  const results = await Promise.all([job('a'), job('b'), job('c')]);
  assert.deepEqual(results, ['a', 'b', 'c']);
  assert.deepEqual(events, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  assert.equal(lock.size, 0);
});

test('different keys do not wait on each other', async () => {
  const lock = new KeyLock();
  const events: string[] = [];
  let releaseA!: () => void;
  const a = lock.run('a', async () => {
    events.push('a start');
    await new Promise<void>((resolve) => {
      releaseA = resolve;
    });
    events.push('a end');
  });
  await lock.run('b', async () => {
    events.push('b');
  });
  releaseA();
  await a;
  assert.deepEqual(events, ['a start', 'b', 'a end']);
});

test('a failing job releases the key for the next one', async () => {
  const lock = new KeyLock();
  const failed = lock.run('k', async () => {
    throw new Error('boom');
  });
  const next = lock.run('k', async () => 'ok');
  await assert.rejects(failed, /boom/);
  assert.equal(await next, 'ok');
  assert.equal(lock.size, 0);
});

test('unchangedSince: false once a run on that key finished after the mark', async () => {
  const lock = new KeyLock();
  await lock.run('k', async () => undefined);
  const mark = lock.mark();
  assert.equal(lock.unchangedSince('k', mark), true);
  await lock.run('other', async () => undefined);
  assert.equal(lock.unchangedSince('k', mark), true);
  await lock.run('k', async () => undefined);
  assert.equal(lock.unchangedSince('k', mark), false);
  assert.equal(lock.unchangedSince('k', lock.mark()), true);
});

test('unchangedSince: a run in progress at the mark counts as a change once it finishes', async () => {
  const lock = new KeyLock();
  let finish!: () => void;
  const holder = lock.run('k', () => new Promise<void>((resolve) => (finish = resolve)));
  const mark = lock.mark();
  const seen: boolean[] = [];
  const next = lock.run('k', async () => {
    seen.push(lock.unchangedSince('k', mark));
  });
  finish();
  await holder;
  await next;
  assert.deepEqual(seen, [false]);
});

test('unchangedSince: forgotten history counts as changed', async () => {
  const lock = new KeyLock();
  const mark = lock.mark();
  await lock.run('k', async () => undefined);
  for (let i = 0; i < 5000; i++) await lock.run(`other-${i}`, async () => undefined);
  assert.equal(lock.unchangedSince('k', mark), false);
  assert.equal(lock.unchangedSince('never-run', mark), false);
  assert.equal(lock.unchangedSince('never-run', lock.mark()), true);
});
