/**
 * `keep policy list | read | write | delete | fmt`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { EXIT_LOCAL, EXIT_OK, EXIT_REMOTE, FORMAT_FLAG, expectArgs } from '../context.ts';
import { formatPolicy, hasComments } from '../policy-format.ts';
import type { Command } from '../registry.ts';

const list: Command = {
  name: 'policy list',
  synopsis: 'List policy names',
  usage: '[options]',
  flags: [FORMAT_FLAG],
  async run(ctx, args) {
    expectArgs(args, 0);
    const client = await ctx.client();
    let names: string[];
    try {
      names = await client.sys.listPolicies();
    } catch (e) {
      return ctx.fail('Error listing policies', e);
    }
    if (ctx.format !== 'table') return ctx.printData(names);
    for (const n of names) ctx.out(n);
    return EXIT_OK;
  },
};

const read: Command = {
  name: 'policy read',
  synopsis: 'Print a policy',
  usage: '[options] NAME',
  flags: [FORMAT_FLAG],
  async run(ctx, args) {
    expectArgs(args, 1);
    const name = args[0].trim().toLowerCase();
    const client = await ctx.client();
    let text: string | null;
    try {
      text = await client.sys.readPolicy(name);
    } catch (e) {
      return ctx.fail(`Error reading policy named ${name}`, e);
    }
    if (text === null) {
      ctx.err(`No policy named: ${name}`);
      return EXIT_REMOTE;
    }
    if (ctx.format !== 'table') return ctx.printData({ name, policy: text });
    ctx.out(text.replace(/\n+$/, ''));
    return EXIT_OK;
  },
};

const write: Command = {
  name: 'policy write',
  synopsis: 'Upload a policy from a file or stdin ("-")',
  usage: '[options] NAME PATH|-',
  flags: [],
  async run(ctx, args) {
    expectArgs(args, 2);
    const name = args[0].trim().toLowerCase();
    let text: string;
    try {
      text = args[1] === '-' ? await ctx.io.readStdin() : await readFile(args[1], 'utf8');
    } catch (e) {
      ctx.err(`Error opening policy file: ${(e as Error).message}`);
      return EXIT_LOCAL;
    }
    const client = await ctx.client();
    try {
      await client.sys.writePolicy(name, text);
    } catch (e) {
      return ctx.fail('Error uploading policy', e);
    }
    ctx.out(`Success! Uploaded policy: ${name}`);
    return EXIT_OK;
  },
};

const del: Command = {
  name: 'policy delete',
  synopsis: 'Delete a policy',
  usage: '[options] NAME',
  flags: [],
  async run(ctx, args) {
    expectArgs(args, 1);
    const name = args[0].trim().toLowerCase();
    const client = await ctx.client();
    try {
      await client.sys.deletePolicy(name);
    } catch (e) {
      return ctx.fail(`Error deleting ${name}`, e);
    }
    ctx.out(`Success! Deleted policy: ${name}`);
    return EXIT_OK;
  },
};

const fmt: Command = {
  name: 'policy fmt',
  synopsis: 'Rewrite a policy file in canonical HCL layout',
  usage: '[options] PATH',
  help: 'Parses the policy (HCL or JSON) and rewrites the file canonically. Comments are removed.',
  flags: [],
  async run(ctx, args) {
    expectArgs(args, 1);
    const file = args[0];
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      ctx.err(`Error opening policy file: ${(e as Error).message}`);
      return EXIT_LOCAL;
    }
    let formatted: string;
    try {
      formatted = formatPolicy(text);
    } catch (e) {
      ctx.err(`Failed to parse policy: ${(e as Error).message}`);
      return EXIT_LOCAL;
    }
    if (hasComments(text)) ctx.err('Warning: comments in the policy were removed by formatting.');
    try {
      await writeFile(file, formatted);
    } catch (e) {
      ctx.err(`Error writing formatted policy: ${(e as Error).message}`);
      return EXIT_LOCAL;
    }
    ctx.out(`Success! Formatted policy: ${file}`);
    return EXIT_OK;
  },
};

export const policyCommands: Command[] = [list, read, write, del, fmt];
