/**
 * The shape of a CLI command. Each command group lives in its own file under commands/ and
 * exports a list of these; commands/index.ts collects them.
 */
import type { CommandContext } from './context.ts';
import type { FlagSpec } from './flags.ts';

/** One `keep <words...>` command. */
export interface Command {
  /** Space-separated words, e.g. `kv metadata get`. */
  name: string;
  /** One line for the command list. */
  synopsis: string;
  /** Argument part of the usage line, e.g. `[options] PATH [K=V...]`. */
  usage: string;
  /** Longer help text (optional). */
  help?: string;
  /** Command flags (global flags are added by the dispatcher). */
  flags: FlagSpec[];
  /** Runs the command; returns the exit code. */
  run(ctx: CommandContext, args: string[]): Promise<number>;
}
