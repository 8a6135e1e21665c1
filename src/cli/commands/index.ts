/**
 * Every `keep` command, in help order.
 */
import type { Command } from '../registry.ts';
import { authCommands } from './auth.ts';
import { ciCommands } from './ci.ts';
import { issuerCommands } from './issuer.ts';
import { kvMetadataCommands } from './kv-metadata.ts';
import { kvCommands } from './kv.ts';
import { leaseCommands } from './lease.ts';
import { logicalCommands } from './logical.ts';
import { loginCommands } from './login.ts';
import { operatorCommands } from './operator.ts';
import { policyCommands } from './policy.ts';
import { secretsCommands } from './secrets.ts';
import { serverCommands } from './server-command.ts';
import { statusCommands } from './status.ts';
import { tokenCommands } from './token.ts';
import { versionCommands } from './version.ts';

export const allCommands: Command[] = [
  ...logicalCommands,
  ...loginCommands,
  ...kvCommands,
  ...kvMetadataCommands,
  ...statusCommands,
  ...serverCommands,
  ...operatorCommands,
  ...policyCommands,
  ...tokenCommands,
  ...secretsCommands,
  ...authCommands,
  ...leaseCommands,
  ...issuerCommands,
  ...ciCommands,
  ...versionCommands,
];
