import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextCronTime, parseCron } from './cron.ts';

const at = (s: string) => Date.parse(s);
const next = (expr: string, from: string) => {
  const t = nextCronTime(parseCron(expr), at(from));
  return t === undefined ? undefined : new Date(t).toISOString();
};

test('every minute and fixed times: strictly after the given instant', () => {
  assert.equal(next('* * * * *', '2025-06-10T08:00:00.000Z'), '2025-06-10T08:01:00.000Z');
  assert.equal(next('* * * * *', '2025-06-10T08:00:30.500Z'), '2025-06-10T08:01:00.000Z');
  assert.equal(next('30 2 * * *', '2025-06-10T08:00:00Z'), '2025-06-11T02:30:00.000Z');
  assert.equal(next('30 2 * * *', '2025-06-10T02:29:59Z'), '2025-06-10T02:30:00.000Z');
  assert.equal(next('0 0 1 1 *', '2025-06-10T08:00:00Z'), '2026-01-01T00:00:00.000Z');
});

test('lists, ranges and steps', () => {
  assert.equal(next('*/15 * * * *', '2025-06-10T08:01:00Z'), '2025-06-10T08:15:00.000Z');
  assert.equal(next('0,20,40 * * * *', '2025-06-10T08:21:00Z'), '2025-06-10T08:40:00.000Z');
  assert.equal(next('0 9-17/4 * * *', '2025-06-10T14:00:00Z'), '2025-06-10T17:00:00.000Z');
  assert.equal(next('5/20 * * * *', '2025-06-10T08:26:00Z'), '2025-06-10T08:45:00.000Z');
  assert.equal(next('0 0 * feb-mar *', '2025-06-10T00:00:00Z'), '2026-02-01T00:00:00.000Z');
});

test('day of week, names, 7 = Sunday, and the dom/dow either-rule', () => {
  // 2025-06-10 is a Tuesday.
  assert.equal(next('0 12 * * mon', '2025-06-10T00:00:00Z'), '2025-06-16T12:00:00.000Z');
  assert.equal(next('0 12 * * 7', '2025-06-10T00:00:00Z'), '2025-06-15T12:00:00.000Z');
  assert.equal(next('0 12 * * SUN', '2025-06-10T00:00:00Z'), '2025-06-15T12:00:00.000Z');
  // Both restricted: the 13th OR a Friday, whichever comes first.
  assert.equal(next('0 0 20 * fri', '2025-06-10T00:00:00Z'), '2025-06-13T00:00:00.000Z');
  // dom restricted, dow `*`: only the 20th.
  assert.equal(next('0 0 20 * *', '2025-06-10T00:00:00Z'), '2025-06-20T00:00:00.000Z');
});

test('leap day, month ends, and a schedule that never fires', () => {
  assert.equal(next('0 0 29 2 *', '2025-03-01T00:00:00Z'), '2028-02-29T00:00:00.000Z');
  assert.equal(next('0 0 31 * *', '2025-06-10T00:00:00Z'), '2025-07-31T00:00:00.000Z');
  assert.equal(next('0 0 30 2 *', '2025-06-10T00:00:00Z'), undefined);
});

test('bad expressions are rejected with a reason', () => {
  assert.throws(() => parseCron('* * * *'), /expected exactly 5 fields, found 4/);
  assert.throws(() => parseCron('* * * * * *'), /expected exactly 5 fields, found 6/);
  assert.throws(() => parseCron('60 * * * *'), /above maximum \(59\)/);
  assert.throws(() => parseCron('* 24 * * *'), /above maximum \(23\)/);
  assert.throws(() => parseCron('* * 0 * *'), /below minimum \(1\)/);
  assert.throws(() => parseCron('* * * 13 *'), /above maximum \(12\)/);
  assert.throws(() => parseCron('* * * * 8'), /above maximum \(7\)/);
  assert.throws(() => parseCron('5-1 * * * *'), /beyond end of range/);
  assert.throws(() => parseCron('*/0 * * * *'), /step of range should be a positive number/);
  assert.throws(() => parseCron('a * * * *'), /failed to parse int from a/);
  assert.throws(() => parseCron('1-2-3 * * * *'), /too many hyphens/);
  assert.throws(() => parseCron('@daily'), /expected exactly 5 fields/);
  assert.throws(() => parseCron('1,,2 * * * *'), /invalid minute item/);
});
