/**
 * `creds/:name` (spec/dynamic.md 2.7): issues a database user for a dynamic role. GET only (a
 * write answers 405); the lease TTL comes from the role and the mount, never from the request.
 * Core registers the lease from the returned SecretSpec before the response leaves; if that fails
 * core calls the secret type's revoke with the same internal data.
 */
import { badRequest, internalError, isKeepError } from '../../errors.ts';
import { definePath } from '../../framework/path.ts';
import type { LogicalResponse, PathDef, RequestContext } from '../../framework/types.ts';
import { calcTTL } from '../../core/ttl.ts';
import { detailString } from './config-store.ts';
import type { DatabaseDeps } from './deps.ts';
import { CREDS_SECRET_TYPE, EXPIRATION_BUFFER_MS, type CredsInternalData } from './lease.ts';
import { assertRoleAllowed, NAME_PATTERN } from './names.ts';
import { dbFailure, errorMessage } from './redact.ts';
import { passwordPolicyOf, roleStatements } from './roles-store.ts';
import { renderUsername } from './username-template.ts';

const credsFields = { name: { type: 'string', required: true, description: 'Name of the dynamic role.' } } as const;

/** A password from the named policy ('' = the default generator); failures are 500s without secrets. */
export async function generatePassword(deps: DatabaseDeps, policy: string): Promise<string> {
  try {
    return await deps.system.generatePassword(policy === '' ? undefined : policy);
  } catch (e) {
    if (isKeepError(e)) throw e;
    throw internalError(`unable to generate password: ${errorMessage(e)}`);
  }
}

async function issue(deps: DatabaseDeps, ctx: RequestContext<typeof credsFields>): Promise<LogicalResponse> {
  const name = ctx.fields.name;
  const role = await deps.roles.getDynamic(name);
  if (!role) throw badRequest(`unknown role: ${name}`);
  const cfg = await deps.configs.require(role.db_name);
  assertRoleAllowed(cfg.allowed_roles, name);
  if (role.credential_type !== 'password') throw internalError(`unsupported credential_type ${JSON.stringify(role.credential_type)}`);

  const now = deps.now();
  const { ttl } = calcTTL({
    increment: 0,
    backendTTL: role.default_ttl,
    period: 0,
    backendMaxTTL: role.max_ttl,
    explicitMaxTTL: 0,
    startMs: now,
    mountDefaultTTL: deps.mount.defaultLeaseTTL(),
    mountMaxTTL: deps.mount.maxLeaseTTL(),
    nowMs: now,
  });
  const expiration = new Date(now + ttl * 1000 + EXPIRATION_BUFFER_MS);
  const password = await generatePassword(deps, passwordPolicyOf(role.credential_config, cfg.password_policy));

  const username = await deps.connections
    .use(role.db_name, async (plugin) => {
      const template = plugin.usernameTemplate || plugin.defaultUsernameTemplate;
      const user = renderUsername(
        template,
        { displayName: ctx.caller?.displayName ?? '', roleName: name, unixTime: Math.floor(now / 1000) },
        plugin.maxUsernameLength,
      );
      await plugin.newUser({ statements: roleStatements(role), username: user, password, expiration });
      return user;
    })
    .catch((e: unknown) => {
      throw dbFailure('', e, [password, detailString(cfg, 'password')]);
    });

  const internalData: CredsInternalData = {
    username,
    role: name,
    db_name: role.db_name,
    revocation_statements: [...role.revocation_statements],
    renew_statements: [...role.renew_statements],
  };
  return {
    data: { username, password },
    secret: {
      type: CREDS_SECRET_TYPE,
      ttl: role.default_ttl,
      maxTTL: role.max_ttl,
      renewable: true,
      internalData: { ...internalData },
    },
  };
}

export function credsPaths(deps: DatabaseDeps): PathDef[] {
  return [
    definePath({
      pattern: `creds/(?<name>${NAME_PATTERN})`,
      fields: credsFields,
      operations: {
        read: { handler: (ctx) => issue(deps, ctx), summary: 'Issue credentials for a dynamic role (leased).' },
      },
      synopsis: 'Request database credentials for a role.',
      description: 'Creates a database user with the role statements and returns its username and password under a renewable lease.',
    }),
  ];
}
