/**
 * Child processes of the benchmark: spawn (optionally pinned to CPUs with taskset), wait for a line
 * of output, stop politely or hard, and run a command to completion. Every long-lived child is
 * tracked so that a failing or interrupted run never leaves a server behind.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import type { WriteStream } from 'node:fs';

export interface Child {
  name: string;
  proc: ChildProcess;
  /** Last lines of stdout+stderr, for error messages. */
  tail: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnOptions {
  /** taskset CPU list; undefined = not pinned. */
  cpus?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Append all output to this file. */
  logFile?: string;
}

const live = new Set<Child>();
const TAIL_LINES = 40;

function pinned(cmd: string, args: string[], cpus?: string): [string, string[]] {
  // taskset execs the command, so the child's pid is the command's own pid (signals reach it).
  return cpus === undefined ? [cmd, args] : ['taskset', ['-c', cpus, cmd, ...args]];
}

/** Starts a long-lived child; its output is kept in `tail` (and logFile). */
export function spawnChild(name: string, cmd: string, args: string[], opts: SpawnOptions = {}): Child {
  const [file, argv] = pinned(cmd, args, opts.cpus);
  const proc = spawn(file, argv, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log: WriteStream | undefined;
  if (opts.logFile) log = createWriteStream(opts.logFile, { flags: 'a' });
  const tail: string[] = [];
  const onData = (chunk: Buffer) => {
    log?.write(chunk);
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line === '') continue;
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
    }
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('error', (e) => {
      tail.push(`spawn error: ${e.message}`);
      resolve({ code: -1, signal: null });
    });
    proc.on('exit', (code, signal) => {
      live.delete(child);
      // Let buffered output land before the log closes.
      setImmediate(() => log?.end());
      resolve({ code, signal });
    });
  });
  const child: Child = { name, proc, tail, exited };
  live.add(child);
  return child;
}

/** Resolves with the first stdout/stderr line matching `re`; rejects on exit or timeout. */
export function waitForLine(child: Child, re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const cleanup = () => {
      clearTimeout(timer);
      child.proc.stdout?.off('data', onData);
      child.proc.stderr?.off('data', onData);
    };
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const m = re.exec(line);
        if (m) {
          cleanup();
          resolve(m);
          return;
        }
      }
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${child.name}: no line matching ${re} within ${timeoutMs} ms\n${child.tail.join('\n')}`));
    }, timeoutMs);
    child.proc.stdout?.on('data', onData);
    child.proc.stderr?.on('data', onData);
    void child.exited.then(({ code, signal }) => {
      cleanup();
      reject(new Error(`${child.name} exited (code ${code}, signal ${signal}) before it was ready\n${child.tail.join('\n')}`));
    });
  });
}

/** True once the child has exited. */
export function hasExited(child: Child): boolean {
  return child.proc.exitCode !== null || child.proc.signalCode !== null;
}

/**
 * Sends `signal` (default SIGTERM) and waits up to timeoutMs for the exit; then SIGKILL.
 * Resolves with how it ended.
 */
export async function stopChild(
  child: Child,
  signal: NodeJS.Signals = 'SIGTERM',
  timeoutMs = 15_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; forced: boolean }> {
  if (hasExited(child)) return { ...(await child.exited), forced: false };
  child.proc.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const first = await Promise.race([child.exited, timedOut]);
  clearTimeout(timer);
  if (first !== 'timeout') return { ...first, forced: false };
  child.proc.kill('SIGKILL');
  return { ...(await child.exited), forced: true };
}

/** SIGKILLs every child still running (used on failure and interruption). */
export function killAll(): void {
  for (const c of live) {
    if (!hasExited(c)) c.proc.kill('SIGKILL');
  }
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (optionally pinned), collecting its output. */
export function runCommand(cmd: string, args: string[], opts: SpawnOptions & { timeoutMs?: number } = {}): Promise<RunResult> {
  const [file, argv] = pinned(cmd, args, opts.cpus);
  return new Promise((resolve, reject) => {
    const proc = spawn(file, argv, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    proc.stdout.on('data', (c: Buffer) => out.push(c));
    proc.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs);
    proc.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${cmd}: ${e.message}`));
    });
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

let clockTicks: number | undefined;

/**
 * CPU time (user + system, all threads) a process has used so far, in ms, from /proc/<pid>/stat;
 * undefined where /proc is not available.
 */
export function cpuTimeMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
    if (clockTicks === undefined) {
      try {
        clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim()) || 100;
      } catch {
        clockTicks = 100;
      }
    }
    return ((utime + stime) * 1000) / clockTicks;
  } catch {
    return undefined;
  }
}
