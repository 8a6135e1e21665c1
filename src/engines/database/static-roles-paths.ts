/**
 * `static-roles` (LIST), `static-roles/:name`, `static-creds/:name` and `rotate-role/:name`
 * (spec/dynamic.md 2.9). Creating a static role rotates its user's password at once (Keep must
 * know it); a failed first rotation stores nothing. Deleting a role never touches the user.
 */
import { badRequest } from '../../errors.ts';
import { definePath } from '../../framework/path.ts';
import type { LogicalResponse, PathDef, RequestContext } from '../../framework/types.ts';
import { parseCron, nextCronTime } from './cron.ts';
import type { DatabaseDeps } from './deps.ts';
import { assertRoleAllowed, NAMES_MUST_BE_UNIQUE, NAME_PATTERN } from './names.ts';
import { errorMessage } from './redact.ts';
import { checkCredentialConfig, checkCredentialType, staticCredsData, staticRoleReadData, type StaticRole } from './roles-store.ts';
import { MIN_ROTATION_PERIOD, MIN_ROTATION_WINDOW, nextRotation, type StaticRotator } from './static-rotation.ts';

const nameField = { type: 'string', required: true, description: 'Name of the static role.' } as const;

const staticRoleFields = {
  name: nameField,
  db_name: { type: 'string', description: 'Name of the connection (config/:name) the role uses.' },
  username: { type: 'string', description: 'Database user whose password Keep manages (set at creation).' },
  rotation_period: { type: 'duration', description: 'Time between rotations (at least 5s).' },
  rotation_schedule: { type: 'string', description: '5-field cron schedule of rotations (UTC).' },
  rotation_window: { type: 'duration', description: 'How long after a scheduled time a rotation may still start (at least 1h).' },
  rotation_statements: { type: 'string-slice', description: 'Statements that set the password; empty = the plugin default.' },
  credential_type: { type: 'string', description: 'password (rsa_private_key, client_certificate: not supported by the SQL plugins).' },
  credential_config: { type: 'kv-pairs', description: 'Settings of the credential type (password: password_policy).' },
} as const;

type StaticCtx = RequestContext<typeof staticRoleFields>;

function newStaticRole(): StaticRole {
  return {
    db_name: '',
    username: '',
    password: '',
    rotation_period: 0,
    rotation_schedule: '',
    rotation_window: 0,
    rotation_statements: [],
    credential_type: 'password',
    credential_config: {},
    last_vault_rotation: 0,
    next_vault_rotation: 0,
  };
}

/** Applies the request to `role` with Vault's checks and messages; true when the schedule changed. */
function applyInput(role: StaticRole, ctx: StaticCtx, creating: boolean, nowMs: number): boolean {
  const f = ctx.fields;
  const has = (k: string) => ctx.supplied.has(k);
  if (has('db_name')) role.db_name = f.db_name ?? '';
  if (role.db_name === '') throw badRequest('database name is a required field');

  const username = f.username ?? '';
  if (creating) {
    if (username === '') throw badRequest('username is a required field to create a static account');
    role.username = username;
  } else if (has('username') && username !== role.username) {
    throw badRequest('cannot update static account username');
  }

  const schedule = f.rotation_schedule ?? '';
  const periodGiven = has('rotation_period');
  const scheduleGiven = schedule !== '';
  if (periodGiven && scheduleGiven) {
    throw badRequest('mutually exclusive fields rotation_period and rotation_schedule were both specified; only one of them can be provided');
  }
  if (creating && !periodGiven && !scheduleGiven) {
    throw badRequest('one of rotation_schedule or rotation_period must be provided to create a static account');
  }
  if (periodGiven) {
    const period = f.rotation_period ?? 0;
    if (period < MIN_ROTATION_PERIOD) throw badRequest(`rotation_period must be ${MIN_ROTATION_PERIOD} seconds or more`);
    if (has('rotation_window')) throw badRequest('rotation_window is invalid with use of rotation_period');
    role.rotation_period = period;
    role.rotation_schedule = '';
    role.rotation_window = 0;
  }
  if (scheduleGiven) {
    let parsed;
    try {
      parsed = parseCron(schedule);
    } catch (e) {
      throw badRequest(`could not parse rotation_schedule: ${errorMessage(e)}`);
    }
    if (nextCronTime(parsed, nowMs) === undefined) throw badRequest('could not parse rotation_schedule: the schedule never fires');
    role.rotation_schedule = schedule;
    role.rotation_period = 0;
  }
  if (has('rotation_window')) {
    if (role.rotation_schedule === '') throw badRequest('rotation_window is invalid with use of rotation_period');
    const window = f.rotation_window ?? 0;
    if (window < MIN_ROTATION_WINDOW) throw badRequest(`rotation_window is invalid: rotation_window must be ${MIN_ROTATION_WINDOW} seconds or more`);
    role.rotation_window = window;
  }

  if (has('rotation_statements')) role.rotation_statements = [...(f.rotation_statements ?? [])];
  if (has('credential_type')) {
    const t = f.credential_type ?? '';
    checkCredentialType(t);
    role.credential_type = t;
  }
  if (has('credential_config') || creating) {
    const cc = f.credential_config ?? {};
    checkCredentialConfig(role.credential_type, cc);
    role.credential_config = { ...cc };
  }
  return periodGiven || scheduleGiven;
}

async function writeStaticRole(deps: DatabaseDeps, rotator: StaticRotator, ctx: StaticCtx): Promise<LogicalResponse | undefined> {
  const name = ctx.fields.name;
  await deps.roleLock.run(`role:${name}`, async () => {
    if (await deps.roles.getDynamic(name)) throw badRequest(NAMES_MUST_BE_UNIQUE);
    const stored = await deps.roles.getStatic(name);
    const role = stored ?? newStaticRole();
    const scheduleChanged = applyInput(role, ctx, stored === undefined, deps.now());
    if (!stored) {
      try {
        await rotator.rotate(name, role);
      } catch (e) {
        await deps.wals.deleteStatic(name).catch(() => undefined);
        throw e;
      }
      return;
    }
    // A new period or schedule counts from now.
    if (scheduleChanged) role.next_vault_rotation = nextRotation(role, deps.now());
    await deps.roles.putStatic(name, role);
    rotator.schedule(name, role.next_vault_rotation);
  });
  return undefined;
}

export function staticRolePaths(deps: DatabaseDeps, rotator: StaticRotator): PathDef[] {
  return [
    definePath({
      pattern: 'static-roles/?',
      fields: {},
      operations: {
        list: {
          handler: async () => {
            const keys = await deps.roles.listStatic();
            return keys.length > 0 ? { data: { keys } } : undefined;
          },
          summary: 'List the static roles.',
        },
      },
      synopsis: 'List static roles.',
      description: 'Lists the names of the static roles of this mount.',
    }),
    definePath({
      pattern: `static-roles/(?<name>${NAME_PATTERN})`,
      fields: staticRoleFields,
      existenceCheck: async (ctx) => (await deps.roles.getStatic(ctx.fields.name)) !== undefined,
      operations: {
        read: {
          handler: async (ctx) => {
            const role = await deps.roles.getStatic(ctx.fields.name);
            return role ? { data: staticRoleReadData(role) } : undefined;
          },
          summary: 'Read a static role.',
        },
        create: { handler: (ctx) => writeStaticRole(deps, rotator, ctx), summary: 'Create a static role (rotates its password now).' },
        update: { handler: (ctx) => writeStaticRole(deps, rotator, ctx), summary: 'Update a static role.' },
        delete: {
          handler: async (ctx) => {
            const name = ctx.fields.name;
            await deps.roleLock.run(`role:${name}`, async () => {
              await deps.roles.deleteStatic(name);
              await deps.wals.deleteStatic(name);
              rotator.unschedule(name);
            });
            return undefined;
          },
          summary: 'Delete a static role (the database user is left as is).',
        },
      },
      synopsis: 'Manage static roles: database users whose password Keep rotates.',
      description: 'A static role names an existing database user; Keep sets its password at creation and on every rotation.',
    }),
    definePath({
      pattern: `static-creds/(?<name>${NAME_PATTERN})`,
      fields: { name: nameField },
      operations: {
        read: {
          handler: async (ctx) => {
            const name = ctx.fields.name;
            const role = await deps.roles.getStatic(name);
            if (!role) throw badRequest(`unknown role: ${name}`);
            const cfg = await deps.configs.require(role.db_name);
            assertRoleAllowed(cfg.allowed_roles, name);
            return { data: staticCredsData(role, deps.now()) };
          },
          summary: 'Read the current credentials of a static role (not leased).',
        },
      },
      synopsis: 'Read static role credentials.',
      description: 'Returns the username and current password of a static role, and the seconds until the next rotation.',
    }),
    definePath({
      pattern: `rotate-role/(?<name>${NAME_PATTERN})`,
      fields: { name: nameField },
      operations: {
        update: {
          handler: async (ctx) => {
            await rotator.rotateNow(ctx.fields.name, () => badRequest('no static role found for role name'));
            return undefined;
          },
          summary: 'Rotate a static role now.',
        },
      },
      synopsis: 'Rotate the password of a static role now.',
      description: 'Sets a new password and restarts the rotation period.',
    }),
  ];
}
