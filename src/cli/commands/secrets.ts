/**
 * `keep secrets enable | disable | list | tune | move`.
 */
import { EXIT_OK, EXIT_REMOTE, FORMAT_FLAG, expectArgs } from '../context.ts';
import { warningsText } from '../format.ts';
import type { Command } from '../registry.ts';
import { MOUNT_CONFIG_FLAGS, MOUNT_ENABLE_FLAGS, mountInput, mountPathText, mountTable, tuneInput } from './mount-flags.ts';

const VERSION_FLAG = { name: 'version', type: 'int', usage: 'KV version (1 or 2); sets options.version.' } as const;

const enable: Command = {
  name: 'secrets enable',
  synopsis: 'Enable a secrets engine',
  usage: '[options] TYPE',
  flags: [...MOUNT_CONFIG_FLAGS, ...MOUNT_ENABLE_FLAGS, { ...VERSION_FLAG }],
  async run(ctx, args) {
    expectArgs(args, 1);
    const type = args[0].trim();
    const path = mountPathText(ctx.flags.str('path') || type);
    const client = await ctx.client();
    try {
      await client.sys.enableMount(path, mountInput(ctx, type, false));
    } catch (e) {
      return ctx.fail(`Error enabling: ${type}`, e);
    }
    ctx.out(`Success! Enabled the ${type} secrets engine at: ${path}`);
    return EXIT_OK;
  },
};

const disable: Command = {
  name: 'secrets disable',
  synopsis: 'Disable a secrets engine (deletes its data)',
  usage: '[options] PATH',
  flags: [],
  async run(ctx, args) {
    expectArgs(args, 1);
    const path = mountPathText(args[0]);
    const client = await ctx.client();
    try {
      await client.sys.disableMount(path);
    } catch (e) {
      return ctx.fail(`Error disabling secrets engine at ${path}`, e);
    }
    ctx.out(`Success! Disabled the secrets engine (if it existed) at: ${path}`);
    return EXIT_OK;
  },
};

const list: Command = {
  name: 'secrets list',
  synopsis: 'List enabled secrets engines',
  usage: '[options]',
  flags: [FORMAT_FLAG, { name: 'detailed', type: 'bool', usage: 'Show every column.' }],
  async run(ctx, args) {
    expectArgs(args, 0);
    const client = await ctx.client();
    try {
      const mounts = await client.sys.listMounts();
      if (ctx.format !== 'table') return ctx.printData(mounts);
      ctx.out(mountTable(mounts, ctx.flags.bool('detailed')));
      return EXIT_OK;
    } catch (e) {
      return ctx.fail('Error listing secrets engines', e);
    }
  },
};

const tune: Command = {
  name: 'secrets tune',
  synopsis: 'Tune a secrets engine',
  usage: '[options] PATH',
  flags: [...MOUNT_CONFIG_FLAGS, { ...VERSION_FLAG }],
  async run(ctx, args) {
    expectArgs(args, 1);
    const path = mountPathText(args[0]);
    const client = await ctx.client();
    try {
      const secret = await client.sys.tuneMount(path, tuneInput(ctx, false));
      const w = warningsText(secret?.warnings);
      if (w) ctx.err(w);
    } catch (e) {
      return ctx.fail(`Error tuning secrets engine ${path}`, e);
    }
    ctx.out(`Success! Tuned the secrets engine at: ${path}`);
    return EXIT_OK;
  },
};

/** How long `secrets move` waits between migration status checks (ms). */
export const MOVE_POLL_MS = 500;
const MOVE_MAX_POLLS = 600;

const move: Command = {
  name: 'secrets move',
  synopsis: 'Move a secrets engine to a new path',
  usage: '[options] SOURCE DESTINATION',
  flags: [],
  async run(ctx, args) {
    expectArgs(args, 2);
    const from = mountPathText(args[0]);
    const to = mountPathText(args[1]);
    const client = await ctx.client();
    try {
      const id = await client.sys.remount(from, to);
      if (id === undefined) {
        ctx.out(`Success! Moved secrets engine ${from} to: ${to}`);
        return EXIT_OK;
      }
      for (let i = 0; i < MOVE_MAX_POLLS; i++) {
        const status = await client.sys.remountStatus(id);
        if (status === 'success') {
          ctx.out(`Success! Finished moving secrets engine ${from} to ${to}, with migration ID ${id}`);
          return EXIT_OK;
        }
        if (status === 'failure') {
          ctx.err(`Error moving secrets engine ${from} to ${to}: migration ${id} failed`);
          return EXIT_REMOTE;
        }
        await new Promise((r) => setTimeout(r, MOVE_POLL_MS));
      }
      ctx.err(`Error moving secrets engine ${from} to ${to}: migration ${id} did not finish in time`);
      return EXIT_REMOTE;
    } catch (e) {
      return ctx.fail(`Error moving secrets engine ${from} to ${to}`, e);
    }
  },
};

export const secretsCommands: Command[] = [enable, disable, list, tune, move];
