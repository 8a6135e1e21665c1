/**
 * Entry point of the `keep` command (bin/keep imports this file): runs the CLI on the process's
 * arguments and sets the exit code.
 */
import { runCli } from './run.ts';

process.exitCode = await runCli(process.argv.slice(2));
