/**
 * Buildkite: values go to the agent on stdin, never as arguments (`ps` would show them):
 * `buildkite-agent redactor add --format json` masks them in the job log, and
 * `buildkite-agent env set --input-format=json -` sets variables for the job's later phases.
 */
import type { CiEnv } from '../env.ts';
import { CI_EXIT_LOCAL, CiError } from '../errors.ts';
import { maskLines } from './github.ts';

function agentFailure(what: string, r: { code: number; stderr: string }): CiError {
  const why = r.code === 127 ? 'buildkite-agent is not on PATH' : `exit ${r.code}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n')[0].slice(0, 200)}` : ''}`;
  return new CiError(`buildkite-agent ${what} failed (${why})`, CI_EXIT_LOCAL);
}

/** Adds every non-empty line of every value to the job's log redactor. @throws CiError (fail closed: nothing is exported unmasked) */
export async function buildkiteRedact(env: CiEnv, values: string[]): Promise<void> {
  const obj: Record<string, string> = {};
  let i = 0;
  for (const v of values) for (const line of maskLines(v)) if (line.trim() !== '') obj[`v${i++}`] = line;
  if (i === 0) return;
  const r = await env.run('buildkite-agent', ['redactor', 'add', '--format', 'json'], { input: JSON.stringify(obj) });
  if (r.code !== 0) throw agentFailure('redactor add', r);
}

/** Sets variables for the job's later phases. @throws CiError */
export async function buildkiteEnvSet(env: CiEnv, vars: Record<string, string>): Promise<void> {
  if (Object.keys(vars).length === 0) return;
  const r = await env.run('buildkite-agent', ['env', 'set', '--input-format=json', '--output-format=quiet', '-'], { input: `${JSON.stringify(vars)}\n` });
  if (r.code !== 0) throw agentFailure('env set', r);
}

/** Removes variables from the job's later phases. @throws CiError */
export async function buildkiteEnvUnset(env: CiEnv, names: string[]): Promise<void> {
  if (names.length === 0) return;
  const r = await env.run('buildkite-agent', ['env', 'unset', '--output-format=quiet', ...names]);
  if (r.code !== 0) throw agentFailure('env unset', r);
}
