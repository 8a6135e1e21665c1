/** auth/token/roles and roles/:role_name (spec/auth.md 1.11). */
import { definePath } from '../../framework/path.ts';
import type { LogicalResponse, PathDef, RequestContext } from '../../framework/types.ts';
import { ROLE_NAME_PATTERN, roleReadData, type RoleInput } from '../../core/token/roles.ts';
import type { TokenStore } from '../../core/token/store.ts';

const roleFields = {
  role_name: { type: 'string', required: true, description: 'Name of the role (case-sensitive).' },
  allowed_policies: { type: 'comma-string-slice', description: 'Policies tokens of this role may have, instead of a subset of the parent.' },
  disallowed_policies: { type: 'comma-string-slice', description: 'Policies tokens of this role may not have.' },
  allowed_policies_glob: { type: 'comma-string-slice', description: 'Glob patterns of allowed policies.' },
  disallowed_policies_glob: { type: 'comma-string-slice', description: 'Glob patterns of disallowed policies.' },
  orphan: { type: 'bool', description: 'Tokens of this role are orphans.' },
  renewable: { type: 'bool', description: 'Tokens of this role may be renewed (default true).' },
  path_suffix: { type: 'string', description: 'Suffix appended to the token path (for revoke-prefix).' },
  allowed_entity_aliases: { type: 'comma-string-slice', description: 'Entity aliases allowed in entity_alias (globs allowed).' },
  period: { type: 'duration', description: "Use 'token_period' instead.", deprecated: true },
  explicit_max_ttl: { type: 'duration', description: "Use 'token_explicit_max_ttl' instead.", deprecated: true },
  bound_cidrs: { type: 'comma-string-slice', description: "Use 'token_bound_cidrs' instead.", deprecated: true },
  token_period: { type: 'duration', description: 'Period of the tokens (periodic tokens).' },
  token_explicit_max_ttl: { type: 'duration', description: 'Hard lifetime cap of the tokens.' },
  token_bound_cidrs: { type: 'comma-string-slice', description: 'CIDRs the tokens may be used from.' },
  token_no_default_policy: { type: 'bool', description: 'Do not add the default policy.' },
  token_num_uses: { type: 'int', description: 'Maximum uses of each token (0 = unlimited).' },
  token_type: { type: 'string', description: 'service, batch, default-service or default-batch.' },
} as const;

type RoleCtx = RequestContext<typeof roleFields>;

function roleInput(ctx: RoleCtx): RoleInput {
  const f = ctx.fields;
  const has = (name: keyof typeof roleFields): boolean => ctx.supplied.has(name);
  const input: RoleInput = {};
  if (has('allowed_policies')) input.allowedPolicies = f.allowed_policies;
  if (has('disallowed_policies')) input.disallowedPolicies = f.disallowed_policies;
  if (has('allowed_policies_glob')) input.allowedPoliciesGlob = f.allowed_policies_glob;
  if (has('disallowed_policies_glob')) input.disallowedPoliciesGlob = f.disallowed_policies_glob;
  if (has('orphan')) input.orphan = f.orphan;
  if (has('renewable')) input.renewable = f.renewable;
  if (has('path_suffix')) input.pathSuffix = f.path_suffix;
  if (has('allowed_entity_aliases')) input.allowedEntityAliases = f.allowed_entity_aliases;
  if (has('period')) input.period = f.period;
  if (has('explicit_max_ttl')) input.explicitMaxTTL = f.explicit_max_ttl;
  if (has('bound_cidrs')) input.boundCIDRs = f.bound_cidrs;
  if (has('token_period')) input.tokenPeriod = f.token_period;
  if (has('token_explicit_max_ttl')) input.tokenExplicitMaxTTL = f.token_explicit_max_ttl;
  if (has('token_bound_cidrs')) input.tokenBoundCIDRs = f.token_bound_cidrs;
  if (has('token_no_default_policy')) input.tokenNoDefaultPolicy = f.token_no_default_policy;
  if (has('token_num_uses')) input.tokenNumUses = f.token_num_uses;
  if (has('token_type')) input.tokenType = f.token_type;
  else if (Object.prototype.hasOwnProperty.call(ctx.raw, 'token_type') && ctx.raw.token_type === null) input.tokenType = null;
  return input;
}

async function writeRole(store: TokenStore, ctx: RoleCtx): Promise<LogicalResponse | undefined> {
  const warnings = await store.writeRole(ctx.fields.role_name, roleInput(ctx));
  return warnings.length > 0 ? { data: null, warnings } : undefined;
}

export function rolePaths(store: TokenStore): PathDef[] {
  return [
    definePath({
      pattern: 'roles/?',
      fields: {},
      operations: {
        list: {
          handler: async () => {
            const keys = await store.listRoles();
            return keys.length > 0 ? { data: { keys } } : undefined;
          },
          summary: 'List token roles.',
        },
      },
      synopsis: 'List token roles.',
      description: 'Lists the names of the token-store roles.',
    }),
    definePath({
      pattern: `roles/(?<role_name>${ROLE_NAME_PATTERN})`,
      fields: roleFields,
      existenceCheck: async (ctx) => (await store.getRole(ctx.fields.role_name)) !== undefined,
      operations: {
        read: {
          handler: async (ctx) => {
            const role = await store.getRole(ctx.fields.role_name);
            return role ? { data: roleReadData(role) } : undefined;
          },
          summary: 'Read a token role.',
        },
        create: { handler: (ctx) => writeRole(store, ctx), summary: 'Create a token role.' },
        update: { handler: (ctx) => writeRole(store, ctx), summary: 'Update a token role.' },
        delete: {
          handler: async (ctx) => {
            await store.deleteRole(ctx.fields.role_name);
            return undefined;
          },
          summary: 'Delete a token role.',
        },
      },
      synopsis: 'Manage token roles.',
      description: 'Token roles let auth/token/create/<role> issue tokens with preset policies, TTLs, type and orphan status.',
    }),
  ];
}
