import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultConfig, metaKey, newKeyMeta, versionKey } from './store.ts';
import { addVersion, effectiveDeleteAfter, effectiveMaxVersions, isGone } from './versioning.ts';
import { rfc3339 } from './time.ts';

const bytes = new Uint8Array([123, 125]);

test('effective max_versions: the larger of key and mount, 10 when both are 0', () => {
  assert.equal(effectiveMaxVersions(0, 0), 10);
  assert.equal(effectiveMaxVersions(3, 0), 3);
  assert.equal(effectiveMaxVersions(0, 4), 4);
  assert.equal(effectiveMaxVersions(3, 5), 5);
  assert.equal(effectiveMaxVersions(7, 5), 7);
});

test('delete_version_after: smaller non-zero of mount and key; negative mount disables', () => {
  const meta = newKeyMeta('k');
  const config = defaultConfig();
  assert.equal(effectiveDeleteAfter(config, meta), 0);
  assert.equal(effectiveDeleteAfter({ ...config, delete_version_after: 60 }, meta), 60);
  assert.equal(effectiveDeleteAfter(config, { ...meta, delete_version_after: 30 }), 30);
  assert.equal(effectiveDeleteAfter({ ...config, delete_version_after: 60 }, { ...meta, delete_version_after: 30 }), 30);
  assert.equal(effectiveDeleteAfter({ ...config, delete_version_after: 20 }, { ...meta, delete_version_after: 30 }), 20);
  assert.equal(effectiveDeleteAfter({ ...config, delete_version_after: -1 }, { ...meta, delete_version_after: 30 }), 0);
});

test('pruning: oldest_version stays 0 until the 10th write, then moves by one per write', () => {
  const meta = newKeyMeta('k');
  const config = defaultConfig();
  const oldest: number[] = [];
  for (let i = 1; i <= 12; i++) {
    const added = addVersion(meta, config, bytes, 1_000 * i);
    assert.equal(added.version, i);
    oldest.push(meta.oldest_version);
  }
  assert.deepEqual(oldest, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]);
  assert.deepEqual(Object.keys(meta.versions).map(Number), [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
});

test('pruning ops: version data, metadata, then the pruned versions in one batch', () => {
  const meta = newKeyMeta('k');
  const config = { ...defaultConfig(), max_versions: 2 };
  addVersion(meta, config, bytes, 1);
  const second = addVersion(meta, config, bytes, 2);
  // 2 - 0 >= 2: versions 0…0 go (there is no version 0), oldest becomes 1.
  assert.deepEqual(
    second.ops.map((op) => `${op.op} ${op.key}`),
    [`put ${versionKey('k', 2)}`, `put ${metaKey('k')}`],
  );
  assert.equal(meta.oldest_version, 1);
  const third = addVersion(meta, config, bytes, 3);
  assert.deepEqual(
    third.ops.map((op) => `${op.op} ${op.key}`),
    [`put ${versionKey('k', 3)}`, `put ${metaKey('k')}`, `delete ${versionKey('k', 1)}`],
  );
  assert.equal(meta.oldest_version, 2);
  assert.deepEqual(Object.keys(meta.versions), ['2', '3']);
});

test('lowering max_versions prunes several versions at once', () => {
  const meta = newKeyMeta('k');
  const config = defaultConfig();
  for (let i = 1; i <= 5; i++) addVersion(meta, config, bytes, i);
  meta.max_versions = 2;
  const added = addVersion(meta, config, bytes, 6);
  assert.deepEqual(Object.keys(meta.versions).map(Number), [5, 6]);
  assert.equal(meta.oldest_version, 5);
  assert.equal(added.ops.filter((op) => op.op === 'delete').length, 4);
});

test('deletion time of a new version and isGone', () => {
  const meta = newKeyMeta('k');
  const { vm } = addVersion(meta, { ...defaultConfig(), delete_version_after: 90 }, bytes, Date.UTC(2025, 1, 3, 10, 0, 0));
  assert.equal(vm.deletion_time, '2025-02-03T10:01:30Z');
  assert.equal(isGone(vm, Date.UTC(2025, 1, 3, 10, 1, 29)), false);
  assert.equal(isGone(vm, Date.UTC(2025, 1, 3, 10, 1, 30)), true, 'the deletion instant itself counts');
  assert.equal(isGone(vm, Date.UTC(2025, 1, 3, 10, 1, 31)), true);
  assert.equal(isGone({ ...vm, deletion_time: '', destroyed: true }, 0), true);
});

test('timestamps trim trailing fraction zeros', () => {
  assert.equal(rfc3339(Date.UTC(2025, 1, 3, 10, 11, 12, 120)), '2025-02-03T10:11:12.12Z');
  assert.equal(rfc3339(Date.UTC(2025, 1, 3, 10, 11, 12, 0)), '2025-02-03T10:11:12Z');
  assert.equal(rfc3339(Date.UTC(2025, 1, 3, 10, 11, 12, 5)), '2025-02-03T10:11:12.005Z');
});
