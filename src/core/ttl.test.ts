import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calcTTL } from './ttl.ts';

const base = { increment: 0, backendTTL: 0, period: 0, backendMaxTTL: 0, explicitMaxTTL: 0, startMs: 0, mountDefaultTTL: 2764800, mountMaxTTL: 2764800, nowMs: 0 };

test('defaults to the mount default TTL', () => {
  assert.deepEqual(calcTTL(base), { ttl: 2764800, warnings: [] });
});

test('increment wins over backend TTL, capped by max from start', () => {
  const r = calcTTL({ ...base, increment: 7200, backendTTL: 60, backendMaxTTL: 3600, nowMs: 1000 });
  assert.equal(r.ttl, 3599);
  assert.match(r.warnings[0], /^TTL of "2h" exceeded the effective max_ttl of "59m59s"; TTL value is capped accordingly$/);
});

test('periodic tokens ignore increment and have no cap without explicit max', () => {
  assert.deepEqual(calcTTL({ ...base, increment: 10, period: 600, nowMs: 10_000_000_000 }), { ttl: 600, warnings: [] });
  const capped = calcTTL({ ...base, period: 600, explicitMaxTTL: 300 });
  assert.equal(capped.ttl, 300);
  assert.match(capped.warnings[0], /^period of "10m" exceeded the effective max_ttl of "5m"/);
});

test('past the max TTL is an error', () => {
  assert.throws(() => calcTTL({ ...base, backendMaxTTL: 10, nowMs: 10_000 }), /past the max TTL, cannot renew/);
});
