import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoDuration, formatShortDuration, parseDuration } from './duration.ts';

test('parseDuration accepts Vault duration forms', () => {
  assert.equal(parseDuration(3600), 3600);
  assert.equal(parseDuration('3600'), 3600);
  assert.equal(parseDuration('2d'), 172800);
  assert.equal(parseDuration('90s'), 90);
  assert.equal(parseDuration('1h30m'), 5400);
  assert.equal(parseDuration('1.5h'), 5400);
  assert.equal(parseDuration('500ms'), 0);
  assert.equal(parseDuration(''), 0);
  assert.equal(parseDuration('-1s'), -1);
  assert.equal(parseDuration('0'), 0);
});

test('parseDuration rejects malformed input', () => {
  for (const bad of ['abc', '1x', '1.5', 'h', '1d2h', '--1s']) assert.throws(() => parseDuration(bad), /duration/, bad);
  assert.throws(() => parseDuration(1.5));
});

test('formatGoDuration prints like Go', () => {
  assert.equal(formatGoDuration(0), '0s');
  assert.equal(formatGoDuration(45), '45s');
  assert.equal(formatGoDuration(90), '1m30s');
  assert.equal(formatGoDuration(3600), '1h0m0s');
  assert.equal(formatGoDuration(12319), '3h25m19s');
  assert.equal(formatGoDuration(-1), '-1s');
});

test('formatShortDuration drops zero units', () => {
  assert.equal(formatShortDuration(3600), '1h');
  assert.equal(formatShortDuration(5400), '1h30m');
  assert.equal(formatShortDuration(598), '9m58s');
  assert.equal(formatShortDuration(45), '45s');
  assert.equal(formatShortDuration(60), '1m');
});
