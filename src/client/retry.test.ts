import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, isIdempotent, isRetryableStatus } from './retry.ts';

test('backoff doubles per attempt, is capped, and jitters within the upper half', () => {
  assert.equal(backoffDelay(0, 100, 1000, 0), 50);
  assert.equal(backoffDelay(0, 100, 1000, 0.999999), 100);
  assert.equal(backoffDelay(1, 100, 1000, 0), 100);
  assert.equal(backoffDelay(2, 100, 1000, 0), 200);
  assert.equal(backoffDelay(10, 100, 1000, 0), 500);
  assert.equal(backoffDelay(10, 100, 1000, 0.999999), 1000);
  for (let i = 0; i < 50; i++) {
    const d = backoffDelay(3, 100, 10_000);
    assert.ok(d >= 400 && d <= 800, `delay ${d}`);
  }
});

test('only 5xx (not 501) is retryable; 4xx never', () => {
  for (const s of [500, 502, 503, 504, 599]) assert.equal(isRetryableStatus(s), true, String(s));
  for (const s of [200, 204, 400, 403, 404, 405, 412, 429, 501]) assert.equal(isRetryableStatus(s), false, String(s));
});

test('reads and deletes are idempotent, writes are not', () => {
  for (const m of ['GET', 'get', 'HEAD', 'DELETE']) assert.equal(isIdempotent(m), true, m);
  for (const m of ['POST', 'PUT', 'PATCH']) assert.equal(isIdempotent(m), false, m);
});
