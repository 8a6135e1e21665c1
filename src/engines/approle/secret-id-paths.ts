/**
 * Secret-ID endpoints of a role (spec/auth.md 5.1, 5.5, 5.6): generate, custom-secret-id, LIST
 * (accessors), lookup/destroy by secret ID and by accessor. Expired secret IDs count as absent
 * and are purged when touched.
 */
import { randomUUID } from 'node:crypto';
import { KeepError, badRequest, forbidden, internalError } from '../../errors.ts';
import { definePath } from '../../framework/path.ts';
import type { LogicalResponse, PathDef, RequestContext } from '../../framework/types.ts';
import { goQuote } from './cidr.ts';
import { ROLE_NAME_PATTERN, type RoleEntry } from './role.ts';
import { roleNameField } from './role-paths.ts';
import { generateSecretId, isExpired, secretIdLookupData, type SecretIdEntry } from './secret-id.ts';
import type { AppRoleStore } from './store.ts';

export interface SecretIdDeps {
  store: AppRoleStore;
  now: () => number;
}

const generateFields = {
  role_name: roleNameField,
  metadata: { type: 'raw', description: 'JSON object of string values (as a string) attached to the secret ID and copied into token metadata.' },
  cidr_list: { type: 'comma-string-slice', description: 'CIDR blocks the secret ID may be used from (subset of the role’s).' },
  token_bound_cidrs: { type: 'comma-string-slice', description: 'CIDR blocks tokens from this secret ID are bound to (subset of the role’s).' },
  num_uses: { type: 'int', description: 'Uses of the secret ID (default: the role’s secret_id_num_uses).' },
  ttl: { type: 'duration', description: 'Lifetime of the secret ID (default: the role’s secret_id_ttl).' },
} as const;

const customFields = {
  ...generateFields,
  secret_id: { type: 'string', description: 'The secret ID to register (required).' },
} as const;

type GenerateCtx = RequestContext<typeof generateFields>;

const roleMissing = (name: string): string => `role ${goQuote(name)} does not exist`;
const accessorMissing = (accessor: string): string => `failed to find accessor entry for secret_id_accessor: ${goQuote(accessor)}`;

async function generate(deps: SecretIdDeps, ctx: GenerateCtx, secretId: string): Promise<LogicalResponse> {
  const role = await deps.store.getRole(ctx.fields.role_name);
  if (!role) throw new KeepError('KEEP_E_NOT_FOUND', 404, roleMissing(ctx.fields.role_name));
  const f = ctx.fields;
  const out = await generateSecretId(
    deps.store,
    role,
    {
      metadata: f.metadata,
      cidrList: f.cidr_list,
      tokenBoundCidrs: f.token_bound_cidrs,
      numUses: ctx.supplied.has('num_uses') ? f.num_uses : undefined,
      ttl: ctx.supplied.has('ttl') ? f.ttl : undefined,
    },
    secretId,
    deps.now(),
    ctx.mount.maxLeaseTTL(),
  );
  return {
    data: {
      secret_id: out.secretId,
      secret_id_accessor: out.entry.secret_id_accessor,
      secret_id_num_uses: out.entry.secret_id_num_uses,
      secret_id_ttl: out.ttl,
    },
    wrappedAccessor: out.entry.secret_id_accessor,
  };
}

/** The role for lookup/destroy endpoints: unknown -> 500 `role "<r>" does not exist`. */
async function requireRole(store: AppRoleStore, name: string): Promise<RoleEntry> {
  const role = await store.getRole(name);
  if (!role) throw internalError(roleMissing(name));
  return role;
}

/**
 * Reads a role's secret ID by its HMAC under the secret-ID lock; an expired one, or one whose
 * accessor index is gone, is deleted and reported as absent (`dangling` for the latter).
 */
async function liveEntry(
  deps: SecretIdDeps,
  role: RoleEntry,
  secretHmac: string,
): Promise<{ key: string; entry: SecretIdEntry | undefined; dangling: boolean }> {
  const key = deps.store.secretKey(role, secretHmac);
  const entry = await deps.store.getSecretId(key, secretHmac);
  if (!entry) return { key, entry: undefined, dangling: false };
  if (!(await deps.store.getAccessor(entry.secret_id_accessor))) {
    await deps.store.deleteSecretId(key, undefined);
    return { key, entry: undefined, dangling: true };
  }
  if (isExpired(entry, deps.now())) {
    await deps.store.deleteSecretId(key, entry.secret_id_accessor);
    return { key, entry: undefined, dangling: false };
  }
  return { key, entry, dangling: false };
}

function lookupPath(deps: SecretIdDeps): PathDef {
  return definePath({
    pattern: `role/(?<role_name>${ROLE_NAME_PATTERN})/secret-id/lookup/?`,
    fields: { role_name: roleNameField, secret_id: { type: 'string', description: 'The secret ID to look up.' } },
    operations: {
      update: {
        handler: async (ctx) => {
          const secretId = ctx.fields.secret_id ?? '';
          if (secretId === '') throw badRequest('missing secret_id');
          const role = await requireRole(deps.store, ctx.fields.role_name);
          const hmac = deps.store.secretIdHmac(role, secretId);
          return deps.store.withSecretId(hmac, async () => {
            const { entry, dangling } = await liveEntry(deps, role, hmac);
            if (dangling) throw badRequest('invalid secret id');
            return entry ? { data: secretIdLookupData(entry) } : undefined;
          });
        },
        summary: 'Read the properties of a secret ID.',
      },
    },
    synopsis: 'Read the properties of a secret ID.',
    description: 'Returns the metadata, limits and times of a secret ID (never the secret ID itself); 204 when it does not exist.',
  });
}

function destroyPath(deps: SecretIdDeps): PathDef {
  const handler = async (ctx: RequestContext<{ role_name: typeof roleNameField; secret_id: { type: 'string' } }>) => {
    const secretId = ctx.fields.secret_id ?? '';
    if (secretId === '') throw badRequest('missing secret_id');
    const role = await requireRole(deps.store, ctx.fields.role_name);
    const hmac = deps.store.secretIdHmac(role, secretId);
    await deps.store.withSecretId(hmac, async () => {
      const key = deps.store.secretKey(role, hmac);
      const entry = await deps.store.getSecretId(key, hmac);
      if (entry) await deps.store.deleteSecretId(key, entry.secret_id_accessor);
    });
    return undefined;
  };
  return definePath({
    pattern: `role/(?<role_name>${ROLE_NAME_PATTERN})/secret-id/destroy/?`,
    fields: { role_name: roleNameField, secret_id: { type: 'string', description: 'The secret ID to destroy.' } },
    operations: {
      update: { handler, summary: 'Destroy a secret ID.' },
      delete: { handler, summary: 'Destroy a secret ID.' },
    },
    synopsis: 'Destroy a secret ID.',
    description: 'Deletes a secret ID and its accessor; succeeds also when it does not exist.',
  });
}

const accessorFields = {
  role_name: roleNameField,
  secret_id_accessor: { type: 'string', description: 'Accessor of the secret ID.' },
} as const;

function accessorLookupPath(deps: SecretIdDeps): PathDef {
  return definePath({
    pattern: `role/(?<role_name>${ROLE_NAME_PATTERN})/secret-id-accessor/lookup/?`,
    fields: accessorFields,
    operations: {
      update: {
        handler: async (ctx) => {
          const accessor = ctx.fields.secret_id_accessor ?? '';
          if (accessor === '') throw badRequest('missing secret_id_accessor');
          const role = await requireRole(deps.store, ctx.fields.role_name);
          const index = await deps.store.getAccessor(accessor);
          if (!index) throw new KeepError('KEEP_E_NOT_FOUND', 404, accessorMissing(accessor));
          return deps.store.withSecretId(index.secret_id_hmac, async () => {
            const { entry } = await liveEntry(deps, role, index.secret_id_hmac);
            if (!entry) {
              if (index.role_name_hmac !== deps.store.roleNameHmac(role)) return undefined;
              throw new KeepError('KEEP_E_NOT_FOUND', 404, accessorMissing(accessor));
            }
            return { data: secretIdLookupData(entry) };
          });
        },
        summary: 'Read the properties of a secret ID by its accessor.',
      },
    },
    synopsis: 'Read the properties of a secret ID by its accessor.',
    description: 'Like secret-id/lookup, addressed by the secret ID accessor.',
  });
}

function accessorDestroyPath(deps: SecretIdDeps): PathDef {
  const handler = async (ctx: RequestContext<typeof accessorFields>) => {
    const accessor = ctx.fields.secret_id_accessor ?? '';
    if (accessor === '') throw badRequest('missing secret_id_accessor');
    const role = await requireRole(deps.store, ctx.fields.role_name);
    const index = await deps.store.getAccessor(accessor);
    if (!index) throw internalError(accessorMissing(accessor));
    await deps.store.withSecretId(index.secret_id_hmac, async () => {
      const key = deps.store.secretKey(role, index.secret_id_hmac);
      const entry = await deps.store.getSecretId(key, index.secret_id_hmac);
      if (!entry) throw forbidden('invalid secret id accessor');
      await deps.store.deleteSecretId(key, accessor);
    });
    return undefined;
  };
  return definePath({
    pattern: `role/(?<role_name>${ROLE_NAME_PATTERN})/secret-id-accessor/destroy/?`,
    fields: accessorFields,
    operations: {
      update: { handler, summary: 'Destroy a secret ID by its accessor.' },
      delete: { handler, summary: 'Destroy a secret ID by its accessor.' },
    },
    synopsis: 'Destroy a secret ID by its accessor.',
    description: 'Deletes the secret ID an accessor refers to, and the accessor.',
  });
}

export function secretIdPaths(deps: SecretIdDeps): PathDef[] {
  return [
    definePath({
      pattern: `role/(?<role_name>${ROLE_NAME_PATTERN})/secret-id/?`,
      fields: generateFields,
      operations: {
        update: { handler: (ctx) => generate(deps, ctx, randomUUID()), summary: 'Generate a secret ID for the role.' },
        list: {
          handler: async (ctx) => {
            const role = await deps.store.getRole(ctx.fields.role_name);
            if (!role) throw badRequest(roleMissing(ctx.fields.role_name));
            const now = deps.now();
            const keys: string[] = [];
            for await (const { entry } of deps.store.secretIdEntries(deps.store.roleNameHmac(role))) {
              if (!isExpired(entry, now)) keys.push(entry.secret_id_accessor);
            }
            keys.sort();
            return keys.length > 0 ? { data: { keys } } : undefined;
          },
          summary: 'List the accessors of the role’s secret IDs.',
        },
      },
      synopsis: 'Generate secret IDs of a role, or list their accessors.',
      description: 'POST generates a new secret ID (response-wrap it with X-Vault-Wrap-TTL to hand it to a job); LIST returns secret-ID accessors.',
    }),
    definePath({
      pattern: `role/(?<role_name>${ROLE_NAME_PATTERN})/custom-secret-id`,
      fields: customFields,
      operations: {
        update: {
          handler: async (ctx) => {
            const secretId = ctx.fields.secret_id ?? '';
            if (secretId === '') throw badRequest('missing secret_id');
            return generate(deps, ctx as unknown as GenerateCtx, secretId);
          },
          summary: 'Register a caller-chosen secret ID for the role.',
        },
      },
      synopsis: 'Register a custom secret ID.',
      description: 'Like secret-id generation, with the secret ID chosen by the caller.',
    }),
    lookupPath(deps),
    destroyPath(deps),
    accessorLookupPath(deps),
    accessorDestroyPath(deps),
  ];
}
