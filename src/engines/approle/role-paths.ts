/** `role` (LIST), `role/:role_name` (CRUD) and `role/:role_name/role-id` (spec/auth.md 5.1-5.3). */
import { badRequest, unsupportedPath } from '../../errors.ts';
import { definePath } from '../../framework/path.ts';
import type { LogicalResponse, PathDef, RequestContext } from '../../framework/types.ts';
import { MAX_HMAC_INPUT, ROLE_NAME_PATTERN, roleReadData, type RoleInput } from './role.ts';
import type { AppRoleStore } from './store.ts';

export const roleNameField = { type: 'string', required: true, description: 'Name of the role (case-insensitive).' } as const;

const roleFields = {
  role_name: roleNameField,
  role_id: { type: 'string', description: 'Identifier of the role; a UUID is generated when omitted at creation.' },
  bind_secret_id: { type: 'bool', description: 'Login requires a secret ID (default true).' },
  secret_id_bound_cidrs: { type: 'comma-string-slice', description: 'CIDR blocks logins must come from.' },
  bound_cidr_list: { type: 'comma-string-slice', description: "Use 'secret_id_bound_cidrs' instead.", deprecated: true },
  secret_id_num_uses: { type: 'int', description: 'Default and maximum uses of generated secret IDs (0 = unlimited).' },
  secret_id_ttl: { type: 'duration', description: 'Default and maximum lifetime of generated secret IDs (0 = never expires).' },
  local_secret_ids: { type: 'bool', description: 'Secret IDs are local to the cluster (set at creation only).' },
  token_ttl: { type: 'duration', description: 'Initial TTL of issued tokens.' },
  token_max_ttl: { type: 'duration', description: 'Maximum lifetime of issued tokens.' },
  token_explicit_max_ttl: { type: 'duration', description: 'Hard lifetime cap of issued tokens.' },
  token_period: { type: 'duration', description: 'Period of issued tokens (periodic tokens).' },
  period: { type: 'duration', description: "Use 'token_period' instead.", deprecated: true },
  token_policies: { type: 'comma-string-slice', description: 'Policies of issued tokens.' },
  policies: { type: 'comma-string-slice', description: "Use 'token_policies' instead.", deprecated: true },
  token_bound_cidrs: { type: 'comma-string-slice', description: 'CIDRs issued tokens may be used from.' },
  token_no_default_policy: { type: 'bool', description: 'Do not add the default policy to issued tokens.' },
  token_num_uses: { type: 'int', description: 'Maximum uses of each issued token (0 = unlimited).' },
  token_type: { type: 'string', description: 'default, service or batch.' },
} as const;

type RoleCtx = RequestContext<typeof roleFields>;

const INPUT_KEYS = [
  'role_id',
  'bind_secret_id',
  'secret_id_bound_cidrs',
  'bound_cidr_list',
  'secret_id_num_uses',
  'secret_id_ttl',
  'local_secret_ids',
  'token_ttl',
  'token_max_ttl',
  'token_explicit_max_ttl',
  'token_period',
  'period',
  'token_policies',
  'policies',
  'token_bound_cidrs',
  'token_no_default_policy',
  'token_num_uses',
  'token_type',
] as const satisfies readonly (keyof RoleInput & keyof typeof roleFields)[];

function roleInput(ctx: RoleCtx): RoleInput {
  const input: Record<string, unknown> = {};
  for (const k of INPUT_KEYS) if (ctx.supplied.has(k)) input[k] = ctx.fields[k];
  return input as RoleInput;
}

/** 400 when the name is over Vault's HMAC input limit. */
export function checkRoleName(name: string): void {
  if (Buffer.byteLength(name) > MAX_HMAC_INPUT) throw badRequest(`role_name is longer than maximum of ${MAX_HMAC_INPUT} bytes`);
}

async function writeRole(store: AppRoleStore, ctx: RoleCtx): Promise<LogicalResponse | undefined> {
  checkRoleName(ctx.fields.role_name);
  const warnings = await store.writeRole(ctx.fields.role_name, roleInput(ctx), ctx.mount.maxLeaseTTL());
  return warnings.length > 0 ? { data: null, warnings } : undefined;
}

export function rolePaths(store: AppRoleStore): PathDef[] {
  return [
    definePath({
      pattern: 'role/?',
      fields: {},
      operations: {
        list: {
          handler: async () => {
            const keys = await store.listRoles();
            return keys.length > 0 ? { data: { keys } } : undefined;
          },
          summary: 'List the roles.',
        },
      },
      synopsis: 'List AppRole roles.',
      description: 'Lists the names of the roles registered with this mount.',
    }),
    definePath({
      pattern: `role/(?<role_name>${ROLE_NAME_PATTERN})`,
      fields: roleFields,
      existenceCheck: async (ctx) => (await store.getRole(ctx.fields.role_name)) !== undefined,
      operations: {
        read: {
          handler: async (ctx) => {
            const role = await store.getRole(ctx.fields.role_name);
            return role ? { data: roleReadData(role) } : undefined;
          },
          summary: 'Read a role.',
        },
        create: { handler: (ctx) => writeRole(store, ctx), summary: 'Create a role.' },
        update: { handler: (ctx) => writeRole(store, ctx), summary: 'Update a role (omitted fields keep their value).' },
        delete: {
          handler: async (ctx) => {
            await store.deleteRole(ctx.fields.role_name);
            return undefined;
          },
          summary: 'Delete a role, its secret IDs and its role ID.',
        },
      },
      synopsis: 'Manage AppRole roles.',
      description: 'A role holds the login constraints (secret IDs, CIDR blocks) and the parameters of the tokens it issues.',
    }),
    definePath({
      pattern: `role/(?<role_name>${ROLE_NAME_PATTERN})/role-id`,
      fields: {
        role_name: roleNameField,
        role_id: { type: 'string', description: 'New identifier of the role.' },
      },
      operations: {
        read: {
          handler: async (ctx) => {
            const role = await store.getRole(ctx.fields.role_name);
            return role ? { data: { role_id: role.role_id } } : undefined;
          },
          summary: 'Read the role ID of a role.',
        },
        update: {
          handler: async (ctx) => {
            if ((await store.getRole(ctx.fields.role_name)) === undefined) throw unsupportedPath();
            const roleId = ctx.fields.role_id ?? '';
            if (roleId === '') throw badRequest('missing role_id');
            await store.writeRole(ctx.fields.role_name, { role_id: roleId }, ctx.mount.maxLeaseTTL(), { mustExist: true });
            return undefined;
          },
          summary: 'Set the role ID of a role.',
        },
      },
      synopsis: 'Read or set the role ID of a role.',
      description: 'The role ID is the non-secret half of an AppRole login; it must be unique across roles.',
    }),
  ];
}
