/**
 * `rotate-root/:name` (spec/dynamic.md 2.5) and the recovery of interrupted root rotations.
 *
 * Steps: new password (connection password_policy or the default generator) -> WAL record
 * {connection, username, old, new} -> the plugin runs the rotation statements as the current root
 * -> config stored with the new password -> WAL deleted -> pool closed (the next use reconnects
 * from the stored config). Afterwards only Keep knows the root password.
 *
 * A WAL still present means the process stopped (or the database failed) somewhere in between.
 * Settling it, for WALs at least a minute old (so an in-flight rotation is never raced) and before
 * any new rotation of the same connection:
 * - config gone -> drop the WAL;
 * - stored password is already the new one -> the rotation finished: drop the WAL;
 * - the stored password connects -> the database never changed: drop the WAL;
 * - the WAL's new password connects -> the database changed but storage did not: store the new
 *   password (roll forward), drop the WAL;
 * - neither connects (database down) -> keep the WAL and try again later.
 */
import { internalError } from '../../errors.ts';
import { definePath } from '../../framework/path.ts';
import type { PathDef } from '../../framework/types.ts';
import { detailString } from './config-store.ts';
import { generatePassword } from './creds.ts';
import type { DatabaseDeps } from './deps.ts';
import { NAME_PATTERN } from './names.ts';
import { errorMessage, redact } from './redact.ts';
import type { RootRotationWAL } from './wal.ts';

/** A root WAL younger than this may belong to a rotation still running; the background leaves it. */
export const ROOT_WAL_MIN_AGE_MS = 60_000;
/** After a failed settle attempt, the background waits this long before the next one. */
export const ROOT_WAL_RETRY_MS = 60_000;

async function canConnect(deps: DatabaseDeps, pluginName: string, details: Record<string, unknown>): Promise<boolean> {
  let plugin;
  try {
    plugin = deps.pluginFactory(pluginName);
  } catch {
    return false;
  }
  try {
    await plugin.initialize(details, true);
    return true;
  } catch {
    return false;
  } finally {
    await plugin.close().catch(() => undefined);
  }
}

/** Settles one root WAL (caller holds the connection lock); throws when it must stay. */
async function settleRootWAL(deps: DatabaseDeps, name: string, w: RootRotationWAL): Promise<void> {
  const cfg = await deps.configs.get(name);
  if (cfg && detailString(cfg, 'password') !== w.new_password && !(await canConnect(deps, cfg.plugin_name, cfg.connection_details))) {
    const withNew = { ...cfg.connection_details, password: w.new_password };
    if (!(await canConnect(deps, cfg.plugin_name, withNew))) {
      throw new Error('unable to settle an interrupted root rotation: the database accepts neither the stored nor the new password');
    }
    cfg.connection_details = withNew;
    await deps.configs.put(name, cfg);
    deps.connections.remove(name);
    deps.logger.info('database: completed an interrupted root rotation', { connection: name });
  }
  await deps.wals.deleteRoot(name);
}

async function rotateRoot(deps: DatabaseDeps, name: string): Promise<void> {
  await deps.connLock.run(`conn:${name}`, async () => {
    const pending = await deps.wals.getRoot(name);
    if (pending) {
      try {
        await settleRootWAL(deps, name, pending);
      } catch (e) {
        throw internalError(`failed to update user: ${redact(errorMessage(e), [pending.old_password, pending.new_password])}`);
      }
    }
    const cfg = await deps.configs.require(name);
    const username = detailString(cfg, 'username');
    if (username === '') throw internalError('unable to rotate root credentials: no username in configuration');
    const oldPassword = detailString(cfg, 'password');
    if (oldPassword === '') throw internalError('unable to rotate root credentials: no password in configuration');

    const newPassword = await generatePassword(deps, cfg.password_policy);
    await deps.wals.putRoot({ connection: name, username, old_password: oldPassword, new_password: newPassword, created: deps.now() });
    try {
      await deps.connections.use(name, (plugin) =>
        plugin.rotateRoot({ statements: [...cfg.root_credentials_rotate_statements], newPassword }),
      );
    } catch (e) {
      // The WAL stays: whether the database changed is unknown; settling it finds out.
      deps.connections.remove(name);
      throw internalError(`failed to update user: ${redact(errorMessage(e), [newPassword, oldPassword])}`);
    }
    cfg.connection_details.password = newPassword;
    await deps.configs.put(name, cfg);
    try {
      await deps.wals.deleteRoot(name);
    } catch (e) {
      deps.logger.warn('database: deleting the root rotation WAL failed', { connection: name, error: errorMessage(e) });
    }
    deps.connections.remove(name);
  });
}

/** Background settling of root WALs (called from periodic). */
export class RootWalSettler {
  private readonly nextTry = new Map<string, number>();

  constructor(private readonly deps: DatabaseDeps) {}

  async tick(): Promise<void> {
    const deps = this.deps;
    for (const name of await deps.wals.listRoot()) {
      const now = deps.now();
      if ((this.nextTry.get(name) ?? 0) > now) continue;
      await deps.connLock.run(`conn:${name}`, async () => {
        const w = await deps.wals.getRoot(name);
        if (!w || now - w.created < ROOT_WAL_MIN_AGE_MS) return;
        try {
          await settleRootWAL(deps, name, w);
          this.nextTry.delete(name);
        } catch (e) {
          this.nextTry.set(name, now + ROOT_WAL_RETRY_MS);
          deps.logger.warn('database: an interrupted root rotation is not settled yet', {
            connection: name,
            error: redact(errorMessage(e), [w.old_password, w.new_password]),
          });
        }
      });
    }
  }
}

export function rotateRootPaths(deps: DatabaseDeps): PathDef[] {
  return [
    definePath({
      pattern: `rotate-root/(?<name>${NAME_PATTERN})`,
      fields: { name: { type: 'string', required: true, description: 'Name of the connection.' } },
      operations: {
        update: {
          handler: async (ctx) => {
            await rotateRoot(deps, ctx.fields.name);
            return undefined;
          },
          summary: 'Rotate the root password of a connection.',
        },
      },
      synopsis: 'Rotate the root credentials of a connection.',
      description: 'Sets a new generated password for the connection user; afterwards only Keep knows it.',
    }),
  ];
}
