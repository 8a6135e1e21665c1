// Loaded into the Keep server process with `node --import` when BENCH_PROFILE=1 (plain JS so it
// needs no loader). Each SIGUSR2 toggles the V8 CPU profiler: the first starts it, the second stops
// it and writes BENCH_PROFILE_DIR/profile-<n>.cpuprofile. Progress lines go to stderr, where
// bench/run.ts waits for them. This profiles exactly the measured load phase of each scenario.
// Frames of transpiled files (tsx emits one long line per file) are mapped back to their .ts
// line and column through the source maps this process already holds.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { findSourceMap } from 'node:module';
import { join } from 'node:path';
import process from 'node:process';

const dir = process.env.BENCH_PROFILE_DIR;
const interval = Number(process.env.BENCH_PROFILE_INTERVAL_US || '250');

function remap(profile) {
  const maps = new Map();
  for (const node of profile.nodes) {
    const f = node.callFrame;
    if (!f.url.startsWith('file://')) continue;
    if (!maps.has(f.url)) {
      let sm;
      try {
        sm = findSourceMap(f.url);
      } catch {
        sm = undefined;
      }
      maps.set(f.url, sm);
    }
    const sm = maps.get(f.url);
    if (!sm) continue;
    const e = sm.findEntry(f.lineNumber, f.columnNumber);
    if (e && typeof e.originalLine === 'number') {
      f.lineNumber = e.originalLine;
      f.columnNumber = e.originalColumn;
    }
  }
  return profile;
}

if (dir) {
  const session = new Session();
  session.connect();
  const post = (method, params = {}) =>
    new Promise((resolve, reject) => {
      session.post(method, params, (err, res) => (err ? reject(err) : resolve(res)));
    });
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval });
  let running = false;
  let count = 0;
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      post('Profiler.start').then(
        () => process.stderr.write('bench-profile: started\n'),
        (e) => process.stderr.write(`bench-profile: start failed: ${e.message}\n`),
      );
      return;
    }
    running = false;
    post('Profiler.stop').then(
      (res) => {
        count += 1;
        const file = join(dir, `profile-${count}.cpuprofile`);
        writeFileSync(file, JSON.stringify(remap(res.profile)));
        process.stderr.write(`bench-profile: wrote ${file}\n`);
      },
      (e) => process.stderr.write(`bench-profile: stop failed: ${e.message}\n`),
    );
  });
}
