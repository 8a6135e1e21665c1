/**
 * End-to-end helpers: start a real `keep server` process on a free port and wait until it
 * answers; run the `keep` CLI (cli.ts); make sure every spawned process is gone when the test
 * file ends (processes.ts: hooks, exit and signal handlers).
 *
 * Every test file that starts servers calls {@link useKeepHooks} once at top level: it prints the
 * output of the servers and of the last CLI run when a test fails, and stops everything after the
 * file.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { httpRequest } from './http.ts';
import { KEEP_BIN, REPO_ROOT, childEnv, freePort, sleep, tail, tempDir, track, waitExit } from './processes.ts';

export { describeCli, expectExit, runCli } from './cli.ts';
export type { CliOptions, CliResult } from './cli.ts';
export { KEEP_BIN, REPO_ROOT, freePort, sleep, stopAll, tempDir, useKeepHooks } from './processes.ts';

/** How long a server may take to answer its first health check (2-core machines, tsx start-up). */
const START_TIMEOUT_MS = 45_000;
/** How long `stop()` waits for a clean exit before SIGKILL. */
const STOP_TIMEOUT_MS = 20_000;

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

function configText(opts: StartOptions, dataDir: string, port: number): string {
  const raw = typeof opts.config === 'function' ? opts.config({ dataDir, port }) : (opts.config ?? '');
  let text = raw.replaceAll('{{dataDir}}', dataDir).replaceAll('{{port}}', String(port));
  if (!/^\s*listener\b/m.test(text)) text += `\nlistener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}\n`;
  return text;
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
      // Whoever answered, our process must still be alive (not failed on EADDRINUSE while
      // another process holds the port).
      await sleep(50);
      if (gone) continue;
      // Dev mode initialises, mounts and configures after the listener is up: it is ready once
      // it has printed its banner (which ends with the root token).
      if (opts.dev && !t.out.stdout.includes('Root Token:')) {
        await sleep(50);
        continue;
      }
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
