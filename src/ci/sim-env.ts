/**
 * A simulated {@link CiEnv} for tests: in-memory environment and files, captured stdout/stderr,
 * scripted helper programs, fetch and exec child; every effect is recorded in order in `events`
 * (so a test can check that masks came before any value was written anywhere).
 */
import type { ChildExit, CiEnv, RunResult } from './env.ts';

/** One recorded effect. */
export interface SimEvent {
  kind: 'stdout' | 'stderr' | 'append' | 'run' | 'spawn';
  /** File path (append), program (run, spawn). */
  target?: string;
  args?: string[];
  /** Text written, or the program's stdin. */
  text: string;
}

/** What a scripted program sees. */
export interface SimRun {
  cmd: string;
  args: string[];
  input: string;
}

export interface SimEnvOptions {
  env?: Record<string, string | undefined>;
  files?: Record<string, string>;
  run?: (r: SimRun) => RunResult | Promise<RunResult>;
  fetch?: typeof fetch;
  spawnChild?: (cmd: string, args: string[], env: Record<string, string>) => Promise<ChildExit>;
}

export interface SimEnv extends CiEnv {
  events: SimEvent[];
  files: Map<string, string>;
  stdoutText(): string;
  stderrText(): string;
  runs: SimRun[];
}

export function simEnv(opts: SimEnvOptions = {}): SimEnv {
  const events: SimEvent[] = [];
  const files = new Map(Object.entries(opts.files ?? {}));
  const runs: SimRun[] = [];
  const sim: SimEnv = {
    env: { ...opts.env },
    events,
    files,
    runs,
    async readFile(path) {
      const t = files.get(path);
      if (t === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      return t;
    },
    async appendFile(path, text) {
      files.set(path, (files.get(path) ?? '') + text);
      events.push({ kind: 'append', target: path, text });
    },
    stdout(text) {
      events.push({ kind: 'stdout', text });
    },
    stderr(text) {
      events.push({ kind: 'stderr', text });
    },
    async run(cmd, args, o) {
      const r: SimRun = { cmd, args, input: o?.input ?? '' };
      runs.push(r);
      events.push({ kind: 'run', target: cmd, args, text: r.input });
      if (!opts.run) return { code: 127, stdout: '', stderr: `${cmd}: command not found` };
      return opts.run(r);
    },
    fetch: opts.fetch ?? (() => Promise.reject(new Error('fetch is not simulated'))),
    stdoutText: () => events.filter((e) => e.kind === 'stdout').map((e) => e.text).join(''),
    stderrText: () => events.filter((e) => e.kind === 'stderr').map((e) => e.text).join(''),
  };
  if (opts.spawnChild) {
    const spawnChild = opts.spawnChild;
    sim.spawnChild = async (cmd, args, env) => {
      events.push({ kind: 'spawn', target: cmd, args, text: '' });
      return spawnChild(cmd, args, env);
    };
  }
  return sim;
}

/** The index of the first event that carries `value` outside a mask command (-1 when none). */
export function firstExposure(events: SimEvent[], value: string): number {
  return events.findIndex((e) => {
    if (e.kind === 'stderr') return e.text.includes(value);
    if (e.kind === 'run' && e.target === 'buildkite-agent' && e.args?.[0] === 'redactor') return false;
    if (e.kind === 'stdout') {
      const rest = e.text
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::') && !l.startsWith('##vso[task.setsecret]'))
        .join('\n');
      return rest.includes(value);
    }
    return e.text.includes(value) || (e.args ?? []).some((a) => a.includes(value));
  });
}

/** The index of the first event that masks `value` (a mask command line or the Buildkite redactor). */
export function firstMask(events: SimEvent[], value: string): number {
  return events.findIndex((e) => {
    if (e.kind === 'stdout' || e.kind === 'stderr') return e.text.split('\n').some((l) => l === `::add-mask::${value}` || l === `##vso[task.setsecret]${value}`);
    return e.kind === 'run' && e.target === 'buildkite-agent' && e.args?.[0] === 'redactor' && e.text.includes(JSON.stringify(value).slice(1, -1));
  });
}
