/**
 * `keep lease lookup | renew | revoke` (spec/dynamic.md 1.5). `lease revoke` queues the revocation
 * (`sync: false`, answered 202) unless `-sync`.
 */
import { EXIT_OK, EXIT_REMOTE, FIELD_FLAG, FORMAT_FLAG, expectArgs } from '../context.ts';
import { UsageError } from '../flags.ts';
import type { Command } from '../registry.ts';
import { durationValue } from './token.ts';

const lookup: Command = {
  name: 'lease lookup',
  synopsis: 'Show a lease',
  usage: '[options] LEASE_ID',
  flags: [FORMAT_FLAG, FIELD_FLAG],
  async run(ctx, args) {
    expectArgs(args, 1);
    const id = args[0].trim();
    const client = await ctx.client();
    let secret;
    try {
      secret = await client.sys.leaseLookup(id);
    } catch (e) {
      return ctx.fail(`Error looking up lease id ${id}`, e);
    }
    if (!secret) {
      ctx.err(`Error looking up lease id ${id}: empty answer`);
      return EXIT_REMOTE;
    }
    return ctx.printSecretOrField(secret);
  },
};

const renew: Command = {
  name: 'lease renew',
  synopsis: 'Renew a lease',
  usage: '[options] LEASE_ID',
  flags: [FORMAT_FLAG, FIELD_FLAG, { name: 'increment', type: 'string', usage: 'Requested new TTL from now (e.g. 1h).' }],
  async run(ctx, args) {
    expectArgs(args, 1);
    const id = args[0].trim();
    const inc = ctx.flags.has('increment') ? durationValue(ctx.flags.str('increment') ?? '') : undefined;
    const client = await ctx.client();
    let secret;
    try {
      secret = await client.sys.leaseRenew(id, inc);
    } catch (e) {
      return ctx.fail(`Error renewing ${id}`, e);
    }
    if (!secret) {
      ctx.out(`Success! Renewed lease: ${id}`);
      return EXIT_OK;
    }
    return ctx.printSecretOrField(secret);
  },
};

const revoke: Command = {
  name: 'lease revoke',
  synopsis: 'Revoke a lease (or every lease under a prefix)',
  usage: '[options] ID',
  flags: [
    { name: 'prefix', type: 'bool', usage: 'Treat ID as a prefix (sys/leases/revoke-prefix).' },
    { name: 'force', type: 'bool', usage: 'With -prefix: delete the leases even when the backend revocation fails.' },
    { name: 'sync', type: 'bool', usage: 'Wait for the revocation to finish instead of queueing it.' },
  ],
  async run(ctx, args) {
    expectArgs(args, 1);
    const force = ctx.flags.bool('force');
    const prefix = ctx.flags.bool('prefix');
    const sync = ctx.flags.bool('sync');
    if (force && !prefix) throw new UsageError('Specifying -force requires also specifying -prefix');
    const id = args[0].trim();
    const client = await ctx.client();
    if (force) ctx.err('Warning! Force-removing leases can cause Keep to become out of sync with secret engines!');
    try {
      if (force) await client.sys.leaseRevokeForce(id);
      else if (prefix) await client.sys.leaseRevokePrefix(id, { sync });
      else await client.sys.leaseRevoke(id, { sync });
    } catch (e) {
      const what = force ? `Error force revoking leases with prefix ${id}` : prefix ? `Error revoking leases with prefix ${id}` : `Error revoking lease ${id}`;
      return ctx.fail(what, e);
    }
    if (force) ctx.out(`Success! Force revoked any leases with prefix: ${id}`);
    else if (!sync) ctx.out('All revocation operations queued successfully!');
    else if (prefix) ctx.out(`Success! Revoked any leases with prefix: ${id}`);
    else ctx.out(`Success! Revoked lease: ${id}`);
    return EXIT_OK;
  },
};

export const leaseCommands: Command[] = [lookup, renew, revoke];
