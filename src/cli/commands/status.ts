/**
 * `keep status` and the seal-status table shared with `operator unseal`.
 */
import type { KeepClient } from '../../client/client.ts';
import { KeepApiError } from '../../client/errors.ts';
import type { LeaderStatus, SealStatus } from '../../client/types.ts';
import { EXIT_LOCAL, EXIT_OK, EXIT_REMOTE, FORMAT_FLAG, expectArgs } from '../context.ts';
import type { CommandContext } from '../context.ts';
import { columns, jsonText, yamlText } from '../format.ts';
import type { Command } from '../registry.ts';

/** The `status` table rows, in Vault's order. */
export function sealStatusTable(s: SealStatus, leader: Pick<LeaderStatus, 'ha_enabled'>): string {
  const rows: string[][] = [
    ['Key', 'Value'],
    ['---', '-----'],
    ['Seal Type', String(s.type ?? '')],
    ['Initialized', String(s.initialized)],
    ['Sealed', String(s.sealed)],
    ['Total Shares', String(s.n)],
    ['Threshold', String(s.t)],
  ];
  if (s.sealed) {
    rows.push(['Unseal Progress', `${s.progress}/${s.t}`]);
    rows.push(['Unseal Nonce', s.nonce ?? '']);
  }
  if (s.migration) rows.push(['Seal Migration in Progress', 'true']);
  rows.push(['Version', String(s.version ?? '')]);
  rows.push(['Build Date', String(s.build_date ?? '')]);
  rows.push(['Storage Type', String(s.storage_type ?? '')]);
  if (s.cluster_name && s.cluster_id) {
    rows.push(['Cluster Name', s.cluster_name]);
    rows.push(['Cluster ID', s.cluster_id]);
  }
  rows.push(['HA Enabled', String(leader.ha_enabled)]);
  return columns(rows);
}

/** Prints a seal status with the leader's HA flag, in the chosen format. */
export async function printSealStatus(ctx: CommandContext, client: KeepClient, status: SealStatus): Promise<number> {
  let haEnabled = false;
  try {
    haEnabled = (await client.sys.leader()).ha_enabled === true;
  } catch (e) {
    // A sealed server (or one without sys/leader) answers with an error: HA is then reported off.
    if (!(e instanceof KeepApiError)) {
      ctx.err(`Error checking leader status: ${e instanceof Error ? e.message : String(e)}`);
      return EXIT_LOCAL;
    }
  }
  const fmt = ctx.format;
  if (fmt === 'json') ctx.out(jsonText({ ...status, ha_enabled: haEnabled }));
  else if (fmt === 'yaml' || fmt === 'yml') ctx.out(yamlText({ ...status, ha_enabled: haEnabled }));
  else if (fmt === 'table') ctx.out(sealStatusTable(status, { ha_enabled: haEnabled }));
  else {
    ctx.err(`Invalid output format: ${fmt}`);
    return EXIT_LOCAL;
  }
  return EXIT_OK;
}

const status: Command = {
  name: 'status',
  synopsis: 'Print seal and HA status',
  usage: '[options]',
  help: 'Prints the seal status of the server. Exit code 0 when unsealed, 2 when sealed, 1 on error.',
  flags: [FORMAT_FLAG],
  async run(ctx, args) {
    expectArgs(args, 0);
    const client = await ctx.client();
    let s: SealStatus;
    try {
      s = await client.sys.sealStatus();
    } catch (e) {
      ctx.err(`Error checking seal status: ${e instanceof Error ? e.message : String(e)}`);
      return EXIT_LOCAL;
    }
    const code = await printSealStatus(ctx, client, s);
    if (code !== EXIT_OK) return code;
    return s.sealed ? EXIT_REMOTE : EXIT_OK;
  },
};

export const statusCommands: Command[] = [status];
