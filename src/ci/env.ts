/**
 * Everything `keep ci` does to the world outside the server goes through a {@link CiEnv}: the job's
 * environment, files such as GITHUB_ENV or BASH_ENV, stdout (masks and `export` lines), stderr
 * (human messages, never a secret value), helper programs (`buildkite-agent`, `circleci`), HTTP
 * for platform token requests, and the child of `keep ci exec`. Tests pass a simulated one.
 */
import { spawn } from 'node:child_process';
import { appendFile, readFile } from 'node:fs/promises';
import os from 'node:os';

/** Result of a helper program run by {@link CiEnv.run}. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** How the child of `keep ci exec` ended: its exit code, or the signal that killed it. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The platform-facing side of `keep ci`. */
export interface CiEnv {
  /** The job's environment (a snapshot of process.env). */
  env: Record<string, string | undefined>;
  readFile(path: string): Promise<string>;
  /** Appends text to a file, creating it (mode 0600) when missing. */
  appendFile(path: string, text: string): Promise<void>;
  /** Writes text as-is to stdout (callers end their lines with `\n`): masks and `export` lines. */
  stdout(text: string): void;
  /** Writes text as-is to stderr: human messages, never a secret value. */
  stderr(text: string): void;
  /**
   * Runs a helper program and collects its output; `input` is written to its stdin (secrets travel
   * this way, never as arguments). A program that cannot be started answers code 127.
   */
  run(cmd: string, args: string[], opts?: { input?: string }): Promise<RunResult>;
  /** HTTP for the platform's token request (GitHub, Azure). */
  fetch: typeof fetch;
  /**
   * Runs the command of `keep ci exec` with this environment, its stdio inherited, forwarding
   * SIGINT, SIGTERM and SIGHUP to it while it runs. Absent: {@link spawnInherited} is used.
   */
  spawnChild?(cmd: string, args: string[], env: Record<string, string>): Promise<ChildExit>;
  /**
   * Runs `fn` with SIGINT, SIGTERM and SIGHUP ignored (a second cancel must not stop the revoke
   * after `exec`'s child has ended). Absent: `fn` runs as is.
   */
  shieldSignals?<T>(fn: () => Promise<T>): Promise<T>;
}

/** Runs a program with piped stdio and collects its output (code 127 when it cannot start). */
export function runCaptured(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    } catch (e) {
      resolve({ code: 127, stdout: '', stderr: (e as Error).message });
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let settled = false;
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      resolve({ code: 127, stdout: '', stderr: e.code === 'ENOENT' ? `${cmd}: command not found` : e.message });
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      const signalCode = signal ? 128 + (os.constants.signals[signal] ?? 0) : 1;
      resolve({ code: code ?? signalCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Signals `keep ci exec` passes on to its child. */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Spawns a command with inherited stdio and the given environment, forwards SIGINT/SIGTERM/SIGHUP
 * received by this process to it, and resolves when it has exited. A command that cannot be
 * started resolves with code 127 (not found) or 126 (not executable), after a message on stderr.
 */
export function spawnInherited(cmd: string, args: string[], env: Record<string, string>, stderr: (t: string) => void = (t) => process.stderr.write(t)): Promise<ChildExit> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env });
    const handlers = new Map<NodeJS.Signals, () => void>();
    const cleanup = () => {
      for (const [sig, h] of handlers) process.off(sig, h);
      handlers.clear();
    };
    for (const sig of FORWARDED_SIGNALS) {
      const h = () => {
        if (child.exitCode === null && child.signalCode === null) child.kill(sig);
      };
      handlers.set(sig, h);
      process.on(sig, h);
    }
    let settled = false;
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      cleanup();
      const notFound = e.code === 'ENOENT';
      stderr(`keep ci exec: cannot run ${cmd}: ${notFound ? 'command not found' : e.message}\n`);
      resolve({ code: notFound ? 127 : 126, signal: null });
    });
    child.on('exit', (code, signal) => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve({ code, signal });
    });
  });
}

/** Runs `fn` with the forwarded signals ignored by this process. */
export async function withSignalsIgnored<T>(fn: () => Promise<T>): Promise<T> {
  const ignore = () => undefined;
  for (const sig of FORWARDED_SIGNALS) process.on(sig, ignore);
  try {
    return await fn();
  } finally {
    for (const sig of FORWARDED_SIGNALS) process.off(sig, ignore);
  }
}

/** The exit code of a finished child: its own code, or 128 + the signal's number when killed. */
export function exitCodeOf(exit: ChildExit): number {
  if (exit.signal) return 128 + (os.constants.signals[exit.signal] ?? 0);
  return exit.code ?? 1;
}

/**
 * The real process: its environment, files, stdio, programs and fetch. `io` replaces the
 * environment and the output streams (the CLI passes its own); helper programs then see that
 * environment too.
 */
export function processCiEnv(io: { env?: Record<string, string | undefined>; stdout?: (text: string) => void; stderr?: (text: string) => void } = {}): CiEnv {
  const env = { ...(io.env ?? process.env) };
  const stderr = io.stderr ?? ((text: string) => void process.stderr.write(text));
  return {
    env,
    readFile: (path) => readFile(path, 'utf8'),
    appendFile: (path, text) => appendFile(path, text, { encoding: 'utf8', mode: 0o600 }),
    stdout: io.stdout ?? ((text) => void process.stdout.write(text)),
    stderr,
    run: (cmd, args, opts) => runCaptured(cmd, args, { ...opts, env: env as NodeJS.ProcessEnv }),
    fetch: (input, init) => fetch(input, init),
    spawnChild: (cmd, args, childEnv) => spawnInherited(cmd, args, childEnv, stderr),
    shieldSignals: (fn) => withSignalsIgnored(fn),
  };
}
