/**
 * sys/remount and sys/remount/status/<id> (spec/core.md 2.5). Keep moves the mount
 * synchronously (its data is keyed by UUID, so nothing is copied) but keeps Vault's reply shape:
 * a migration id plus a warning, and a status that reports the outcome.
 */
import { randomUUID } from 'node:crypto';
import type { SystemServices } from '../../core/contracts.ts';
import { badRequest } from '../../errors.ts';
import { definePath } from '../../framework/path.ts';
import type { PathDef } from '../../framework/types.ts';
import { sanitizePath } from './util.ts';

interface Migration {
  source_mount: string;
  target_mount: string;
  status: 'in-progress' | 'success' | 'failure';
}

/** Vault keeps migration statuses in memory only; so does Keep (bounded). */
const MAX_REMEMBERED = 1000;

export function remountPaths(services: SystemServices): PathDef[] {
  const migrations = new Map<string, Migration>();

  return [
    definePath({
      pattern: 'remount',
      fields: {
        from: { type: 'string', description: 'Current mount path.' },
        to: { type: 'string', description: 'New mount path.' },
      },
      synopsis: 'Move a mount to a new path.',
      operations: {
        update: {
          summary: 'Move a secrets engine or auth method to a new path.',
          handler: async (ctx) => {
            const from = ctx.fields.from ?? '';
            const to = ctx.fields.to ?? '';
            if (from === '' || to === '') throw badRequest(`both 'from' and 'to' path must be specified as a string`);
            if (from !== from.trim()) throw badRequest(`'from' path cannot contain trailing whitespace`);
            if (to !== to.trim()) throw badRequest(`'to' path cannot contain trailing whitespace`);
            const src = sanitizePath(from);
            const dst = sanitizePath(to);
            if (src.startsWith('auth/') && !dst.startsWith('auth/')) {
              throw badRequest(`cannot remount auth mount to non-auth mount "${dst}"`);
            }
            const id = randomUUID();
            // Throws (400) on protected, missing or conflicting paths; nothing is recorded then.
            await services.mounts.remount(src, dst);
            if (migrations.size >= MAX_REMEMBERED) {
              const oldest = migrations.keys().next().value;
              if (oldest !== undefined) migrations.delete(oldest);
            }
            migrations.set(id, { source_mount: src, target_mount: dst, status: 'success' });
            return {
              data: { migration_id: id },
              warnings: [
                `Mount move has been queued. Progress will be reported in Keep's server log, tagged with the returned migration_id`,
              ],
            };
          },
        },
      },
    }),
    definePath({
      pattern: 'remount/status/(?<migration_id>.+)',
      fields: { migration_id: { type: 'string', description: 'The id returned by sys/remount.' } },
      synopsis: 'Status of a mount move.',
      operations: {
        read: {
          summary: 'Read the status of a mount move.',
          handler: async (ctx) => {
            const id = ctx.fields.migration_id ?? '';
            if (id === '') throw badRequest('migrationID must be specified');
            const info = migrations.get(id);
            if (!info) return undefined;
            return { data: { migration_id: id, migration_info: { ...info } } };
          },
        },
      },
    }),
  ];
}
