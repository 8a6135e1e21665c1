import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCommand, readSettings } from './settings.ts';

test('defaults: 10 s, 3 s warm-up, 50 connections, every Keep scenario, policy token', () => {
  const s = readSettings({ BENCH_PIN: '0' });
  assert.equal(s.durationSec, 10);
  assert.equal(s.warmupSec, 3);
  assert.equal(s.connections, 50);
  assert.deepEqual(s.scenarios, ['kv-read', 'token-lookup-self', 'kv-write', 'ci-login']);
  assert.equal(s.tokenKind, 'policy');
  assert.equal(s.crashCheck, true);
  assert.equal(s.serverCpus, undefined);
});

test('quick mode: 2 s per scenario, 1 s warm-up; explicit values still win', () => {
  assert.equal(readSettings({ BENCH_QUICK: '1' }).durationSec, 2);
  assert.equal(readSettings({ BENCH_QUICK: '1' }).warmupSec, 1);
  assert.equal(readSettings({ BENCH_QUICK: '1', BENCH_DURATION: '5s' }).durationSec, 5);
});

test('BENCH_SCENARIOS selects in the fixed order', () => {
  assert.deepEqual(readSettings({ BENCH_SCENARIOS: 'kv-write, kv-read' }).scenarios, ['kv-read', 'kv-write']);
});

test('malformed values are rejected', () => {
  assert.throws(() => readSettings({ BENCH_DURATION: 'ten' }), /BENCH_DURATION/);
  assert.throws(() => readSettings({ BENCH_CONNECTIONS: '0' }), /BENCH_CONNECTIONS/);
  assert.throws(() => readSettings({ BENCH_CONNECTIONS: '2.5' }), /BENCH_CONNECTIONS/);
  assert.throws(() => readSettings({ BENCH_SCENARIOS: 'kv-read,kv-delete' }), /unknown scenario "kv-delete"/);
  assert.throws(() => readSettings({ BENCH_TOOL: 'ab' }), /BENCH_TOOL/);
  assert.throws(() => readSettings({ BENCH_TOKEN_KIND: 'admin' }), /BENCH_TOKEN_KIND/);
});

test('autocannon can always be forced; wrk only when installed', () => {
  assert.equal(readSettings({ BENCH_TOOL: 'autocannon' }).tool, 'autocannon');
  if (!hasCommand('wrk')) assert.throws(() => readSettings({ BENCH_TOOL: 'wrk' }), /not installed/);
});

test('hasCommand looks through PATH', () => {
  assert.equal(hasCommand('node', process.env.PATH), true);
  assert.equal(hasCommand('surely-not-a-command-xyz', process.env.PATH), false);
  assert.equal(hasCommand('node', ''), false);
});
