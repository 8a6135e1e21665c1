/** auth/token/create, create-orphan, create/:role_name (spec/auth.md 1.3, 1.4). */
import { definePath } from '../../framework/path.ts';
import type { LogicalResponse, PathDef, RequestContext } from '../../framework/types.ts';
import { ROLE_NAME_PATTERN } from '../../core/token/roles.ts';
import type { TokenStore } from '../../core/token/store.ts';

const createFields = {
  id: { type: 'string', description: 'Value for the token (sudo only).' },
  policies: { type: 'comma-string-slice', description: 'Policies of the token (default: the parent token policies).' },
  meta: { type: 'kv-pairs', description: 'Token metadata (values become strings).' },
  no_parent: { type: 'bool', description: 'Create an orphan token (sudo only).' },
  no_default_policy: { type: 'bool', description: 'Leave out the default policy.' },
  renewable: { type: 'bool', description: 'Allow renewals of the token (default true).' },
  ttl: { type: 'signed-duration', description: 'Initial time to live.' },
  lease: { type: 'signed-duration', description: "Use 'ttl' instead.", deprecated: true },
  type: { type: 'string', description: 'Token type: service or batch.' },
  explicit_max_ttl: { type: 'signed-duration', description: 'Hard lifetime cap of the token.' },
  display_name: { type: 'string', description: 'Display name (stored as token-<name>).' },
  num_uses: { type: 'int', description: 'Maximum number of uses (0 = unlimited).' },
  period: { type: 'signed-duration', description: 'Renewal period of a periodic token (sudo unless from a role).' },
  entity_alias: { type: 'string', description: "Entity alias to attach (must be allowed by the role's allowed_entity_aliases)." },
  format: { type: 'string', query: true, description: 'Ignored (CLI output format).' },
} as const;

const roleCreateFields = {
  ...createFields,
  role_name: { type: 'string', required: true, description: 'Name of the role.' },
} as const;

type CreateCtx = RequestContext<typeof createFields> | RequestContext<typeof roleCreateFields>;

async function handleCreate(store: TokenStore, ctx: CreateCtx, orphan: boolean, roleName?: string): Promise<LogicalResponse> {
  const f = ctx.fields;
  const issued = await store.create({
    parentToken: ctx.clientToken,
    sudo: ctx.caller?.sudo ?? false,
    requestPath: ctx.path,
    orphan,
    roleName,
    id: f.id,
    policies: f.policies,
    meta: f.meta,
    noParent: f.no_parent,
    noDefaultPolicy: f.no_default_policy,
    renewable: f.renewable,
    ttl: f.ttl,
    lease: f.lease,
    type: f.type,
    explicitMaxTTL: f.explicit_max_ttl,
    displayName: f.display_name,
    numUses: f.num_uses,
    period: f.period,
    entityAlias: f.entity_alias,
  });
  return { data: null, authBlock: issued.authBlock, warnings: issued.warnings.length > 0 ? issued.warnings : undefined };
}

export function createPaths(store: TokenStore): PathDef[] {
  return [
    definePath({
      pattern: 'create-orphan',
      fields: createFields,
      operations: { update: { handler: (ctx) => handleCreate(store, ctx, true), summary: 'Create an orphan token.' } },
      synopsis: 'Create a token without a parent.',
      description: 'Creates a token that is not revoked with the calling token. The ACL on this path decides who may use it.',
    }),
    definePath({
      pattern: `create/(?<role_name>${ROLE_NAME_PATTERN})`,
      fields: roleCreateFields,
      operations: {
        update: { handler: (ctx) => handleCreate(store, ctx, false, ctx.fields.role_name), summary: 'Create a token from a role.' },
      },
      synopsis: 'Create a token following a token role.',
      description: "Creates a token whose policies, TTLs, type and orphan status follow the named role's rules.",
    }),
    definePath({
      pattern: 'create',
      fields: createFields,
      operations: { update: { handler: (ctx) => handleCreate(store, ctx, false), summary: 'Create a child token.' } },
      synopsis: 'Create a token.',
      description: 'Creates a child token of the calling token (revoked together with it unless it is an orphan).',
    }),
  ];
}
