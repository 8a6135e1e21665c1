/**
 * Static-role password rotation (spec/dynamic.md 2.9): the schedule (rotation_period, or a
 * rotation_schedule cron with an optional rotation_window), the rotation itself with its WAL,
 * and the in-memory queue the background work (Backend.periodic) runs.
 *
 * - A role is due at `next_vault_rotation` (stored): last rotation + period, or the next cron slot.
 *   Missed rotations (server down) are due at once when the queue is loaded at start.
 * - With a window, a rotation that cannot start before slot + window is skipped to the next slot.
 * - A failed rotation is retried 10 s later, indefinitely; its WAL keeps the new password so the
 *   retry sets the same one (a crash after the database change but before the storage write is
 *   then harmless).
 * - The queue is rebuilt from storage every minute and on invalidation, so a node that takes
 *   over background work from another sees current roles.
 */
import { internalError } from '../../errors.ts';
import { detailString } from './config-store.ts';
import { nextCronTime, parseCron } from './cron.ts';
import { generatePassword } from './creds.ts';
import type { DatabaseDeps } from './deps.ts';
import { assertRoleAllowed } from './names.ts';
import { dbFailure, errorMessage } from './redact.ts';
import { passwordPolicyOf, type StaticRole } from './roles-store.ts';
import type { StaticRotationWAL } from './wal.ts';

/** A failed rotation is tried again after this long. */
export const ROTATION_RETRY_MS = 10_000;
/** The queue is rebuilt from storage this often. */
export const QUEUE_RELOAD_MS = 60_000;
/** Minimum rotation_period (s) and rotation_window (s). */
export const MIN_ROTATION_PERIOD = 5;
export const MIN_ROTATION_WINDOW = 3600;

const FIVE_YEARS_MS = 5 * 366 * 86_400_000;

/** When a role is next due after a rotation (or a schedule change) at `fromMs`. */
export function nextRotation(role: Pick<StaticRole, 'rotation_period' | 'rotation_schedule'>, fromMs: number): number {
  if (role.rotation_schedule !== '') {
    return nextCronTime(parseCron(role.rotation_schedule), fromMs) ?? fromMs + FIVE_YEARS_MS;
  }
  return fromMs + role.rotation_period * 1000;
}

/** A schedule-based role with a window whose current slot can no longer be used. */
function outsideWindow(role: StaticRole, nowMs: number): boolean {
  return role.rotation_schedule !== '' && role.rotation_window > 0 && nowMs >= role.next_vault_rotation + role.rotation_window * 1000;
}

/** The WAL belongs to the role's current state (same user, no rotation since it was written). */
function walMatches(w: StaticRotationWAL | undefined, role: StaticRole | undefined): boolean {
  return w !== undefined && role !== undefined && w.username === role.username && w.last_vault_rotation === role.last_vault_rotation;
}

export const ROTATE_ROLE_FAILED =
  'unable to finish rotating credentials; retries will continue in the background but it is also safe to retry manually: ';

export class StaticRotator {
  private readonly due = new Map<string, number>();
  private lastLoad = Number.NEGATIVE_INFINITY;
  /** Names scheduled while a load runs: their new times win over what the load read. */
  private touched: Set<string> | undefined;

  constructor(private readonly deps: DatabaseDeps) {}

  /** Rebuilds the queue from storage; drops WALs that no longer match their role. */
  async load(): Promise<void> {
    const deps = this.deps;
    const now = deps.now();
    this.lastLoad = now;
    const touched = new Set<string>();
    this.touched = touched;
    try {
      await this.loadInto(now, touched);
    } finally {
      if (this.touched === touched) this.touched = undefined;
    }
  }

  private async loadInto(now: number, touched: Set<string>): Promise<void> {
    const deps = this.deps;
    const roles = new Map<string, StaticRole>();
    for (const name of await deps.roles.listStatic()) {
      const role = await deps.roles.getStatic(name);
      if (role) roles.set(name, role);
    }
    const fresh = new Map<string, number>();
    for (const [name, role] of roles) fresh.set(name, role.next_vault_rotation);
    for (const name of await deps.wals.listStatic()) {
      if (walMatches(await deps.wals.getStatic(name), roles.get(name))) {
        // An interrupted rotation: finish it now, with the password the WAL holds.
        fresh.set(name, Math.min(fresh.get(name) ?? Number.POSITIVE_INFINITY, now));
        continue;
      }
      // Checked again under the role lock: a role being created holds it and owns its WAL.
      await deps.roleLock.run(`role:${name}`, async () => {
        const w = await deps.wals.getStatic(name);
        if (w && !walMatches(w, await deps.roles.getStatic(name))) await deps.wals.deleteStatic(name);
      });
    }
    for (const name of [...this.due.keys()]) {
      if (!fresh.has(name) && !touched.has(name)) this.due.delete(name);
    }
    for (const [name, at] of fresh) {
      if (touched.has(name)) continue;
      // A failed rotation waiting for its retry keeps the retry time.
      const current = this.due.get(name);
      this.due.set(name, current !== undefined && at <= now && current > at ? current : at);
    }
  }

  /** Re-reads one role's due time (after a write elsewhere). */
  async refresh(name: string): Promise<void> {
    const role = await this.deps.roles.getStatic(name);
    if (role) this.schedule(name, role.next_vault_rotation);
    else this.unschedule(name);
  }

  schedule(name: string, atMs: number): void {
    this.touched?.add(name);
    this.due.set(name, atMs);
  }

  unschedule(name: string): void {
    this.touched?.add(name);
    this.due.delete(name);
  }

  /** When the queue will next rotate `name` (tests, diagnostics). */
  dueAt(name: string): number | undefined {
    return this.due.get(name);
  }

  /** Runs the rotations that are due (background work). */
  async tick(): Promise<void> {
    const now = this.deps.now();
    if (now - this.lastLoad >= QUEUE_RELOAD_MS) await this.load();
    const ready = [...this.due].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]);
    for (const [name] of ready) await this.runScheduled(name);
  }

  private async runScheduled(name: string): Promise<void> {
    const deps = this.deps;
    await deps.roleLock.run(`role:${name}`, async () => {
      const role = await deps.roles.getStatic(name);
      if (!role) {
        this.unschedule(name);
        return;
      }
      const now = deps.now();
      if ((this.due.get(name) ?? Number.POSITIVE_INFINITY) > now) return;
      if (outsideWindow(role, now)) {
        role.next_vault_rotation = nextRotation(role, now);
        await deps.roles.putStatic(name, role);
        this.schedule(name, role.next_vault_rotation);
        return;
      }
      try {
        await this.rotate(name, role);
      } catch (e) {
        this.schedule(name, now + ROTATION_RETRY_MS);
        deps.logger.warn('database: static role rotation failed; retrying later', { role: name, error: errorMessage(e) });
      }
    });
  }

  /**
   * Sets a new password for the role's user and stores it (caller holds the role lock). On
   * failure the WAL stays (the retry sets the same password) and the error is thrown, secrets
   * masked.
   */
  async rotate(name: string, role: StaticRole): Promise<StaticRole> {
    const deps = this.deps;
    const cfg = await deps.configs.require(role.db_name);
    assertRoleAllowed(cfg.allowed_roles, name);
    if (role.credential_type !== 'password') throw internalError(`unsupported credential_type ${JSON.stringify(role.credential_type)}`);

    const pending = await deps.wals.getStatic(name);
    let password: string;
    if (pending && walMatches(pending, role)) {
      password = pending.new_password;
    } else {
      password = await generatePassword(deps, passwordPolicyOf(role.credential_config, cfg.password_policy));
      await deps.wals.putStatic({
        role: name,
        username: role.username,
        new_password: password,
        last_vault_rotation: role.last_vault_rotation,
        created: deps.now(),
      });
    }
    try {
      await deps.connections.use(role.db_name, (plugin) =>
        plugin.updatePassword({ statements: [...role.rotation_statements], username: role.username, password }),
      );
    } catch (e) {
      throw dbFailure('error setting credentials: ', e, [password, role.password, detailString(cfg, 'password')]);
    }
    const now = deps.now();
    const next: StaticRole = { ...role, password, last_vault_rotation: now, next_vault_rotation: nextRotation(role, now) };
    await deps.roles.putStatic(name, next);
    try {
      await deps.wals.deleteStatic(name);
    } catch (e) {
      deps.logger.warn('database: deleting a static rotation WAL failed', { role: name, error: errorMessage(e) });
    }
    this.schedule(name, next.next_vault_rotation);
    return next;
  }

  /** `rotate-role/:name`: rotate now; a failure keeps retrying in the background. */
  async rotateNow(name: string, notFound: () => Error): Promise<void> {
    const deps = this.deps;
    await deps.roleLock.run(`role:${name}`, async () => {
      const role = await deps.roles.getStatic(name);
      if (!role) throw notFound();
      try {
        await this.rotate(name, role);
      } catch (e) {
        this.schedule(name, deps.now() + ROTATION_RETRY_MS);
        throw internalError(ROTATE_ROLE_FAILED + errorMessage(e));
      }
    });
  }
}
