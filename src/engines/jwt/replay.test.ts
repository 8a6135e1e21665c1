import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MemoryPhysical } from '../../storage/memory.ts';
import { MemoryView } from '../kv/test-storage.ts';
import { GRACE_SECONDS, ReplayGuard, replayKey } from './replay.ts';

const T0 = 1767225600;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function setup(start = T0) {
  const clock = { now: start };
  const root = new MemoryView();
  const view = root.sub('replay/') as MemoryView;
  const guard = new ReplayGuard(view, () => clock.now);
  return { clock, root, view, guard };
}

test('a key is consumed once; a second consume before expiry is a replay', async () => {
  const { guard, view } = setup();
  assert.equal(await guard.consume('jti:https://gitlab.com:abc', T0 + 300), true);
  assert.equal(await guard.consume('jti:https://gitlab.com:abc', T0 + 300), false);
  assert.equal(await guard.consume('jti:https://gitlab.com:other', T0 + 300), true);
  // Storage holds hashes only, never the key (a jti or a token hash).
  const keys = await view.keys();
  const exp = String(T0 + 300 + GRACE_SECONDS).padStart(12, '0');
  const h1 = sha('jti:https://gitlab.com:abc');
  const h2 = sha('jti:https://gitlab.com:other');
  assert.deepEqual(keys.sort(), [h1, h2, `at/${exp}/${h1}`, `at/${exp}/${h2}`].sort());
  assert.deepEqual(await view.getJSON(h1), { exp: T0 + 300 + GRACE_SECONDS });
  for (const k of keys) assert.ok(!k.includes('abc') && !k.includes('gitlab'));
});

test('the record lasts past exp by the grace (leeways); afterwards it counts as absent and is overwritten', async () => {
  const { guard, clock, view } = setup();
  assert.equal(await guard.consume('k', T0 + 300), true);
  clock.now = T0 + 300 + 100; // past exp, within the leeway a login may still accept
  assert.equal(await guard.consume('k', T0 + 300), false);
  clock.now = T0 + 300 + GRACE_SECONDS - 0.5;
  assert.equal(await guard.consume('k', T0 + 300), false);
  clock.now = T0 + 300 + GRACE_SECONDS; // expired record
  assert.equal(await guard.consume('k', T0 + 2000), true);
  assert.equal(await guard.consume('k', T0 + 2000), false);
  // Overwritten: one record, one index entry (the old one is gone).
  const h = sha('k');
  assert.deepEqual((await view.keys()).sort(), [h, `at/${String(T0 + 2000 + GRACE_SECONDS).padStart(12, '0')}/${h}`].sort());
});

test('an exp already in the past is recorded from now', async () => {
  const { guard, view } = setup();
  assert.equal(await guard.consume('late', T0 - 50), true);
  assert.deepEqual(await view.getJSON(sha('late')), { exp: T0 + GRACE_SECONDS });
  assert.equal(await guard.consume('late', T0 - 50), false);
});

test('concurrent consumes of one key: exactly one wins', async () => {
  const { guard, view } = setup();
  // Every storage read yields to the event loop, so the consumes really interleave.
  view.beforeGet = () => new Promise((r) => setImmediate(r));
  const results = await Promise.all(Array.from({ length: 10 }, () => guard.consume('jti:iss:same', T0 + 300)));
  assert.equal(results.filter((r) => r).length, 1);
  // Different keys do not wait for each other's outcome.
  const mixed = await Promise.all(Array.from({ length: 10 }, (_, i) => guard.consume(`jti:iss:${i % 5}`, T0 + 300)));
  assert.equal(mixed.filter((r) => r).length, 5);
});

test('records survive a restart: a new guard on the same storage sees them', async () => {
  const physical = new MemoryPhysical();
  const clock = { now: T0 };
  const first = new ReplayGuard(new MemoryView(physical).sub('replay/'), () => clock.now);
  assert.equal(await first.consume('jti:iss:restart', T0 + 300), true);
  const second = new ReplayGuard(new MemoryView(physical).sub('replay/'), () => clock.now);
  assert.equal(await second.consume('jti:iss:restart', T0 + 300), false);
  assert.equal(await second.consume('jti:iss:new', T0 + 300), true);
});

test('a failed write is not a success, and the key stays usable', async () => {
  const { guard, view } = setup();
  const original = view.transaction.bind(view);
  view.transaction = async () => {
    throw new Error('disk full');
  };
  await assert.rejects(guard.consume('k', T0 + 300), /disk full/);
  view.transaction = original;
  assert.equal(await guard.consume('k', T0 + 300), true);
});

test('prune deletes due records only, oldest first, in pages, and never reads unexpired ones', async () => {
  const { guard, clock, view } = setup();
  for (let i = 0; i < 600; i++) await guard.consume(`old-${i}`, T0 + i); // due at T0 + i + grace
  for (let i = 0; i < 5; i++) await guard.consume(`new-${i}`, T0 + 10_000);
  clock.now = T0 + GRACE_SECONDS + 599; // every old-* is due
  const reads: string[] = [];
  view.beforeGet = async (key) => {
    reads.push(key);
  };
  assert.equal(await guard.prune(100), 100);
  assert.equal(await guard.prune(), 500);
  assert.equal(await guard.prune(), 0);
  // Only the records the index said were due were read.
  const newHashes = new Set(Array.from({ length: 5 }, (_, i) => sha(`new-${i}`)));
  assert.ok(reads.every((k) => !newHashes.has(k.replace(/^replay\//, ''))));
  assert.equal(reads.length, 600);
  assert.equal((await view.keys()).length, 10); // 5 records + 5 index entries
  // Pruned keys are usable again; the unexpired ones are still replays.
  assert.equal(await guard.consume('old-3', T0 + 20_000), true);
  assert.equal(await guard.consume('new-1', T0 + 10_000), false);
});

test('prune stops at the first entry not yet due', async () => {
  const { guard, clock } = setup();
  await guard.consume('a', T0 + 10);
  await guard.consume('b', T0 + 20);
  await guard.consume('c', T0 + 30);
  clock.now = T0 + 20 + GRACE_SECONDS;
  assert.equal(await guard.prune(), 2);
  assert.equal(await guard.consume('c', T0 + 30), false);
  assert.equal(await guard.consume('b', T0 + 40), true);
});

test('prune removes stale index entries and keeps the record they no longer describe', async () => {
  const { guard, clock, view } = setup();
  await guard.consume('k', T0 + 10);
  const h = sha('k');
  // A stale entry (as if left by an older record of the same key) and a garbage one.
  await view.putJSON(`at/${String(T0 - 100).padStart(12, '0')}/${h}`, {});
  await view.putJSON('at/-garbage', {}); // sorts before the digits
  clock.now = T0 + 1;
  assert.equal(await guard.prune(), 0);
  assert.deepEqual((await view.keys()).sort(), [h, `at/${String(T0 + 10 + GRACE_SECONDS).padStart(12, '0')}/${h}`].sort());
  assert.equal(await guard.consume('k', T0 + 10), false);
});

test('replayKey: jti with issuer, else the hash of the token', () => {
  assert.equal(replayKey({ iss: 'https://gitlab.com', jti: '235b3a54' }, 'a.b.c'), 'jti:https://gitlab.com:235b3a54');
  assert.equal(replayKey({ jti: 'x' }, 'a.b.c'), 'jti::x');
  const tokenHash = createHash('sha256').update('h.p.s').digest('hex');
  assert.equal(replayKey({ iss: 'https://oidc.circleci.com/org/x' }, 'h.p.s'), `sha256:${tokenHash}`);
  assert.equal(replayKey({ iss: 'i', jti: '' }, 'h.p.s'), `sha256:${tokenHash}`);
  assert.equal(replayKey({ iss: 'i', jti: 42 }, 'h.p.s'), `sha256:${tokenHash}`);
});
