/**
 * mysql-database-plugin and its variants (spec/dynamic.md 2.2, 2.10, 2.12) on mysql2, for MySQL
 * and MariaDB.
 *
 * MySQL/MariaDB DDL commits implicitly, so a half-created user cannot be rolled back by a
 * transaction: when creation fails, the role's rollback statements run, or (without any) every
 * account of that user name is dropped, but only if no such account existed before the call.
 * The default revocation ends the user's sessions, revokes its privileges and drops every
 * account with that user name; none left counts as revoked.
 */
import mysql from 'mysql2/promise';
import type { ConnectionDetails, DatabasePlugin, Statements } from '../plugin.ts';
import {
  MYSQL_LEGACY_MAX_USERNAME_LENGTH,
  MYSQL_LEGACY_USERNAME_TEMPLATE,
  MYSQL_MAX_USERNAME_LENGTH,
  MYSQL_USERNAME_TEMPLATE,
  usernameTemplateProblem,
} from '../username-template.ts';
import { ConnectionVerifyError, EMPTY_CREATION, bestEffort, redactMessage, safeError } from './common.ts';
import { parseMysqlDsn, splitHostPort, templateConnectionUrl } from './connection-url.ts';
import { detailBool, detailString, poolSettings, type PoolSettings } from './details.ts';
import { parseDuration } from '../../../framework/duration.ts';
import { expandStatements, formatExpiration, renderStatement, type SqlMode } from './statements.ts';
import { mysqlSsl } from './tls.ts';

export interface MysqlVariant {
  defaultUsernameTemplate: string;
  maxUsernameLength: number;
}

export const MYSQL_VARIANTS: Readonly<Record<string, MysqlVariant>> = {
  'mysql-database-plugin': { defaultUsernameTemplate: MYSQL_USERNAME_TEMPLATE, maxUsernameLength: MYSQL_MAX_USERNAME_LENGTH },
  'mysql-aurora-database-plugin': { defaultUsernameTemplate: MYSQL_LEGACY_USERNAME_TEMPLATE, maxUsernameLength: MYSQL_LEGACY_MAX_USERNAME_LENGTH },
  'mysql-rds-database-plugin': { defaultUsernameTemplate: MYSQL_LEGACY_USERNAME_TEMPLATE, maxUsernameLength: MYSQL_LEGACY_MAX_USERNAME_LENGTH },
  'mysql-legacy-database-plugin': { defaultUsernameTemplate: MYSQL_LEGACY_USERNAME_TEMPLATE, maxUsernameLength: MYSQL_LEGACY_MAX_USERNAME_LENGTH },
};

const DEFAULT_ROTATION = `ALTER USER '{{username}}'@'%' IDENTIFIED BY '{{password}}';`;
const CONNECT_TIMEOUT_MS = 15_000;

/** A string literal for this session's sql_mode. */
export function mysqlLiteral(value: string, mode: SqlMode): string {
  if (value.includes('\0')) throw new Error('value contains a NUL character');
  const v = mode.backslashEscapes === false ? value : value.replace(/\\/g, '\\\\');
  return `'${v.replace(/'/g, "''")}'`;
}

/** Builds mysql2 pool options from connection details (validates them). */
export function mysqlPoolConfig(details: ConnectionDetails): { options: mysql.PoolOptions; settings: PoolSettings } {
  const url = detailString(details, 'connection_url');
  if (url === '') throw new Error('connection_url cannot be empty');
  const templated = templateConnectionUrl(
    url,
    { username: detailString(details, 'username'), password: detailString(details, 'password') },
    { escapePassword: false, disableEscaping: detailBool(details, 'disable_escaping', false) },
  );
  const dsn = parseMysqlDsn(templated);
  const settings = poolSettings(details);
  const options: mysql.PoolOptions = {
    user: dsn.user,
    password: dsn.password,
    connectionLimit: settings.maxOpen,
    maxIdle: settings.maxIdle,
    waitForConnections: true,
    queueLimit: 0,
    multipleStatements: false,
    enableKeepAlive: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
  };
  let host = '';
  if (dsn.net === 'unix') options.socketPath = dsn.addr;
  else {
    const hp = splitHostPort(dsn.addr);
    host = hp.host;
    options.host = hp.host;
    options.port = hp.port;
  }
  if (dsn.dbname !== '') options.database = dsn.dbname;
  if (dsn.params.timeout) {
    try {
      const seconds = parseDuration(dsn.params.timeout);
      if (seconds > 0) options.connectTimeout = seconds * 1000;
    } catch (e) {
      throw new Error(`invalid DSN: invalid timeout: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (dsn.params.charset) options.charset = dsn.params.charset.split(',')[0];
  const ssl = mysqlSsl(dsn.params.tls, {
    tlsCa: detailString(details, 'tls_ca'),
    tlsCertificateKey: detailString(details, 'tls_certificate_key'),
    tlsServerName: detailString(details, 'tls_server_name'),
    tlsSkipVerify: detailBool(details, 'tls_skip_verify', false),
    host,
  });
  if (ssl) options.ssl = ssl;
  return { options, settings };
}

type Conn = mysql.PoolConnection;

export class MysqlPlugin implements DatabasePlugin {
  readonly defaultUsernameTemplate: string;
  readonly maxUsernameLength: number;
  usernameTemplate: string;

  private details: ConnectionDetails = {};
  private pool: mysql.Pool | undefined;
  private settings: PoolSettings = { maxOpen: 4, maxIdle: 4, maxLifetimeMs: 0 };
  private mode: SqlMode | undefined;
  private readonly born = new WeakMap<object, number>();
  /** Operations running on each pool, so a replaced pool is closed only once they are done. */
  private readonly active = new WeakMap<mysql.Pool, Set<Promise<unknown>>>();

  constructor(
    readonly type: string,
    variant: MysqlVariant,
  ) {
    this.defaultUsernameTemplate = variant.defaultUsernameTemplate;
    this.maxUsernameLength = variant.maxUsernameLength;
    this.usernameTemplate = variant.defaultUsernameTemplate;
  }

  async initialize(details: ConnectionDetails, verify: boolean): Promise<void> {
    const template = detailString(details, 'username_template');
    const problem = usernameTemplateProblem(template);
    if (problem) throw new Error(problem);
    const { options, settings } = mysqlPoolConfig(details);
    const pool = mysql.createPool(options);
    if (verify) {
      try {
        const c = await pool.getConnection();
        try {
          await c.ping();
        } finally {
          c.release();
        }
      } catch (e) {
        await bestEffort(() => pool.end());
        throw new ConnectionVerifyError(redactMessage(e instanceof Error ? e.message : String(e), [detailString(details, 'password')]));
      }
    }
    const old = this.pool;
    this.pool = pool;
    this.settings = settings;
    this.details = { ...details };
    this.usernameTemplate = template || this.defaultUsernameTemplate;
    this.mode = undefined;
    if (old) await this.retire(old);
  }

  async newUser(req: { statements: Statements; username: string; password: string; expiration: Date }): Promise<void> {
    const statements = expandStatements(req.statements.creation, 'mysql');
    if (statements.length === 0) throw new Error(EMPTY_CREATION);
    const vars = { name: req.username, username: req.username, password: req.password, expiration: formatExpiration(req.expiration) };
    let existed = true;
    try {
      await this.withConnection(async (c, mode) => {
        existed = (await this.accountHosts(c, req.username, mode)).length > 0;
        await c.query('START TRANSACTION');
        for (const s of statements) await c.query(renderStatement(s, vars, mode));
        await c.query('COMMIT');
      });
    } catch (e) {
      if (!existed) await bestEffort(() => this.undoCreation(req.statements.rollback, req.username, vars));
      throw safeError(e, [req.password]);
    }
  }

  async renewUser(req: { statements: Statements; username: string; expiration: Date }): Promise<void> {
    // MySQL has no account expiry: without renew statements this is a no-op.
    if (req.statements.renew.length === 0) return;
    await this.runStatements(req.statements.renew, { name: req.username, username: req.username, expiration: formatExpiration(req.expiration) }, []);
  }

  async revokeUser(req: { statements: Statements; username: string }): Promise<void> {
    if (req.statements.revocation.length > 0) {
      await this.runStatements(req.statements.revocation, { name: req.username, username: req.username }, []);
      return;
    }
    await this.withConnection(async (c, mode) => {
      const hosts = await this.accountHosts(c, req.username, mode);
      if (hosts.length === 0) return;
      await this.killSessions(c, req.username, mode);
      for (const host of hosts) {
        const account = `${mysqlLiteral(req.username, mode)}@${mysqlLiteral(host, mode)}`;
        await c.query(`REVOKE ALL PRIVILEGES, GRANT OPTION FROM ${account}`);
        await c.query(`DROP USER ${account}`);
      }
    });
  }

  async updatePassword(req: { statements: string[]; username: string; password: string }): Promise<void> {
    const list = req.statements.length > 0 ? req.statements : [DEFAULT_ROTATION];
    await this.runStatements(list, { name: req.username, username: req.username, password: req.password }, [req.password]);
  }

  async rotateRoot(req: { statements: string[]; newPassword: string }): Promise<void> {
    const username = detailString(this.details, 'username');
    if (username === '') throw new Error('unable to rotate root credentials: no username in configuration');
    await this.updatePassword({ statements: req.statements, username, password: req.newPassword });
    const details = { ...this.details, password: req.newPassword };
    const { options, settings } = mysqlPoolConfig(details);
    const old = this.pool;
    this.pool = mysql.createPool(options);
    this.settings = settings;
    this.details = details;
    if (old) await this.retire(old);
  }

  async close(): Promise<void> {
    const old = this.pool;
    this.pool = undefined;
    if (old) await this.retire(old);
  }

  /** Closes a pool once the operations still running on it have finished (mysql2's end() would cut them off). */
  private async retire(pool: mysql.Pool): Promise<void> {
    const running = this.active.get(pool);
    if (running) await Promise.allSettled([...running]);
    await bestEffort(() => pool.end());
  }

  /** Runs `fn` on a pooled connection; recycles connections past max_connection_lifetime. */
  private async withConnection<T>(fn: (c: Conn, mode: SqlMode) => Promise<T>): Promise<T> {
    const pool = this.pool;
    if (!pool) throw new Error('the connection is not initialized');
    let running = this.active.get(pool);
    if (!running) this.active.set(pool, (running = new Set()));
    const op = this.onConnection(pool, fn);
    running.add(op);
    try {
      return await op;
    } finally {
      running.delete(op);
    }
  }

  private async onConnection<T>(pool: mysql.Pool, fn: (c: Conn, mode: SqlMode) => Promise<T>): Promise<T> {
    const c = await pool.getConnection();
    if (!this.born.has(c.connection)) this.born.set(c.connection, Date.now());
    let broken = false;
    try {
      return await fn(c, await this.sqlMode(c));
    } catch (e) {
      broken = isConnectionError(e);
      if (!broken) await bestEffort(() => c.query('ROLLBACK'));
      throw e;
    } finally {
      const age = Date.now() - (this.born.get(c.connection) ?? Date.now());
      if (broken || (this.settings.maxLifetimeMs > 0 && age >= this.settings.maxLifetimeMs)) c.destroy();
      else c.release();
    }
  }

  private async sqlMode(c: Conn): Promise<SqlMode> {
    if (!this.mode) {
      const [rows] = await c.query('SELECT @@SESSION.sql_mode AS mode');
      const text = String((rows as Array<{ mode?: unknown }>)[0]?.mode ?? '').toUpperCase();
      const flags = new Set(text.split(','));
      this.mode = { dialect: 'mysql', backslashEscapes: !flags.has('NO_BACKSLASH_ESCAPES'), ansiQuotes: flags.has('ANSI_QUOTES') || flags.has('ANSI') };
    }
    return this.mode;
  }

  private async runStatements(list: readonly string[], vars: Readonly<Record<string, string>>, secrets: string[]): Promise<void> {
    const statements = expandStatements(list, 'mysql');
    try {
      await this.withConnection(async (c, mode) => {
        await c.query('START TRANSACTION');
        for (const s of statements) await c.query(renderStatement(s, vars, mode));
        await c.query('COMMIT');
      });
    } catch (e) {
      throw safeError(e, secrets);
    }
  }

  private async accountHosts(c: Conn, username: string, mode: SqlMode): Promise<string[]> {
    const [rows] = await c.query(`SELECT Host AS host FROM mysql.user WHERE User = ${mysqlLiteral(username, mode)}`);
    return (rows as Array<{ host: unknown }>).map((r) => String(r.host));
  }

  /** Ends the open sessions of a user (best effort). */
  private async killSessions(c: Conn, username: string, mode: SqlMode): Promise<void> {
    await bestEffort(async () => {
      const [rows] = await c.query(`SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ${mysqlLiteral(username, mode)} AND ID <> CONNECTION_ID()`);
      for (const r of rows as Array<{ id: unknown }>) {
        const id = Number(r.id);
        if (Number.isInteger(id)) await bestEffort(() => c.query(`KILL CONNECTION ${id}`));
      }
    });
  }

  /** After a failed creation: the rollback statements, else drop whatever accounts were made. */
  private async undoCreation(rollback: readonly string[], username: string, vars: Readonly<Record<string, string>>): Promise<void> {
    await this.withConnection(async (c, mode) => {
      if (rollback.length > 0) {
        for (const s of expandStatements(rollback, 'mysql')) await bestEffort(() => c.query(renderStatement(s, vars, mode)));
        return;
      }
      for (const host of await this.accountHosts(c, username, mode)) {
        await bestEffort(() => c.query(`DROP USER IF EXISTS ${mysqlLiteral(username, mode)}@${mysqlLiteral(host, mode)}`));
      }
    });
  }
}

/** Errors that leave the connection unusable (no server error number). */
function isConnectionError(e: unknown): boolean {
  const errno = (e as { errno?: unknown } | null)?.errno;
  const fatal = (e as { fatal?: unknown } | null)?.fatal;
  if (fatal === true) return true;
  if (e instanceof Error && e.name === 'StatementTemplateError') return false;
  return typeof errno !== 'number';
}
