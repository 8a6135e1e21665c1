/** `roles` (LIST) and `roles/:name` (dynamic roles, spec/dynamic.md 2.6). */
import { badRequest } from '../../errors.ts';
import { definePath } from '../../framework/path.ts';
import type { LogicalResponse, PathDef, RequestContext } from '../../framework/types.ts';
import type { DatabaseDeps } from './deps.ts';
import { NAMES_MUST_BE_UNIQUE, NAME_PATTERN } from './names.ts';
import { checkCredentialConfig, checkCredentialType, dynamicRoleReadData, type DynamicRole } from './roles-store.ts';

const roleFields = {
  name: { type: 'string', required: true, description: 'Name of the role.' },
  db_name: { type: 'string', description: 'Name of the connection (config/:name) the role uses.' },
  creation_statements: { type: 'string-slice', description: 'Statements that create the user; {{name}}, {{password}}, {{expiration}} are replaced.' },
  revocation_statements: { type: 'string-slice', description: 'Statements that drop the user; empty = the plugin default.' },
  rollback_statements: { type: 'string-slice', description: 'Statements that undo a failed creation.' },
  renew_statements: { type: 'string-slice', description: 'Statements that extend the user; empty = the plugin default.' },
  default_ttl: { type: 'duration', description: 'Default lease TTL of issued credentials (0 = the mount default).' },
  max_ttl: { type: 'duration', description: 'Maximum lease TTL of issued credentials (0 = the mount maximum).' },
  credential_type: { type: 'string', description: 'password, rsa_private_key or client_certificate.' },
  credential_config: { type: 'kv-pairs', description: 'Settings of the credential type (password: password_policy).' },
} as const;

type RoleCtx = RequestContext<typeof roleFields>;

const STATEMENT_FIELDS = ['creation_statements', 'revocation_statements', 'rollback_statements', 'renew_statements'] as const;

/** Create takes defaults for omitted fields; update keeps the stored values. */
async function writeRole(deps: DatabaseDeps, ctx: RoleCtx): Promise<LogicalResponse | undefined> {
  const name = ctx.fields.name;
  return deps.roleLock.run(`role:${name}`, async () => {
    if (await deps.roles.getStatic(name)) throw badRequest(NAMES_MUST_BE_UNIQUE);
    const stored = await deps.roles.getDynamic(name);
    const role: DynamicRole = stored ?? {
      db_name: '',
      creation_statements: [],
      revocation_statements: [],
      rollback_statements: [],
      renew_statements: [],
      default_ttl: 0,
      max_ttl: 0,
      credential_type: 'password',
      credential_config: {},
    };
    const f = ctx.fields;
    const has = (k: string) => ctx.supplied.has(k);

    if (has('db_name')) role.db_name = f.db_name ?? '';
    if (role.db_name === '') throw badRequest('database name is required');
    if (has('credential_type')) {
      const t = f.credential_type ?? '';
      checkCredentialType(t);
      role.credential_type = t;
    }
    if (has('credential_config') || !stored) {
      const cc = f.credential_config ?? {};
      checkCredentialConfig(role.credential_type, cc);
      role.credential_config = { ...cc };
    }
    for (const k of STATEMENT_FIELDS) {
      if (has(k)) role[k] = [...(f[k] ?? [])];
    }
    role.revocation_statements = role.revocation_statements.filter((s) => s !== '');
    if (has('default_ttl')) role.default_ttl = f.default_ttl ?? 0;
    if (has('max_ttl')) role.max_ttl = f.max_ttl ?? 0;

    await deps.roles.putDynamic(name, role);
    return undefined;
  });
}

export function rolePaths(deps: DatabaseDeps): PathDef[] {
  return [
    definePath({
      pattern: 'roles/?',
      fields: {},
      operations: {
        list: {
          handler: async () => {
            const keys = await deps.roles.listDynamic();
            return keys.length > 0 ? { data: { keys } } : undefined;
          },
          summary: 'List the dynamic roles.',
        },
      },
      synopsis: 'List dynamic roles.',
      description: 'Lists the names of the dynamic roles of this mount.',
    }),
    definePath({
      pattern: `roles/(?<name>${NAME_PATTERN})`,
      fields: roleFields,
      existenceCheck: async (ctx) => (await deps.roles.getDynamic(ctx.fields.name)) !== undefined,
      operations: {
        read: {
          handler: async (ctx) => {
            const role = await deps.roles.getDynamic(ctx.fields.name);
            return role ? { data: dynamicRoleReadData(role) } : undefined;
          },
          summary: 'Read a dynamic role.',
        },
        create: { handler: (ctx) => writeRole(deps, ctx), summary: 'Create a dynamic role.' },
        update: { handler: (ctx) => writeRole(deps, ctx), summary: 'Update a dynamic role (omitted fields keep their value).' },
        delete: {
          handler: async (ctx) => {
            await deps.roleLock.run(`role:${ctx.fields.name}`, () => deps.roles.deleteDynamic(ctx.fields.name));
            return undefined;
          },
          summary: 'Delete a dynamic role; its leases stay and are still revoked.',
        },
      },
      synopsis: 'Manage the roles that issue dynamic database credentials.',
      description:
        'A role names a connection and the statements that create, renew and revoke a database user, and the lease TTLs of the credentials it issues.',
    }),
  ];
}
