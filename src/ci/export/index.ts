/**
 * Hands variables to the job the platform's way, masking every secret value first (before any
 * other output):
 *
 * | platform  | mask                                   | `auto` export                                        |
 * |-----------|----------------------------------------|------------------------------------------------------|
 * | github    | `::add-mask::` per line (stdout)       | GITHUB_ENV heredoc entries, GITHUB_OUTPUT            |
 * | circleci  | none at run time                       | `export` lines appended to BASH_ENV                  |
 * | buildkite | `buildkite-agent redactor add`         | `buildkite-agent env set` (values on stdin)          |
 * | azure     | `##vso[task.setsecret]` per line       | `##vso[task.setvariable ...;issecret=true]` + `export` lines on stdout |
 * | gitlab, bitbucket, jenkins, generic | none         | `export` lines on stdout for `eval`                  |
 *
 * With a stdout format (env, dotenv, json, shell) the variables are printed in it instead; GitHub
 * and Azure masks then go to stderr (their runners read commands there too) so that stdout holds
 * only the data.
 */
import type { CiEnv } from '../env.ts';
import { CiError } from '../errors.ts';
import { isEnvName } from '../names.ts';
import type { CiPlatform } from '../platform.ts';
import { azureMaskCommands, azureSetVariable } from './azure.ts';
import { buildkiteEnvSet, buildkiteRedact } from './buildkite.ts';
import { appendGithubFile, githubMaskCommands } from './github.ts';
import { checkShellName, exportLine, formatItems } from './quote.ts';
import type { ExportItem, ExportOptions } from './types.ts';

export type { ExportFormat, ExportItem, ExportOptions } from './types.ts';
export { EXPORT_FORMATS } from './types.ts';

/** Where the variables ended up, for the summary line. */
export interface ExportReport {
  /** e.g. `GITHUB_ENV`, `BASH_ENV`, `buildkite-agent env set`, `stdout (shell)`. */
  destinations: string[];
  /** Notes for stderr (fallbacks). */
  notes: string[];
}

/**
 * Masks `values` with the platform's mechanism: GitHub and Azure print commands (to `stream`),
 * Buildkite adds them to the agent's redactor; other platforms have nothing at run time.
 * @throws CiError when the Buildkite redactor fails (nothing must be exported unmasked)
 */
export async function maskValues(env: CiEnv, platform: CiPlatform, values: string[], stream: 'stdout' | 'stderr' = 'stdout'): Promise<void> {
  const write = stream === 'stdout' ? env.stdout : env.stderr;
  values = [...new Set(values)];
  if (platform === 'github') {
    const text = githubMaskCommands(values);
    if (text) write(text);
  } else if (platform === 'azure') {
    const text = azureMaskCommands(values);
    if (text) write(text);
  } else if (platform === 'buildkite') {
    await buildkiteRedact(env, values);
  }
}

function shellLines(items: ExportItem[], where: string): string {
  let out = '';
  for (const it of items) {
    checkShellName(it.envName, where);
    out += exportLine(it.envName, it.value);
  }
  return out;
}

/** The platform's own way (`-format auto`). Masks are already out. */
async function exportAuto(env: CiEnv, platform: CiPlatform, items: ExportItem[], opts: ExportOptions, report: ExportReport): Promise<void> {
  const exportEnv = opts.exportEnv !== false;
  switch (platform) {
    case 'github': {
      if (exportEnv) {
        if (await appendGithubFile(env, 'GITHUB_ENV', items.map((it) => [it.envName, it.value]))) report.destinations.push('GITHUB_ENV');
        else {
          report.notes.push('GITHUB_ENV is not set; printing export lines on stdout instead');
          env.stdout(shellLines(items, 'as a shell variable'));
          report.destinations.push('stdout (shell)');
        }
      }
      const outputs = opts.outputs === false ? [] : items.filter((it) => it.outputName !== undefined && it.outputName !== '');
      if (outputs.length > 0) {
        if (await appendGithubFile(env, 'GITHUB_OUTPUT', outputs.map((it) => [it.outputName ?? '', it.value]))) report.destinations.push('GITHUB_OUTPUT');
        else report.notes.push('GITHUB_OUTPUT is not set; no step outputs written');
      }
      return;
    }
    case 'circleci': {
      if (!exportEnv) return;
      const text = shellLines(items, 'to BASH_ENV');
      const file = env.env.BASH_ENV;
      if (file) {
        await env.appendFile(file, text);
        report.destinations.push('BASH_ENV');
      } else {
        report.notes.push('BASH_ENV is not set; printing export lines on stdout instead');
        env.stdout(text);
        report.destinations.push('stdout (shell)');
      }
      return;
    }
    case 'buildkite': {
      if (!exportEnv) return;
      await buildkiteEnvSet(env, Object.fromEntries(items.map((it) => [it.envName, it.value])));
      report.destinations.push('buildkite-agent env set');
      return;
    }
    case 'azure': {
      if (!exportEnv) return;
      let text = '';
      for (const it of items) text += azureSetVariable(it.envName, it.value, it.secret !== false);
      text += shellLines(items, 'as a shell variable');
      env.stdout(text);
      report.destinations.push('Azure task variables', 'stdout (shell)');
      return;
    }
    default: {
      if (!exportEnv) return;
      env.stdout(shellLines(items, 'as a shell variable'));
      report.destinations.push('stdout (shell)');
    }
  }
}

/**
 * Masks every secret item's value, then exports the items (see the table above). Names and values
 * the destination cannot carry are refused before anything is written.
 * @throws CiError
 */
export async function exportItems(env: CiEnv, platform: CiPlatform, items: ExportItem[], opts: ExportOptions): Promise<ExportReport> {
  const report: ExportReport = { destinations: [], notes: [] };
  const bad = items.find((it) => !isEnvName(it.envName));
  if (bad) throw new CiError(`cannot export "${bad.envName}": not a usable variable name; give it one with "| NAME"`);
  const secrets = items.filter((it) => it.secret !== false).map((it) => it.value);
  if (opts.format === 'auto') {
    // Validate names first: a refusal after the masks would leave nothing exported but is harmless;
    // a refusal after half the exports would not be.
    if (platform !== 'github' && platform !== 'buildkite' && opts.exportEnv !== false) for (const it of items) checkShellName(it.envName, 'as a shell variable');
    await maskValues(env, platform, secrets, 'stdout');
    await exportAuto(env, platform, items, opts, report);
  } else {
    const text = formatItems(items, opts.format);
    await maskValues(env, platform, secrets, 'stderr');
    env.stdout(text);
    report.destinations.push(`stdout (${opts.format})`);
  }
  for (const n of report.notes) env.stderr(`keep ci: ${n}\n`);
  return report;
}
