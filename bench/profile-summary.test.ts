import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CpuProfile } from './profile-summary.ts';
import { areaOf, summarize } from './profile-summary.ts';

const ROOT = '/repo';
const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });

test('areas: project files, npm packages (scoped too), node internals, V8 pseudo-frames', () => {
  assert.equal(areaOf(frame('f', 'file:///repo/src/core/pipeline.ts'), ROOT), 'src/core/pipeline.ts');
  assert.equal(areaOf(frame('f', 'file:///repo/node_modules/fastify/lib/route.js'), ROOT), 'npm:fastify');
  assert.equal(areaOf(frame('f', 'file:///repo/node_modules/@fastify/ajv-compiler/index.js'), ROOT), 'npm:@fastify/ajv-compiler');
  assert.equal(areaOf(frame('f', 'node:internal/http/server'), ROOT), 'node:internal/http');
  assert.equal(areaOf(frame('(garbage collector)', ''), ROOT), '(garbage collector)');
  assert.equal(areaOf(frame('writev', ''), ROOT), '(native)');
});

test('self and inclusive time; idle is left out of the percentages', () => {
  // root -> handle (src) -> encrypt (src) -> native ; root -> (idle)
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 5] },
      { id: 2, callFrame: frame('handle', 'file:///repo/src/core/pipeline.ts', 9), children: [3] },
      { id: 3, callFrame: frame('encrypt', 'file:///repo/src/barrier/aes-gcm.ts', 19), children: [4] },
      { id: 4, callFrame: frame('cipher', 'node:internal/crypto/cipher') },
      { id: 5, callFrame: frame('(idle)', '') },
    ],
    samples: [2, 3, 4, 4, 5, 5],
    timeDeltas: [1000, 1000, 1000, 1000, 5000, 5000],
    startTime: 0,
    endTime: 14000,
  };
  const s = summarize(profile, 10, ROOT);
  assert.equal(s.busyMs, 4);
  assert.equal(s.idleMs, 10);
  assert.deepEqual(s.selfTop[0], { name: 'node:internal/crypto:1 cipher', ms: 2, pct: 50 });
  const incl = new Map(s.projectInclusiveTop.map((h) => [h.name, h.pct]));
  assert.equal(incl.get('src/core/pipeline.ts:10 handle'), 100);
  assert.equal(incl.get('src/barrier/aes-gcm.ts:20 encrypt'), 75);
});

test('native frames are charged to the area of their nearest JS caller', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2] },
      { id: 2, callFrame: frame('get', 'file:///repo/src/storage/sqlite.ts', 99), children: [3] },
      { id: 3, callFrame: frame('get', '') },
    ],
    samples: [3, 3, 2],
    timeDeltas: [1000, 1000, 2000],
    startTime: 0,
    endTime: 4000,
  };
  const s = summarize(profile, 10, ROOT);
  assert.deepEqual(s.areas.map((a) => [a.name, a.pct]), [['(native) from src/storage/sqlite.ts', 50], ['src/storage/sqlite.ts', 50]]);
  assert.equal(s.selfTop.find((h) => h.name.startsWith('get [native'))?.name, 'get [native, from src/storage/sqlite.ts]');
});
