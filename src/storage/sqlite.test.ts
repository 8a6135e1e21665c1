import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPhysicalContract } from './contract-suite.ts';
import { openSqlite, prefixUpperBound } from './sqlite.ts';
import type { SqlitePhysical } from './sqlite.ts';

const dir = mkdtempSync(join(tmpdir(), 'keep-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `db-${++n}`, 'keep.db');
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (v: Uint8Array | undefined) => (v === undefined ? undefined : new TextDecoder().decode(v));

runPhysicalContract('sqlite', async () => {
  const physical = openSqlite(freshPath());
  return { physical, cleanup: () => physical.close() };
});

test('sqlite: writes survive close and reopen', async () => {
  const path = freshPath();
  const a = openSqlite(path);
  assert.equal(a.type, 'sqlite');
  await a.put('d/one', bytes('1'));
  await a.transaction([
    { op: 'put', key: 'd/two', value: bytes('2') },
    { op: 'put', key: 'd/three', value: bytes('3') },
  ]);
  await a.delete('d/three');
  const pending = a.put('d/queued', bytes('q')); // still queued when close() is called
  await a.close();
  await pending;
  await assert.rejects(a.get('d/one'), /closed/);
  await assert.rejects(a.put('d/x', bytes('x')), /closed/);
  const b = openSqlite(path);
  assert.deepEqual(await b.list('d/'), ['one', 'queued', 'two']);
  assert.equal(text(await b.get('d/two')), '2');
  await b.close();
});

test('sqlite: two instances on one file see each other\'s writes', async () => {
  const path = freshPath();
  const a = openSqlite(path);
  const b = openSqlite(path);
  await a.put('shared/x', bytes('from a'));
  assert.equal(text(await b.get('shared/x')), 'from a');
  await b.put('shared/x', bytes('from b'));
  assert.equal(text(await a.get('shared/x')), 'from b');
  await b.transaction([{ op: 'put', key: 'shared/y', value: bytes('y') }]);
  assert.deepEqual(await a.list('shared/'), ['x', 'y']);
  await a.delete('shared/y');
  assert.equal(await b.get('shared/y'), undefined);
  // interleaved batches from both instances
  await Promise.all([a.put('shared/a1', bytes('1')), b.put('shared/b1', bytes('1')), a.put('shared/a2', bytes('2'))]);
  assert.deepEqual(await b.list('shared/'), ['a1', 'a2', 'b1', 'x']);
  await a.close();
  await b.close();
});

test('sqlite: 1000 concurrent puts all resolve and are present after reopen', async () => {
  const path = freshPath();
  const a = openSqlite(path);
  const writes: Promise<void>[] = [];
  for (let i = 0; i < 1000; i++) writes.push(a.put(`many/${String(i).padStart(4, '0')}`, bytes(String(i))));
  await Promise.all(writes);
  await a.close();
  const b = openSqlite(path);
  const entries = await b.scan('many/');
  assert.equal(entries.length, 1000);
  entries.forEach((e, i) => assert.equal(text(e.value), String(i)));
  await b.close();
});

test('sqlite: a rejected op list in a batch fails alone', async () => {
  const p = openSqlite(freshPath());
  const results = await Promise.allSettled([
    p.put('b/a', bytes('a')),
    p.transaction([
      { op: 'put', key: 'b/t1', value: bytes('t') },
      { op: 'put', key: '', value: bytes('bad key') },
    ]),
    p.put('b/c', bytes('c')),
  ]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.deepEqual(await p.list('b/'), ['a', 'c']);
  await p.close();
});

test('sqlite: an op list failing inside SQLite rolls back to its savepoint only', async () => {
  const p = openSqlite(freshPath());
  // Inject a failure in the put statement for one key (simulates an SQLite error mid-list).
  const inner = p as unknown as { stPut: { run: (key: string, value: Buffer) => unknown } };
  const real = inner.stPut.run.bind(inner.stPut);
  inner.stPut.run = (key: string, value: Buffer) => {
    if (key === 'x/boom') throw new Error('injected failure');
    return real(key, value);
  };
  const results = await Promise.allSettled([
    p.put('x/before', bytes('1')),
    p.transaction([
      { op: 'put', key: 'x/t1', value: bytes('t') },
      { op: 'delete', key: 'x/before' },
      { op: 'put', key: 'x/boom', value: bytes('!') },
    ]),
    p.transaction([{ op: 'put', key: 'x/t2', value: bytes('t') }]),
    p.put('x/boom', bytes('single')),
    p.put('x/after', bytes('2')),
  ]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
  assert.deepEqual(await p.list('x/'), ['after', 'before', 't2']);
  await p.close();
});

test('sqlite: list skips a large subtree', async () => {
  const p: SqlitePhysical = openSqlite(freshPath());
  const ops = [];
  for (let i = 0; i < 20000; i++) ops.push({ op: 'put' as const, key: `l/deep/${i}/leaf`, value: bytes('v') });
  ops.push({ op: 'put' as const, key: 'l/a', value: bytes('v') }, { op: 'put' as const, key: 'l/z', value: bytes('v') });
  await p.transaction(ops);
  assert.deepEqual(await p.list('l/'), ['a', 'deep/', 'z']);
  await p.close();
});

test('prefixUpperBound', () => {
  assert.equal(prefixUpperBound(''), undefined);
  assert.equal(prefixUpperBound('a/'), 'a0');
  assert.equal(prefixUpperBound('ab'), 'ac');
  assert.equal(prefixUpperBound('a\ud7ff'), 'a\ue000');
  assert.equal(prefixUpperBound('a😀'), 'a😁');
  assert.equal(prefixUpperBound('a\u{10ffff}'), 'b');
  assert.equal(prefixUpperBound('\u{10ffff}'), undefined);
});

test('sqlite: reads of one microtask pass share a read transaction, ended before the next I/O', async () => {
  const p = openSqlite(freshPath());
  await p.put('r/a', bytes('1'));
  const db = (p as unknown as { db: { inTransaction: boolean } }).db;
  const first = p.get('r/a');
  assert.equal(db.inTransaction, true);
  assert.equal(text(await first), '1');
  assert.equal(text(await p.get('r/a')), '1');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(db.inTransaction, false);
  // A write queued while a read transaction is open commits normally.
  const read = p.get('r/a');
  await p.put('r/a', bytes('2'));
  assert.equal(text(await read), '1');
  assert.equal(text(await p.get('r/a')), '2');
  await p.close();
});

test('sqlite: a commit in this process ends open read transactions, so the next read sees it', async () => {
  const path = freshPath();
  const a = openSqlite(path);
  const b = openSqlite(path);
  await a.put('c/k', bytes('old'));
  assert.equal(text(await a.get('c/k')), 'old'); // a's read transaction is open for this pass
  const pending = b.put('c/k', bytes('new'));
  await b.close(); // flushes synchronously, in this same pass
  await pending;
  assert.equal(text(await a.get('c/k')), 'new');
  assert.deepEqual(await a.list('c/'), ['k']);
  await a.close();
});

test('sqlite: another process\'s write is visible to a read made after hearing of it', async () => {
  const { fork } = await import('node:child_process');
  const path = freshPath();
  const p = openSqlite(path);
  await p.put('init', bytes('x'));
  const child = fork(new URL('./test-sqlite-writer.ts', import.meta.url).pathname, [path], { execArgv: ['--import', 'tsx'] });
  let reading = true;
  // Reads in many microtask passes meanwhile, so read transactions keep opening and ending.
  const loop = (async () => {
    while (reading) {
      await p.get('k');
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  try {
    for (let i = 1; i <= 40; i++) {
      const written = await new Promise<number>((resolve) => {
        child.once('message', (m) => resolve(Number(m)));
        child.send('write');
      });
      assert.equal(written, i);
      assert.equal(text(await p.get('k')), String(i));
    }
  } finally {
    reading = false;
    await loop;
    child.disconnect();
    await new Promise((resolve) => child.once('exit', resolve));
    await p.close();
  }
});
