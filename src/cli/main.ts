/**
 * Entry point of the `keep` command (bin/keep imports this file): runs the CLI on the process's
 * arguments and sets the exit code.
 */
import { runCli } from './run.ts';

// Output cut short by the reader (`keep ... | head`) is not an error of ours: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

process.exitCode = await runCli(process.argv.slice(2));
