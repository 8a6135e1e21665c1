import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compareKeys } from './physical.ts';
import type { Physical } from './physical.ts';

/**
 * The contract every physical backend passes. A backend's test file calls
 * `runPhysicalContract('memory', async () => ({ physical, cleanup }))`; each test opens a fresh,
 * empty store and cleans it up afterwards.
 */
export function runPhysicalContract(
  name: string,
  open: () => Promise<{ physical: Physical; cleanup(): Promise<void> }>,
): void {
  const bytes = (s: string) => new TextEncoder().encode(s);
  const text = (v: Uint8Array | undefined) => (v === undefined ? undefined : new TextDecoder().decode(v));

  async function withStore(fn: (p: Physical) => Promise<void>): Promise<void> {
    const { physical, cleanup } = await open();
    try {
      await fn(physical);
    } finally {
      await cleanup();
    }
  }

  async function seed(p: Physical, keys: string[]): Promise<void> {
    await p.transaction(keys.map((key) => ({ op: 'put', key, value: bytes(key) })));
  }

  describe(`physical contract: ${name}`, () => {
    test('get of a missing key is undefined', () =>
      withStore(async (p) => {
        assert.equal(await p.get('nope'), undefined);
        assert.equal(await p.get('a/b/c'), undefined);
      }));

    test('put, get, overwrite', () =>
      withStore(async (p) => {
        await p.put('a/b', bytes('one'));
        assert.equal(text(await p.get('a/b')), 'one');
        await p.put('a/b', bytes('two'));
        assert.equal(text(await p.get('a/b')), 'two');
        assert.equal(await p.get('a'), undefined);
      }));

    test('a stored value does not change when the caller mutates its buffer', () =>
      withStore(async (p) => {
        const v = bytes('abc');
        await p.put('k', v);
        v[0] = 0x7a;
        assert.equal(text(await p.get('k')), 'abc');
      }));

    test('delete, and delete of a missing key is fine', () =>
      withStore(async (p) => {
        await p.put('x', bytes('1'));
        await p.delete('x');
        assert.equal(await p.get('x'), undefined);
        await p.delete('x');
        await p.delete('never/was');
        assert.deepEqual(await p.list(''), []);
      }));

    test('rejects an empty key', () =>
      withStore(async (p) => {
        await assert.rejects(p.put('', bytes('x')));
        await assert.rejects(p.transaction([{ op: 'put', key: '', value: bytes('x') }]));
      }));

    test('list returns direct children, folders end in /', () =>
      withStore(async (p) => {
        await seed(p, ['app/a', 'app/b/c', 'app/b/d/e', 'app/c', 'app/d/x', 'apple', 'other/z']);
        assert.deepEqual(await p.list('app/'), ['a', 'b/', 'c', 'd/']);
        assert.deepEqual(await p.list('app/b/'), ['c', 'd/']);
        assert.deepEqual(await p.list('app/b/d/'), ['e']);
        assert.deepEqual(await p.list('missing/'), []);
      }));

    test('a key can be both a file and a folder', () =>
      withStore(async (p) => {
        await seed(p, ['f/a', 'f/a/b', 'f/a-b', 'f/a.c', 'f/a/c/d']);
        assert.deepEqual(await p.list('f/'), ['a', 'a-b', 'a.c', 'a/']);
        assert.deepEqual(await p.list('f/a/'), ['b', 'c/']);
      }));

    test('list of the empty prefix gives the top level', () =>
      withStore(async (p) => {
        await seed(p, ['core/keyring', 'logical/1/x', 'sys/token/a', 'top']);
        assert.deepEqual(await p.list(''), ['core/', 'logical/', 'sys/', 'top']);
      }));

    test('keys sort in UTF-8 byte order and survive unicode', () =>
      withStore(async (p) => {
        // U+FFFF sorts before U+1F600 in UTF-8 (EF.. < F0..) but after it in UTF-16.
        const keys = ['u/\uffff', 'u/😀', 'u/é', 'u/z', 'u/Z', 'u/日本/x', 'u/ä/y'];
        await seed(p, keys);
        for (const k of keys) assert.equal(text(await p.get(k)), k);
        const sorted = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
        assert.deepEqual(
          (await p.scan('u/')).map((e) => e.key),
          sorted,
        );
        assert.deepEqual(await p.list('u/'), ['Z', 'z', 'ä/', 'é', '日本/', '\uffff', '😀']);
        assert.deepEqual(await p.list('u/日本/'), ['x']);
        assert.ok(compareKeys('\uffff', '😀') < 0);
      }));

    test('scan: key order, prefix bound, after, limit', () =>
      withStore(async (p) => {
        await seed(p, ['s/a', 's/b/1', 's/b/2', 's/c', 's0', 'r/z', 't/a']);
        const keys = async (opts?: { after?: string; limit?: number }) =>
          (await p.scan('s/', opts)).map((e) => e.key);
        assert.deepEqual(await keys(), ['s/a', 's/b/1', 's/b/2', 's/c']);
        assert.deepEqual(await keys({ limit: 2 }), ['s/a', 's/b/1']);
        assert.deepEqual(await keys({ after: 's/b/1' }), ['s/b/2', 's/c']);
        assert.deepEqual(await keys({ after: 's/b/1', limit: 1 }), ['s/b/2']);
        assert.deepEqual(await keys({ after: 's/bb' }), ['s/c']);
        assert.deepEqual(await keys({ after: 'a' }), ['s/a', 's/b/1', 's/b/2', 's/c']);
        assert.deepEqual(await keys({ after: 's/c' }), []);
        assert.deepEqual(await keys({ after: 'zzz' }), []);
        assert.deepEqual(await keys({ limit: 0 }), []);
        const all = await p.scan('');
        assert.equal(all.length, 7);
        assert.equal(text(all[0].value), 'r/z');
        // paging through with after+limit visits every key once
        const seen: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await p.scan('', { after, limit: 3 });
          if (page.length === 0) break;
          seen.push(...page.map((e) => e.key));
          after = page[page.length - 1].key;
        }
        assert.deepEqual(seen, all.map((e) => e.key));
      }));

    test('transaction applies puts and deletes together', () =>
      withStore(async (p) => {
        await p.put('t/old', bytes('o'));
        await p.transaction([
          { op: 'put', key: 't/a', value: bytes('1') },
          { op: 'put', key: 't/b', value: bytes('2') },
          { op: 'delete', key: 't/old' },
          { op: 'put', key: 't/a', value: bytes('3') },
        ]);
        assert.equal(text(await p.get('t/a')), '3');
        assert.equal(text(await p.get('t/b')), '2');
        assert.equal(await p.get('t/old'), undefined);
        await p.transaction([]);
      }));

    test('a failing transaction leaves nothing', () =>
      withStore(async (p) => {
        await p.put('t/keep', bytes('k'));
        const bad = [
          { op: 'put', key: 't/a', value: bytes('1') },
          { op: 'delete', key: 't/keep' },
          { op: 'put', key: '', value: bytes('2') },
        ] as const;
        await assert.rejects(p.transaction([...bad]));
        const badValue = [
          { op: 'put', key: 't/b', value: bytes('1') },
          { op: 'put', key: 't/c', value: 'not bytes' as unknown as Uint8Array },
        ] as const;
        await assert.rejects(p.transaction([...badValue]));
        const badOp = [{ op: 'put', key: 't/d', value: bytes('1') }, { op: 'frob', key: 't/e' }];
        await assert.rejects(p.transaction(badOp as unknown as Parameters<Physical['transaction']>[0]));
        assert.deepEqual(await p.list('t/'), ['keep']);
        assert.equal(text(await p.get('t/keep')), 'k');
      }));

    test('binary values round-trip, including empty ones', () =>
      withStore(async (p) => {
        const all = new Uint8Array(256);
        for (let i = 0; i < 256; i++) all[i] = i;
        await p.put('bin/all', all);
        await p.put('bin/empty', new Uint8Array(0));
        await p.put('bin/sub', all.subarray(250, 253));
        assert.deepEqual([...((await p.get('bin/all')) ?? [])], [...all]);
        const empty = await p.get('bin/empty');
        assert.ok(empty !== undefined && empty.length === 0);
        assert.deepEqual([...((await p.get('bin/sub')) ?? [])], [250, 251, 252]);
        const [entry] = await p.scan('bin/all');
        assert.deepEqual([...entry.value], [...all]);
      }));

    test('concurrent writes are all acknowledged and present', () =>
      withStore(async (p) => {
        const writes: Promise<void>[] = [];
        for (let i = 0; i < 300; i++) {
          const key = `c/${String(i).padStart(4, '0')}`;
          writes.push(i % 3 === 0 ? p.transaction([{ op: 'put', key, value: bytes(key) }]) : p.put(key, bytes(key)));
        }
        writes.push(p.delete('c/never'));
        await Promise.all(writes);
        const entries = await p.scan('c/');
        assert.equal(entries.length, 300);
        for (const e of entries) assert.equal(text(e.value), e.key);
        // overwrites in the same turn keep the last one
        await Promise.all([p.put('c/0000', bytes('x')), p.put('c/0000', bytes('y')), p.put('c/0000', bytes('z'))]);
        assert.equal(text(await p.get('c/0000')), 'z');
      }));

    test('list of 10k keys with subtrees (sanity)', () =>
      withStore(async (p) => {
        const keys: string[] = [];
        for (let f = 0; f < 50; f++) for (let i = 0; i < 100; i++) keys.push(`big/f${f}/k${i}`);
        for (let i = 0; i < 5000; i++) keys.push(`big/file${i}`);
        for (let i = 0; i < keys.length; i += 2500) await seed(p, keys.slice(i, i + 2500));
        const top = await p.list('big/');
        assert.equal(top.length, 5050);
        assert.equal(top.filter((k) => k.endsWith('/')).length, 50);
        assert.equal((await p.list('big/f7/')).length, 100);
        assert.equal((await p.scan('big/', { limit: 10 })).length, 10);
        assert.deepEqual(await p.list(''), ['big/']);
      }));
  });
}
