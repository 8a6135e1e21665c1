import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoadResult } from './load-types.ts';
import type { ScenarioResult } from './report.ts';
import { addRatios, evaluateGoals, floorReference, formatTable } from './report.ts';

function result(rps: number, p99: number, extra: Partial<LoadResult> = {}): LoadResult {
  return {
    tool: 'wrk', requests: rps * 10, ok: rps * 10, non2xx: 0, socketErrors: 0, durationSec: 10, rps,
    latencyMs: { p50: p99 / 4, p90: p99 / 2, p99, mean: p99 / 3, max: p99 * 2 }, resolutionMs: 0.001, ...extra,
  };
}

function scenario(name: string, target: 'floor' | 'keep', r: LoadResult): ScenarioResult {
  return { name, label: name, target, method: 'GET', path: '/', result: r };
}

const durable = { afterCrash: true, acknowledged: 30000, storedVersions: 30010, extra: 10, extraBound: 50, keysChecked: 500, sampleRead: 25, sampleFailures: [], pass: true };

test('floor reference is the mean of the floor runs, with their spread', () => {
  const f = floorReference([scenario('floor', 'floor', result(60000, 4)), scenario('floor-after', 'floor', result(40000, 6))]);
  assert.equal(f.rps, 50000);
  assert.equal(f.p99Ms, 5);
  assert.equal(f.spread, 0.4);
});

test('ratios and goals: read at 50% with p99 under max(2 x floor, 5 ms) passes', () => {
  const results = [scenario('floor', 'floor', result(60000, 2)), scenario('kv-read', 'keep', result(30000, 5)), scenario('kv-write', 'keep', result(3000, 20))];
  const floor = floorReference([results[0]]);
  addRatios(results, floor);
  assert.equal(results[1].rpsRatio, 0.5);
  assert.equal(results[1].p99Ratio, 2.5);
  const goals = evaluateGoals(results, floor, durable);
  assert.deepEqual(goals.map((g) => g.pass), [true, true, true, true]);
  assert.match(formatTable(results, floor, goals, 'header'), /\[PASS\] KV v2 read p99: 5\.000 ms/);
});

test('goals fail: slow read, high p99, slow write, lost writes, failed requests', () => {
  const results = [
    scenario('floor', 'floor', result(60000, 4)),
    scenario('kv-read', 'keep', result(29000, 8.5)),
    scenario('kv-write', 'keep', result(2999, 20, { non2xx: 3 })),
  ];
  const floor = floorReference([results[0]]);
  addRatios(results, floor);
  const goals = evaluateGoals(results, floor, { ...durable, storedVersions: 29990, extra: -10, pass: false });
  assert.deepEqual(goals.map((g) => g.pass), [false, false, false, false, false]);
  assert.equal(goals[4].correctness, true);
  assert.match(goals[4].name, /no failed requests/);
});

test('scenarios not run are skipped, not failed', () => {
  const results = [scenario('floor', 'floor', result(60000, 4))];
  const goals = evaluateGoals(results, floorReference(results), undefined);
  assert.deepEqual(goals.map((g) => g.pass), [null, null, null, null]);
});

test('server CPU per request is compared with the floor when measured for every floor run', () => {
  const floorRun = { ...scenario('floor', 'floor', result(60000, 2)), serverCpu: { ms: 10000, usPerRequest: 16, utilisation: 1 } };
  const read = { ...scenario('kv-read', 'keep', result(20000, 4)), serverCpu: { ms: 10000, usPerRequest: 50, utilisation: 1 } };
  const floor = floorReference([floorRun]);
  assert.equal(floor.cpuUsPerRequest, 16);
  addRatios([floorRun, read], floor);
  assert.equal(read.cpuRatio, 3.13);
  const withoutCpu = floorReference([floorRun, scenario('floor-after', 'floor', result(60000, 2))]);
  assert.equal(withoutCpu.cpuUsPerRequest, undefined);
});
