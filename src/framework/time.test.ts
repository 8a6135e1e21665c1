import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rfc3339Nano, unixSeconds } from './time.ts';

test('rfc3339Nano trims trailing zeros and drops an empty fraction', () => {
  assert.equal(rfc3339Nano(Date.UTC(2025, 1, 3, 10, 11, 12, 0)), '2025-02-03T10:11:12Z');
  assert.equal(rfc3339Nano(Date.UTC(2025, 1, 3, 10, 11, 12, 100)), '2025-02-03T10:11:12.1Z');
  assert.equal(rfc3339Nano(Date.UTC(2025, 1, 3, 10, 11, 12, 123)), '2025-02-03T10:11:12.123Z');
  assert.equal(rfc3339Nano(new Date(Date.UTC(2025, 1, 3, 10, 11, 12, 123)), 456789), '2025-02-03T10:11:12.123456789Z');
  assert.equal(rfc3339Nano(Date.UTC(2025, 1, 3, 10, 11, 12, 0), 4000), '2025-02-03T10:11:12.000004Z');
  assert.equal(rfc3339Nano(Date.UTC(2025, 1, 3, 10, 11, 12, 5) + 0.25), '2025-02-03T10:11:12.00525Z');
  assert.equal(rfc3339Nano(Date.UTC(2025, 1, 3, 10, 11, 12, 999), 1_000_000), '2025-02-03T10:11:13Z');
});

test('unixSeconds floors', () => {
  assert.equal(unixSeconds(1738577472999), 1738577472);
  assert.equal(unixSeconds(new Date(1000)), 1);
});
