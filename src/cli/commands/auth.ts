/**
 * `keep auth enable | disable | list | tune`.
 */
import { EXIT_OK, FORMAT_FLAG, expectArgs } from '../context.ts';
import type { FlagSpec } from '../flags.ts';
import { warningsText } from '../format.ts';
import type { Command } from '../registry.ts';
import { MOUNT_CONFIG_FLAGS, MOUNT_ENABLE_FLAGS, mountInput, mountPathText, mountTable, tuneInput } from './mount-flags.ts';

const TOKEN_TYPE_FLAG: FlagSpec = { name: 'token-type', type: 'string', usage: 'Token type: default-service, default-batch, service or batch.' };

const enable: Command = {
  name: 'auth enable',
  synopsis: 'Enable an auth method',
  usage: '[options] TYPE',
  flags: [...MOUNT_CONFIG_FLAGS, ...MOUNT_ENABLE_FLAGS, TOKEN_TYPE_FLAG],
  async run(ctx, args) {
    expectArgs(args, 1);
    const type = args[0].trim();
    const path = mountPathText(ctx.flags.str('path') || type);
    const client = await ctx.client();
    try {
      await client.sys.enableAuth(path, mountInput(ctx, type, true));
    } catch (e) {
      return ctx.fail(`Error enabling ${type} auth`, e);
    }
    ctx.out(`Success! Enabled ${type} auth method at: ${path}`);
    return EXIT_OK;
  },
};

const disable: Command = {
  name: 'auth disable',
  synopsis: 'Disable an auth method (revokes its tokens)',
  usage: '[options] PATH',
  flags: [],
  async run(ctx, args) {
    expectArgs(args, 1);
    const path = mountPathText(args[0]);
    const client = await ctx.client();
    try {
      await client.sys.disableAuth(path);
    } catch (e) {
      return ctx.fail(`Error disabling auth method at ${path}`, e);
    }
    ctx.out(`Success! Disabled the auth method (if it existed) at: ${path}`);
    return EXIT_OK;
  },
};

const list: Command = {
  name: 'auth list',
  synopsis: 'List enabled auth methods',
  usage: '[options]',
  flags: [FORMAT_FLAG, { name: 'detailed', type: 'bool', usage: 'Show every column.' }],
  async run(ctx, args) {
    expectArgs(args, 0);
    const client = await ctx.client();
    try {
      const mounts = await client.sys.listAuth();
      if (ctx.format !== 'table') return ctx.printData(mounts);
      ctx.out(mountTable(mounts, ctx.flags.bool('detailed')));
      return EXIT_OK;
    } catch (e) {
      return ctx.fail('Error listing enabled authentications', e);
    }
  },
};

const tune: Command = {
  name: 'auth tune',
  synopsis: 'Tune an auth method',
  usage: '[options] PATH',
  flags: [...MOUNT_CONFIG_FLAGS, TOKEN_TYPE_FLAG],
  async run(ctx, args) {
    expectArgs(args, 1);
    const path = mountPathText(args[0]);
    const client = await ctx.client();
    try {
      const secret = await client.sys.tuneAuth(path, tuneInput(ctx, true));
      const w = warningsText(secret?.warnings);
      if (w) ctx.err(w);
    } catch (e) {
      return ctx.fail(`Error tuning auth method ${path}`, e);
    }
    ctx.out(`Success! Tuned the auth method at: ${path}`);
    return EXIT_OK;
  },
};

export const authCommands: Command[] = [enable, disable, list, tune];
