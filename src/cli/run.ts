/**
 * The dispatcher: finds the command named by the leading words of argv, parses its flags, runs
 * it, and turns errors into Vault-style messages and exit codes.
 */
import { allCommands } from './commands/index.ts';
import { CommandContext, EXIT_OK, EXIT_USAGE, GLOBAL_FLAGS, GLOBAL_FLAG_NAMES } from './context.ts';
import { flagHelp, parseFlags, UsageError } from './flags.ts';
import { columns } from './format.ts';
import { processIO } from './io.ts';
import type { CliIO } from './io.ts';
import type { Command } from './registry.ts';

const HELP_FLAGS = new Set(['-h', '-help', '--help']);

function commandList(commands: Command[]): string {
  return columns(commands.map((c) => [c.name, c.synopsis]))
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

/** The top-level help text. */
export function mainHelp(commands: Command[] = allCommands): string {
  return (
    'Usage: keep <command> [options] [args]\n\n' +
    'Keep is a secrets broker for CI/CD pipelines that speaks Vault\'s HTTP API.\n\n' +
    `Commands:\n${commandList(commands)}\n\n` +
    'Environment: KEEP_ADDR (or VAULT_ADDR), KEEP_TOKEN (or VAULT_TOKEN), KEEP_TOKEN_FILE,\n' +
    'KEEP_CACERT (or VAULT_CACERT), KEEP_SKIP_VERIFY, KEEP_FORMAT (or VAULT_FORMAT).\n'
  );
}

/** The help text of one command. */
export function commandHelp(cmd: Command): string {
  const parts = [`Usage: keep ${cmd.name}${cmd.usage ? ` ${cmd.usage}` : ''}`, '', `  ${cmd.synopsis}`];
  if (cmd.help) parts.push('', cmd.help);
  if (cmd.flags.length > 0) parts.push('', 'Command Options:', '', flagHelp(cmd.flags));
  parts.push('', 'Global Options:', '', flagHelp(GLOBAL_FLAGS), '');
  return parts.join('\n');
}

function findCommand(argv: string[], commands: Command[]): { cmd: Command; depth: number } | undefined {
  for (let n = Math.min(3, argv.length); n >= 1; n--) {
    const name = argv.slice(0, n).join(' ');
    const cmd = commands.find((c) => c.name === name);
    if (cmd) return { cmd, depth: n };
  }
  return undefined;
}

function groupOf(argv: string[], commands: Command[]): { name: string; members: Command[] } | undefined {
  for (let n = Math.min(2, argv.length); n >= 1; n--) {
    const name = argv.slice(0, n).join(' ');
    const members = commands.filter((c) => c.name.startsWith(`${name} `));
    if (members.length > 0) return { name, members };
  }
  return undefined;
}

/**
 * Runs `keep <argv...>` and returns the exit code: 0 success, 1 local error, 2 server or usage
 * error.
 */
export async function runCli(argv: string[], io: CliIO = processIO(), commands: Command[] = allCommands): Promise<number> {
  const first = argv[0];
  if (first === undefined || HELP_FLAGS.has(first) || first === 'help') {
    const text = mainHelp(commands);
    if (first === undefined) {
      io.stderr.write(text);
      return EXIT_USAGE;
    }
    io.stdout.write(text);
    return EXIT_OK;
  }
  if (first === '-v' || first === '-version' || first === '--version') return runCli(['version', ...argv.slice(1)], io, commands);
  const found = findCommand(argv, commands);
  if (!found) {
    const group = groupOf(argv, commands);
    const wantsHelp = argv.some((a) => HELP_FLAGS.has(a));
    if (group) {
      const text = `Usage: keep ${group.name} <subcommand> [options] [args]\n\nSubcommands:\n${commandList(group.members)}\n`;
      if (wantsHelp) {
        io.stdout.write(text);
        return EXIT_OK;
      }
      io.stderr.write(text);
      return EXIT_USAGE;
    }
    io.stderr.write(`Unknown command: ${first}\n\n${mainHelp(commands)}`);
    return EXIT_USAGE;
  }
  const { cmd, depth } = found;
  const rest = argv.slice(depth);
  const dashDash = rest.indexOf('--');
  const ownArgs = dashDash >= 0 ? rest.slice(0, dashDash) : rest;
  if (ownArgs.some((a) => HELP_FLAGS.has(a))) {
    io.stdout.write(commandHelp(cmd));
    return EXIT_OK;
  }
  let parsed;
  try {
    parsed = parseFlags(rest, [...GLOBAL_FLAGS, ...cmd.flags], GLOBAL_FLAG_NAMES);
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n\nRun "keep ${cmd.name} -h" for usage.\n`);
    return EXIT_USAGE;
  }
  const ctx = new CommandContext(io, parsed.flags);
  for (const w of parsed.warnings) ctx.err(w);
  try {
    return await cmd.run(ctx, parsed.args);
  } catch (e) {
    if (e instanceof UsageError) {
      ctx.err(`${e.message}\n\nRun "keep ${cmd.name} -h" for usage.`);
      return EXIT_USAGE;
    }
    return ctx.fail('Error', e);
  } finally {
    ctx.close();
  }
}
