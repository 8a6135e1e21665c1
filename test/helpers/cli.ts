/**
 * Runs the real `keep` CLI (`node bin/keep ...`) as a child process. The token file always lives
 * in a temp dir (never the user's home); KEEP_ADDR/KEEP_TOKEN come from the options.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { KEEP_BIN, REPO_ROOT, childEnv, noteCliRun, tail, tempDir, track } from './processes.ts';
import type { ExitInfo } from './processes.ts';

/** How long a CLI run may take (2 cores, tsx start-up). */
const CLI_TIMEOUT_MS = 45_000;

export interface CliOptions {
  addr: string;
  /** Sets KEEP_TOKEN. */
  token?: string;
  stdin?: string;
  env?: Record<string, string>;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

let home: string | undefined;

/** Runs `keep <args>` and resolves with its exit code and output (never rejects on exit != 0). */
export async function runCli(args: string[], opts: CliOptions): Promise<CliResult> {
  if (home === undefined || !existsSync(home)) home = tempDir('keep-e2e-cli-');
  const extra: Record<string, string> = { KEEP_ADDR: opts.addr, ...(opts.token !== undefined ? { KEEP_TOKEN: opts.token } : {}), ...opts.env };
  const proc = spawn(process.execPath, [KEEP_BIN, ...args], { cwd: REPO_ROOT, env: childEnv(home, extra), stdio: ['pipe', 'pipe', 'pipe'] });
  const t = track(`keep ${args.join(' ')}`, proc);
  // 'close' comes after 'exit' and after stdout/stderr are drained.
  const closed = new Promise<ExitInfo>((resolve) => {
    proc.once('close', (code, signal) => resolve({ code, signal }));
  });
  proc.stdin?.on('error', () => undefined);
  proc.stdin?.end(opts.stdin ?? '');
  const timer = setTimeout(() => proc.kill('SIGKILL'), CLI_TIMEOUT_MS);
  const r = await closed;
  clearTimeout(timer);
  const result: CliResult = { code: r.code ?? -1, stdout: t.out.stdout, stderr: t.out.stderr };
  if (r.signal) result.stderr += `\n[killed by ${r.signal}${r.signal === 'SIGKILL' ? ` (timeout ${CLI_TIMEOUT_MS} ms?)` : ''}]`;
  noteCliRun(`=== last CLI: keep ${args.join(' ')} ===\n${describeCli(result)}`);
  return result;
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
