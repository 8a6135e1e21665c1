/**
 * `keep version` (also `keep -v`, `keep --version`).
 */
import { readFileSync } from 'node:fs';
import { EXIT_OK, expectArgs } from '../context.ts';
import type { Command } from '../registry.ts';

/** The package version from package.json, or `unknown`. */
export function keepVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

const version: Command = {
  name: 'version',
  synopsis: 'Print the Keep version',
  usage: '',
  flags: [],
  async run(ctx, args) {
    expectArgs(args, 0);
    ctx.out(`Keep v${keepVersion()}`);
    return EXIT_OK;
  },
};

export const versionCommands: Command[] = [version];
