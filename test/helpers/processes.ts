/**
 * Bookkeeping of the processes and temp dirs an end-to-end test file creates, so that file-level
 * hooks, the exit handler and SIGTERM/SIGHUP handlers can clean everything up even when a test
 * throws; plus the child environment (no Vault/Keep settings leak in, HOME in a temp dir).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach } from 'node:test';
import { fileURLToPath } from 'node:url';

/** Repository root (two levels above this file). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The `keep` entry point. */
export const KEEP_BIN = path.join(REPO_ROOT, 'bin', 'keep');

/** Output kept per process (the tail). */
const MAX_LOG = 64 * 1024;

export interface Tracked {
  label: string;
  proc: ChildProcess;
  out: { stdout: string; stderr: string };
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<Tracked>();
const recent: Tracked[] = [];
const tempDirs = new Set<string>();
let lastCliText: string | undefined;
let handlersInstalled = false;

function killLive(): void {
  for (const t of live) {
    try {
      t.proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // Killed from outside (CI timeout, a parent's SIGTERM): take the children along, then die.
  for (const sig of ['SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killLive();
      process.exit(128 + (sig === 'SIGTERM' ? 15 : 1));
    });
  }
  process.on('exit', () => {
    killLive();
    for (const d of tempDirs) {
      try {
        rmSync(d, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
  });
}

/** Starts tracking a spawned process: its output tail is kept, and it is killed at the end. */
export function track(label: string, proc: ChildProcess): Tracked {
  installHandlers();
  const t: Tracked = { label, proc, out: { stdout: '', stderr: '' } };
  const append = (key: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const s = t.out[key] + chunk.toString('utf8');
    t.out[key] = s.length > MAX_LOG ? s.slice(s.length - MAX_LOG) : s;
  };
  proc.on('error', (e) => {
    t.out.stderr += `\n[spawn error: ${e.message}]`;
  });
  proc.stdout?.on('data', append('stdout'));
  proc.stderr?.on('data', append('stderr'));
  live.add(t);
  recent.push(t);
  if (recent.length > 8) recent.shift();
  proc.once('exit', () => live.delete(t));
  return t;
}

/** Remembers the description of the last CLI run (printed when a test fails). */
export function noteCliRun(text: string): void {
  lastCliText = text;
}

/** A new temp dir, removed when the test file ends. */
export function tempDir(prefix = 'keep-e2e-'): string {
  installHandlers();
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(d);
  return d;
}

/** The environment for child processes: ours without any Vault/Keep settings, HOME in a temp dir. */
export function childEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(VAULT_|KEEP_)/.test(k)) continue;
    // The test runner's own settings must not leak into the children.
    if (k === 'NODE_TEST_CONTEXT' || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  env.HOME = home;
  env.KEEP_TOKEN_FILE = path.join(home, '.keep-token');
  env.NO_COLOR = '1';
  return { ...env, ...extra };
}

/** A port nobody listens on right now (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves when the process has exited (at once if it already has). */
export function waitExit(proc: ChildProcess): Promise<ExitInfo> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      resolve({ code: proc.exitCode, signal: proc.signalCode });
      return;
    }
    proc.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** The last n characters of s. */
export function tail(s: string, n = 4000): string {
  return s.length > n ? `…${s.slice(s.length - n)}` : s;
}

/** Kills every process this file started and removes the temp dirs. */
export async function stopAll(): Promise<void> {
  const waits: Promise<unknown>[] = [];
  for (const t of live) waits.push(waitExit(t.proc));
  killLive();
  await Promise.all(waits);
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

/**
 * Registers the file-level hooks: on a failed test, print the output tails of the servers and
 * of the last CLI run; after the file, stop everything and remove temp dirs.
 */
export function useKeepHooks(): void {
  installHandlers();
  afterEach((t) => {
    // `passed` exists at run time on Node >= 20.12 but is missing from @types/node 20.
    if ((t as { passed?: boolean }).passed !== false) return;
    const lines: string[] = [`test "${t.name}" failed; process output follows`];
    for (const p of recent) {
      if (!p.label.startsWith('keep server')) continue;
      lines.push(`=== ${p.label} (${live.has(p) ? 'running' : 'exited'}) stdout ===`, tail(p.out.stdout), `=== ${p.label} stderr ===`, tail(p.out.stderr));
    }
    if (lastCliText) lines.push(lastCliText);
    console.error(lines.join('\n'));
  });
  after(stopAll);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
