/** `role` (LIST) and `role/:name` (GET / POST / DELETE), spec/auth.md 3.3. Names are lower-cased. */
import { definePath } from '../../framework/path.ts';
import type { LogicalResponse, PathDef, RequestContext } from '../../framework/types.ts';
import { compileCondition, type CompiledCondition } from './condition.ts';
import { applyRoleWrite, roleReadData, type RoleInput } from './role-model.ts';
import { roleWarnings } from './role-warnings.ts';
import type { JwtState } from './state.ts';

export const ROLE_NAME_PATTERN = '\\w(?:[\\w.-]*\\w)?';

const roleFields = {
  name: { type: 'lowercase-string', required: true, description: 'Name of the role.' },
  role_type: { type: 'string', description: "'jwt' or 'oidc' (default 'oidc', applied on every write)." },
  user_claim: { type: 'string', description: 'Claim whose value becomes the alias name.' },
  user_claim_json_pointer: { type: 'bool', description: 'Read user_claim as a JSON pointer.' },
  bound_audiences: { type: 'comma-string-slice', description: 'Accepted aud values (any of).' },
  bound_subject: { type: 'string', description: 'Required sub.' },
  bound_claims: { type: 'map', description: 'Claims that must match (key -> value or list of values).' },
  bound_claims_type: { type: 'string', description: "'string' or 'glob' (default 'string', applied on every write)." },
  claim_mappings: { type: 'kv-pairs', description: 'Claim -> metadata key.' },
  groups_claim: { type: 'string', description: 'Claim holding group names.' },
  clock_skew_leeway: { type: 'signed-duration', description: 'Clock skew tolerance (0 = 60s, negative = none).' },
  expiration_leeway: { type: 'signed-duration', description: 'Lifetime assumed without exp (0 = 150s, negative = none).' },
  not_before_leeway: { type: 'signed-duration', description: 'Validity before exp assumed without nbf (0 = 150s, negative = none).' },
  oidc_scopes: { type: 'comma-string-slice', description: 'OIDC scopes to request.' },
  allowed_redirect_uris: { type: 'comma-string-slice', description: 'OIDC redirect URIs.' },
  verbose_oidc_logging: { type: 'bool', description: 'Log OIDC responses (not for production).' },
  max_age: { type: 'duration', description: 'OIDC max_age.' },
  token_ttl: { type: 'duration', description: 'Initial TTL of issued tokens.' },
  token_max_ttl: { type: 'duration', description: 'Maximum lifetime of issued tokens.' },
  token_explicit_max_ttl: { type: 'duration', description: 'Hard lifetime cap of issued tokens.' },
  token_period: { type: 'duration', description: 'Period of issued tokens.' },
  token_policies: { type: 'comma-string-slice', description: 'Policies of issued tokens.' },
  token_bound_cidrs: { type: 'comma-string-slice', description: 'CIDRs logins and issued tokens are bound to.' },
  token_no_default_policy: { type: 'bool', description: 'Do not add the default policy.' },
  token_num_uses: { type: 'int', description: 'Uses of each issued token (0 = unlimited).' },
  token_type: { type: 'string', description: 'default, service or batch.' },
  policies: { type: 'comma-string-slice', description: "Use 'token_policies' instead.", deprecated: true },
  bound_cidrs: { type: 'comma-string-slice', description: "Use 'token_bound_cidrs' instead.", deprecated: true },
  ttl: { type: 'duration', description: "Use 'token_ttl' instead.", deprecated: true },
  max_ttl: { type: 'duration', description: "Use 'token_max_ttl' instead.", deprecated: true },
  period: { type: 'duration', description: "Use 'token_period' instead.", deprecated: true },
  num_uses: { type: 'int', description: "Use 'token_num_uses' instead.", deprecated: true },
  jti_single_use: { type: 'bool', description: 'Keep: a job token logs in once (replays are refused until its exp).' },
  token_expires_with_jwt: { type: 'bool', description: "Keep: issued tokens never outlive the JWT's exp." },
  claims_condition: { type: 'string', description: 'Keep: CEL expression over `claims` and `now` that must be true.' },
  bound_issuers: { type: 'comma-string-slice', description: 'Keep: the issuers (iss) this role accepts.' },
} as const;

type RoleCtx = RequestContext<typeof roleFields>;

const INPUT_KEYS = Object.keys(roleFields).filter((k) => k !== 'name') as (keyof RoleInput)[];

function roleInput(ctx: RoleCtx): RoleInput {
  const input: Record<string, unknown> = {};
  const fields = ctx.fields as Record<string, unknown>;
  for (const k of INPUT_KEYS) if (ctx.supplied.has(k)) input[k] = fields[k];
  return input as RoleInput;
}

async function writeRole(state: JwtState, ctx: RoleCtx): Promise<LogicalResponse | undefined> {
  const name = ctx.fields.name;
  const existing = await state.getRole(name);
  const { role, warnings } = applyRoleWrite(existing?.role, roleInput(ctx), ctx.mount.maxLeaseTTL());
  let condition: CompiledCondition | undefined;
  if (role.claims_condition !== '') {
    condition = existing?.condition?.source === role.claims_condition ? existing.condition : compileCondition(role.claims_condition);
  }
  warnings.push(...roleWarnings(role, await state.getConfig()));
  await state.putRole(name, role, condition);
  return warnings.length > 0 ? { data: null, warnings } : undefined;
}

export function rolePaths(state: JwtState): PathDef[] {
  return [
    definePath({
      pattern: 'role/?$',
      fields: {},
      operations: {
        list: {
          handler: async () => {
            const keys = await state.listRoles();
            return keys.length > 0 ? { data: { keys } } : undefined;
          },
          summary: 'List the roles.',
        },
      },
      synopsis: 'Lists the roles registered with the backend.',
      description: 'The list contains the names of the roles.',
    }),
    definePath({
      pattern: `role/(?<name>${ROLE_NAME_PATTERN})`,
      fields: roleFields,
      existenceCheck: async (ctx) => (await state.getRole(ctx.fields.name)) !== undefined,
      operations: {
        read: {
          handler: async (ctx) => {
            const loaded = await state.getRole(ctx.fields.name);
            return loaded ? { data: roleReadData(loaded.role) } : undefined;
          },
          summary: 'Read a role.',
        },
        create: { handler: (ctx) => writeRole(state, ctx), summary: 'Create a role.' },
        update: { handler: (ctx) => writeRole(state, ctx), summary: 'Update a role (omitted fields keep their value, except role_type and bound_claims_type).' },
        delete: {
          handler: async (ctx) => {
            await state.deleteRole(ctx.fields.name);
            return undefined;
          },
          summary: 'Delete a role.',
        },
      },
      synopsis: 'Register a role with the backend.',
      description: 'A role binds JWT claims to token policies and settings.',
    }),
  ];
}
