/**
 * End-to-end helpers: start a real `keep server` process on a free port, run the `keep` CLI, and
 * make sure every spawned process is gone when the test file ends (hooks + process exit handler).
 *
 * Every test file that starts servers calls {@link useKeepHooks} once at top level: it prints the
 * output of the servers and CLI runs of a failing test, and stops everything after the file.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach } from 'node:test';
import { fileURLToPath } from 'node:url';
import { httpRequest } from './http.ts';

/** Repository root (two levels above this file). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The `keep` entry point. */
export const KEEP_BIN = path.join(REPO_ROOT, 'bin', 'keep');

/** How long a server may take to answer its first health check (2-core machines, tsx start-up). */
const START_TIMEOUT_MS = 45_000;
/** How long a CLI run may take. */
const CLI_TIMEOUT_MS = 45_000;
/** How long `stop()` waits for a clean exit before SIGKILL. */
const STOP_TIMEOUT_MS = 20_000;
/** Output kept per process (the tail). */
const MAX_LOG = 64 * 1024;

export interface StartOptions {
  /** `keep server -dev` (in-memory, unsealed). */
  dev?: boolean;
  /**
   * HCL config text, or a function of the data dir and port returning it. In text, `{{dataDir}}`
   * and `{{port}}` are replaced. Without a `listener` stanza a plain-HTTP listener on the chosen
   * port is appended.
   */
  config?: string | ((ctx: { dataDir: string; port: number }) => string);
  /** Extra environment for the server process. */
  env?: Record<string, string>;
  /** Dev root token id (dev mode; default `root`; '' lets the server generate one). */
  rootToken?: string;
  /** Reuse this data directory (restart on the same data). A fresh temp dir otherwise. */
  dataDir?: string;
  /** Listen on this port (default: a free one). Useful to restart on the same address. */
  port?: number;
  /** URL scheme the listener serves (default `http`). */
  scheme?: 'http' | 'https';
  /** CA bundle (PEM) to reach an https listener during the start-up health wait. */
  ca?: string;
  /** Extra command-line flags for `keep server`. */
  args?: string[];
  /** Dev mode: let the server store the root token in its token file (no `-dev-no-store-token`). */
  storeToken?: boolean;
}

export interface KeepServer {
  /** `http://127.0.0.1:<port>` (or https). */
  addr: string;
  port: number;
  rootToken?: string;
  proc: ChildProcess;
  /** The server's data directory (config file, SQLite file; also its HOME). */
  dataDir: string;
  /** The token file the server process sees (KEEP_TOKEN_FILE, inside dataDir). */
  tokenFile: string;
  /** Everything the process printed so far. */
  stdout(): string;
  stderr(): string;
  /** Sends a signal (default SIGTERM) and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL, then waits for the process to be gone. */
  kill9(): Promise<void>;
  /** Resolves when the process has exited (code or signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface CliOptions {
  addr: string;
  token?: string;
  stdin?: string;
  env?: Record<string, string>;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

// ---------------------------------------------------------------------------------------------
// Bookkeeping: every process and temp dir this file created, so hooks and the exit handler can
// clean up even when a test throws.

interface Tracked {
  label: string;
  proc: ChildProcess;
  out: { stdout: string; stderr: string };
}

const live = new Set<Tracked>();
const recent: Tracked[] = [];
const tempDirs = new Set<string>();
let lastCli: { args: string[]; result: CliResult } | undefined;
let exitHandlerInstalled = false;

function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  // Killed from outside (CI timeout, a parent's SIGTERM): take the children along, then die.
  for (const sig of ['SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const t of live) t.proc.kill('SIGKILL');
      process.exit(128 + (sig === 'SIGTERM' ? 15 : 1));
    });
  }
  process.on('exit', () => {
    for (const t of live) {
      try {
        t.proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const d of tempDirs) {
      try {
        rmSync(d, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
  });
}

function track(label: string, proc: ChildProcess): Tracked {
  installExitHandler();
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

/** A new temp dir, removed when the test file ends. */
export function tempDir(prefix = 'keep-e2e-'): string {
  installExitHandler();
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(d);
  return d;
}

/** The environment for child processes: ours without any Vault/Keep settings, HOME in a temp dir. */
function childEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(VAULT_|KEEP_)/.test(k)) continue;
    // The test runner's own flags must not leak into the children (they would run as tests).
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

function waitExit(proc: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      resolve({ code: proc.exitCode, signal: proc.signalCode });
      return;
    }
    proc.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

function configText(opts: StartOptions, dataDir: string, port: number): string {
  const raw = typeof opts.config === 'function' ? opts.config({ dataDir, port }) : (opts.config ?? '');
  let text = raw.replaceAll('{{dataDir}}', dataDir).replaceAll('{{port}}', String(port));
  if (!/^\s*listener\b/m.test(text)) text += `\nlistener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}\n`;
  return text;
}

function tail(s: string, n = 4000): string {
  return s.length > n ? `…${s.slice(s.length - n)}` : s;
}

/**
 * Starts `keep server` and waits until `GET /v1/sys/health` answers (any status: a sealed or
 * uninitialised server answers 503/501). Rejects with the process output when it exits first or
 * does not answer in time.
 */
export async function startKeep(opts: StartOptions = {}): Promise<KeepServer> {
  if (!opts.dev && opts.config === undefined) throw new Error('startKeep: give dev: true or a config');
  const dataDir = opts.dataDir ?? tempDir();
  let lastError: Error | undefined;
  // A free port can be taken between our probe and the server's bind: retry with another.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = opts.port ?? (await freePort());
    try {
      return await startOnce(opts, dataDir, port);
    } catch (e) {
      lastError = e as Error;
      if (opts.port !== undefined || !/EADDRINUSE/.test(lastError.message)) throw lastError;
    }
  }
  throw lastError ?? new Error('startKeep failed');
}

async function startOnce(opts: StartOptions, dataDir: string, port: number): Promise<KeepServer> {
  const args = [KEEP_BIN, 'server'];
  // Dev root token id: `root` by default; '' = let the server generate one (then unknown here).
  const rootToken = opts.dev ? (opts.rootToken ?? 'root') || undefined : undefined;
  if (opts.dev) {
    args.push('-dev', `-dev-listen-address=127.0.0.1:${port}`);
    if (rootToken) args.push(`-dev-root-token-id=${rootToken}`);
    if (!opts.storeToken) args.push('-dev-no-store-token');
  } else {
    const file = path.join(dataDir, 'keep.hcl');
    writeFileSync(file, configText(opts, dataDir, port));
    args.push(`-config=${file}`);
  }
  args.push(...(opts.args ?? []));
  const proc = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: childEnv(dataDir, opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const t = track(`keep server :${port}`, proc);
  const exited = waitExit(proc);
  const scheme = opts.scheme ?? 'http';
  const addr = `${scheme}://127.0.0.1:${port}`;

  const deadline = Date.now() + START_TIMEOUT_MS;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  let lastErr = '';
  for (;;) {
    if (gone) {
      const r = await exited;
      throw new Error(
        `keep server exited before answering (code ${r.code}, signal ${r.signal}) on port ${port}\n` +
          `--- stdout ---\n${tail(t.out.stdout)}\n--- stderr ---\n${tail(t.out.stderr)}`,
      );
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      await exited;
      throw new Error(
        `keep server did not answer GET /v1/sys/health within ${START_TIMEOUT_MS} ms on ${addr} (last error: ${lastErr})\n` +
          `--- stdout ---\n${tail(t.out.stdout)}\n--- stderr ---\n${tail(t.out.stderr)}`,
      );
    }
    try {
      await httpRequest(addr, 'GET', '/v1/sys/health', { ca: opts.ca, timeoutMs: 2000 });
      break;
    } catch (e) {
      lastErr = (e as Error).message;
      await sleep(100);
    }
  }

  const server: KeepServer = {
    addr,
    port,
    rootToken,
    proc,
    dataDir,
    tokenFile: path.join(dataDir, '.keep-token'),
    exited,
    stdout: () => t.out.stdout,
    stderr: () => t.out.stderr,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const r = await exited;
      clearTimeout(timer);
      return r.code;
    },
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
  return server;
}

/**
 * Runs `keep <args>` against a server. The token file always lives in a temp dir (never the
 * user's home). `token` sets KEEP_TOKEN.
 */
export async function runCli(args: string[], opts: CliOptions): Promise<CliResult> {
  const home = cliHome();
  const extra: Record<string, string> = { KEEP_ADDR: opts.addr, ...(opts.token !== undefined ? { KEEP_TOKEN: opts.token } : {}), ...opts.env };
  const proc = spawn(process.execPath, [KEEP_BIN, ...args], {
    cwd: REPO_ROOT,
    env: childEnv(home, extra),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const t = track(`keep ${args.join(' ')}`, proc);
  // 'close' comes after 'exit' and after stdout/stderr are drained.
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('close', (code, signal) => resolve({ code, signal }));
  });
  proc.stdin?.on('error', () => undefined);
  proc.stdin?.end(opts.stdin ?? '');
  const timer = setTimeout(() => proc.kill('SIGKILL'), CLI_TIMEOUT_MS);
  const r = await closed;
  clearTimeout(timer);
  const result: CliResult = { code: r.code ?? -1, stdout: t.out.stdout, stderr: t.out.stderr };
  if (r.signal) result.stderr += `\n[killed by ${r.signal}${r.signal === 'SIGKILL' ? ` after ${CLI_TIMEOUT_MS} ms?` : ''}]`;
  lastCli = { args, result };
  return result;
}

let cliHomeDir: string | undefined;
function cliHome(): string {
  cliHomeDir ??= tempDir('keep-e2e-cli-');
  return cliHomeDir;
}

/** Describes a CLI result for assertion messages. */
export function describeCli(r: CliResult): string {
  return `exit ${r.code}\n--- stdout ---\n${tail(r.stdout, 2000)}\n--- stderr ---\n${tail(r.stderr, 2000)}`;
}

/** Throws (with the CLI output) unless the CLI exited with `code`. Returns the result. */
export function expectExit(r: CliResult, code: number, what = 'keep'): CliResult {
  if (r.code !== code) throw new Error(`${what}: expected exit ${code}, got ${describeCli(r)}`);
  return r;
}

/** Kills every process this file started. */
export async function stopAll(): Promise<void> {
  const waits: Promise<unknown>[] = [];
  for (const t of live) {
    waits.push(waitExit(t.proc));
    try {
      t.proc.kill('SIGKILL');
    } catch {
      // gone
    }
  }
  await Promise.all(waits);
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
  cliHomeDir = undefined;
}

/**
 * Registers the file-level hooks: on a failed test, print the output tails of the servers and
 * of the last CLI run; after the file, stop everything and remove temp dirs.
 */
export function useKeepHooks(): void {
  installExitHandler();
  afterEach((t) => {
    // `passed` exists at run time on Node >= 20.12 but is missing from @types/node 20.
    if ((t as { passed?: boolean }).passed !== false) return;
    const lines: string[] = [`test "${t.name}" failed; process output follows`];
    for (const p of recent) {
      if (!p.label.startsWith('keep server')) continue;
      lines.push(`=== ${p.label} (${live.has(p) ? 'running' : 'exited'}) stdout ===`, tail(p.out.stdout), `=== ${p.label} stderr ===`, tail(p.out.stderr));
    }
    if (lastCli) lines.push(`=== last CLI: keep ${lastCli.args.join(' ')} ===`, describeCli(lastCli.result));
    console.error(lines.join('\n'));
  });
  after(stopAll);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
