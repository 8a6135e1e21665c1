/**
 * The contract between the database secrets engine and its plugins (PostgreSQL, MySQL/MariaDB),
 * and the factory by plugin name (spec/dynamic.md 2.2, 2.11, 2.12).
 */
import { KeepError } from '../../errors.ts';
import { MysqlPlugin, MYSQL_VARIANTS } from './plugins/mysql.ts';
import { PostgresPlugin } from './plugins/postgres.ts';

export { ConnectionVerifyError } from './plugins/common.ts';

/** The stored connection_details map (connection_url, username, password, max_open_connections, ...). */
export interface ConnectionDetails {
  [key: string]: unknown;
}

export interface Statements {
  creation: string[];
  revocation: string[];
  rollback: string[];
  renew: string[];
  rotation: string[];
}

export interface DatabasePlugin {
  /** 'postgresql-database-plugin', 'mysql-database-plugin', ... */
  readonly type: string;
  /**
   * Validates the details (connection_url, username_template, pool settings, TLS) and opens the
   * pool; verify=true also connects and pings. Validation errors are plain Errors with Vault's
   * text (`connection_url cannot be empty`, `invalid username template: ...`); a failed
   * verification throws ConnectionVerifyError whose message is the driver's message.
   */
  initialize(details: ConnectionDetails, verify: boolean): Promise<void>;
  /** Creates a user: creation statements in one transaction (where the DB allows), rollback statements on failure. */
  newUser(req: { statements: Statements; username: string; password: string; expiration: Date }): Promise<void>;
  /** Extends expiry (Postgres: VALID UNTIL via renew statements or the default). */
  renewUser(req: { statements: Statements; username: string; expiration: Date }): Promise<void>;
  /** Drops the user (revocation statements or the plugin default, which also terminates/reassigns as needed). */
  revokeUser(req: { statements: Statements; username: string }): Promise<void>;
  /** Sets a user's password (static roles, rotate-role). */
  updatePassword(req: { statements: string[]; username: string; password: string }): Promise<void>;
  /** Rotates the root credential: runs statements as the current root, then reconnects with the new password. */
  rotateRoot(req: { statements: string[]; newPassword: string }): Promise<void>;
  close(): Promise<void>;
  /** Default username template and max length of this plugin variant. */
  readonly defaultUsernameTemplate: string;
  readonly maxUsernameLength: number;
  /** The configured `username_template`, else the default (set by initialize). Optional extension. */
  readonly usernameTemplate?: string;
}

export const POSTGRES_PLUGIN = 'postgresql-database-plugin';

/** Names of the built-in plugins. */
export const PLUGIN_NAMES: readonly string[] = [POSTGRES_PLUGIN, ...Object.keys(MYSQL_VARIANTS)];

export function isPluginName(name: string): boolean {
  return PLUGIN_NAMES.includes(name);
}

/** A fresh, uninitialised plugin. Unknown name -> KeepError 400 `error creating database object: invalid plugin name "<x>"`. */
export function createPlugin(pluginName: string): DatabasePlugin {
  if (pluginName === POSTGRES_PLUGIN) return new PostgresPlugin();
  const variant = Object.hasOwn(MYSQL_VARIANTS, pluginName) ? MYSQL_VARIANTS[pluginName] : undefined;
  if (variant) return new MysqlPlugin(pluginName, variant);
  throw new KeepError('KEEP_E_BAD_REQUEST', 400, `error creating database object: invalid plugin name "${pluginName}"`);
}
