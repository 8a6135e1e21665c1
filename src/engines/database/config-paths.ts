/**
 * `config` (LIST), `config/:name` (connection configs, spec/dynamic.md 2.2-2.4) and
 * `reset/:name`. Every field of a config write that is not an engine field is a connection detail,
 * merged into the stored details on update. A write replaces the live plugin only after the new
 * one initialized (and, with verify_connection, connected); a failed write stores nothing.
 */
import { badRequest, isKeepError } from '../../errors.ts';
import { definePath } from '../../framework/path.ts';
import type { LogicalResponse, PathDef, RequestContext } from '../../framework/types.ts';
import { configReadData, PASSWORD_IN_URL_WARNING, urlPassword, type DatabaseConfig } from './config-store.ts';
import type { DatabaseDeps } from './deps.ts';
import { NAME_PATTERN } from './names.ts';
import { ConnectionVerifyError, type DatabasePlugin } from './plugin.ts';
import { dbFailure, errorMessage, redact } from './redact.ts';
import { validateUsernameTemplate } from './username-template.ts';

export const CREATE_PREFIX = 'error creating database object: ';

const configFields = {
  name: { type: 'string', required: true, description: 'Name of the connection.' },
  plugin_name: { type: 'string', description: 'Database plugin: postgresql-database-plugin, mysql-database-plugin, ...' },
  plugin_version: { type: 'string', description: 'Plugin version (stored, not used).' },
  verify_connection: { type: 'bool', description: 'Connect and ping when the config is written (default true).' },
  allowed_roles: { type: 'comma-string-slice', description: 'Roles (names or * globs) allowed to use this connection.' },
  root_rotation_statements: { type: 'string-slice', description: 'Statements rotate-root runs; empty = the plugin default.' },
  password_policy: { type: 'string', description: 'Password policy for passwords generated on this connection.' },
  skip_static_role_import_rotation: { type: 'bool', description: 'Stored and returned only.' },
} as const;

/** Request keys that are engine fields, never connection details. */
const ENGINE_KEYS = new Set<string>(Object.keys(configFields));

type ConfigCtx = RequestContext<typeof configFields>;

function emptyConfig(): DatabaseConfig {
  return {
    plugin_name: '',
    plugin_version: '',
    verify_connection: true,
    allowed_roles: [],
    root_credentials_rotate_statements: [],
    password_policy: '',
    skip_static_role_import_rotation: false,
    connection_details: {},
  };
}

function secretsOf(details: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const k of ['password', 'private_key', 'service_account_json']) {
    const v = details[k];
    if (typeof v === 'string' && v !== '') out.push(v);
  }
  const url = details.connection_url;
  if (typeof url === 'string') {
    const pw = urlPassword(url);
    if (pw) out.push(pw);
  }
  return out;
}

/** 400 `error creating database object: ...`; a failed connection check names that step. */
function createFailure(e: unknown, secrets: string[]) {
  let msg = redact(errorMessage(e), secrets);
  if (msg.startsWith(CREATE_PREFIX)) return badRequest(msg);
  if (e instanceof ConnectionVerifyError && !msg.startsWith('error verifying connection')) msg = `error verifying connection: ${msg}`;
  return badRequest(CREATE_PREFIX + msg);
}

function checkDetails(details: Record<string, unknown>): void {
  for (const k of ['username', 'password']) {
    const v = details[k];
    if (typeof v === 'string' && (v.includes('{{username}}') || v.includes('{{password}}'))) {
      throw badRequest(`${CREATE_PREFIX}username and/or password cannot contain the template variables`);
    }
  }
  const tpl = details.username_template;
  if (typeof tpl === 'string' && tpl !== '') {
    try {
      validateUsernameTemplate(tpl);
    } catch (e) {
      throw createFailure(e, []);
    }
  }
}

async function writeConfig(deps: DatabaseDeps, ctx: ConfigCtx): Promise<LogicalResponse | undefined> {
  const name = ctx.fields.name;
  return deps.connLock.run(`conn:${name}`, async () => {
    const stored = await deps.configs.get(name);
    const cfg = stored ?? emptyConfig();
    const f = ctx.fields;
    const has = (k: string) => ctx.supplied.has(k);
    if (has('plugin_name')) cfg.plugin_name = f.plugin_name ?? '';
    if (cfg.plugin_name === '') throw badRequest('empty plugin name');
    if (has('plugin_version')) cfg.plugin_version = f.plugin_version ?? '';
    if (has('verify_connection')) cfg.verify_connection = f.verify_connection ?? true;
    if (has('allowed_roles')) cfg.allowed_roles = [...(f.allowed_roles ?? [])];
    if (has('root_rotation_statements')) cfg.root_credentials_rotate_statements = [...(f.root_rotation_statements ?? [])];
    if (has('password_policy')) cfg.password_policy = f.password_policy ?? '';
    if (has('skip_static_role_import_rotation')) cfg.skip_static_role_import_rotation = f.skip_static_role_import_rotation ?? false;
    for (const [k, v] of Object.entries(ctx.raw)) {
      if (!ENGINE_KEYS.has(k) && v !== null && v !== undefined) cfg.connection_details[k] = v;
    }
    checkDetails(cfg.connection_details);

    const secrets = secretsOf(cfg.connection_details);
    let plugin: DatabasePlugin;
    try {
      plugin = deps.pluginFactory(cfg.plugin_name);
    } catch (e) {
      throw createFailure(e, secrets);
    }
    try {
      await plugin.initialize(cfg.connection_details, cfg.verify_connection);
    } catch (e) {
      await plugin.close().catch(() => undefined);
      throw createFailure(e, secrets);
    }
    try {
      await deps.configs.put(name, cfg);
    } catch (e) {
      await plugin.close().catch(() => undefined);
      throw e;
    }
    deps.connections.install(name, plugin);

    const url = cfg.connection_details.connection_url;
    if (typeof url === 'string' && urlPassword(url)) return { data: null, warnings: [PASSWORD_IN_URL_WARNING] };
    return undefined;
  });
}

export function configPaths(deps: DatabaseDeps): PathDef[] {
  return [
    definePath({
      pattern: 'config/?',
      fields: {},
      operations: {
        list: {
          handler: async () => {
            const keys = await deps.configs.list();
            return keys.length > 0 ? { data: { keys } } : undefined;
          },
          summary: 'List the connection configs.',
        },
      },
      synopsis: 'List database connections.',
      description: 'Lists the names of the connection configs of this mount.',
    }),
    definePath({
      pattern: `config/(?<name>${NAME_PATTERN})`,
      fields: configFields,
      takesArbitraryInput: true,
      existenceCheck: async (ctx) => (await deps.configs.get(ctx.fields.name)) !== undefined,
      operations: {
        read: {
          handler: async (ctx) => {
            const cfg = await deps.configs.get(ctx.fields.name);
            return cfg ? { data: configReadData(cfg) } : undefined;
          },
          summary: 'Read a connection config (never its password).',
        },
        create: { handler: (ctx) => writeConfig(deps, ctx), summary: 'Configure a connection.' },
        update: { handler: (ctx) => writeConfig(deps, ctx), summary: 'Update a connection (details are merged).' },
        delete: {
          handler: async (ctx) => {
            const name = ctx.fields.name;
            await deps.connLock.run(`conn:${name}`, async () => {
              await deps.configs.delete(name);
              deps.connections.remove(name);
            });
            return undefined;
          },
          summary: 'Delete a connection config and close its pool; leases are not revoked.',
        },
      },
      synopsis: 'Configure connections to databases.',
      description:
        'A connection names a database plugin and its connection details. Fields other than the engine fields are stored as connection details; the password is never returned.',
    }),
    definePath({
      pattern: `reset/(?<name>${NAME_PATTERN})`,
      fields: { name: { type: 'string', required: true, description: 'Name of the connection.' } },
      operations: {
        update: {
          handler: async (ctx) => {
            const name = ctx.fields.name;
            await deps.connLock.run(`conn:${name}`, async () => {
              await deps.configs.require(name);
              deps.connections.remove(name);
              try {
                await deps.connections.use(name, async () => undefined);
              } catch (e) {
                throw isKeepError(e) ? e : dbFailure('', e, []);
              }
            });
            return undefined;
          },
          summary: 'Close and reopen the connection.',
        },
      },
      synopsis: 'Reset a database connection.',
      description: 'Closes the connection pool of the named config and opens a new one from the stored config.',
    }),
  ];
}
