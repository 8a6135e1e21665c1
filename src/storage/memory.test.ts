import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPhysicalContract } from './contract-suite.ts';
import { MemoryPhysical } from './memory.ts';
import { compareKeys } from './physical.ts';

runPhysicalContract('memory', async () => {
  const physical = new MemoryPhysical();
  return { physical, cleanup: () => physical.close() };
});

test('memory: type is inmem and a closed store refuses calls', async () => {
  const p = new MemoryPhysical();
  assert.equal(p.type, 'inmem');
  await p.put('a', new Uint8Array([1]));
  assert.equal(p.size, 1);
  await p.close();
  await assert.rejects(p.get('a'), /closed/);
});

test('compareKeys matches UTF-8 byte order', () => {
  const samples = ['', 'a', 'a/', 'a0', 'ab', 'é', '\ue000', '\uffff', '😀', '𝄞', 'a😀', 'a\uffff', 'Z', '~'];
  for (const a of samples) {
    for (const b of samples) {
      const want = Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
      assert.equal(Math.sign(compareKeys(a, b)), want, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }
  }
});
