/**
 * postgresql-database-plugin (spec/dynamic.md 2.2, 2.10, 2.11) on the `pg` driver.
 *
 * One bounded pool per connection (max_open_connections; idle connections above
 * max_idle_connections are closed on release; max_connection_lifetime recycles). Creation,
 * renew, custom revocation and rotation statements each run in one transaction. The default
 * revocation blocks new logins, ends the user's sessions, revokes its privileges, hands what it
 * owns to the root user and drops the role; a role that is already gone counts as revoked.
 */
import pg from 'pg';
import type { ConnectionDetails, DatabasePlugin, Statements } from '../plugin.ts';
import { POSTGRES_MAX_USERNAME_LENGTH, POSTGRES_USERNAME_TEMPLATE, usernameTemplateProblem } from '../username-template.ts';
import { ConnectionVerifyError, EMPTY_CREATION, bestEffort, redactMessage, safeError } from './common.ts';
import { detailString, type PoolSettings } from './details.ts';
import { postgresPoolConfig } from './postgres-config.ts';
import { StatementTemplateError, expandStatements, formatExpiration, renderStatement, type SqlMode } from './statements.ts';

export { postgresPoolConfig } from './postgres-config.ts';

const DEFAULT_RENEW = `ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}';`;
const DEFAULT_ROTATION = `ALTER ROLE "{{username}}" WITH PASSWORD '{{password}}';`;

export class PostgresPlugin implements DatabasePlugin {
  readonly type = 'postgresql-database-plugin';
  readonly defaultUsernameTemplate = POSTGRES_USERNAME_TEMPLATE;
  readonly maxUsernameLength = POSTGRES_MAX_USERNAME_LENGTH;
  usernameTemplate = POSTGRES_USERNAME_TEMPLATE;

  private details: ConnectionDetails = {};
  private pool: pg.Pool | undefined;
  private settings: PoolSettings = { maxOpen: 4, maxIdle: 4, maxLifetimeMs: 0 };
  private mode: SqlMode | undefined;

  async initialize(details: ConnectionDetails, verify: boolean): Promise<void> {
    const template = detailString(details, 'username_template');
    const problem = usernameTemplateProblem(template);
    if (problem) throw new Error(problem);
    const { config, settings } = postgresPoolConfig(details);
    const pool = this.openPool(config);
    if (verify) {
      try {
        const c = await pool.connect();
        try {
          await c.query('SELECT 1');
        } finally {
          c.release();
        }
      } catch (e) {
        await bestEffort(() => pool.end());
        const secrets = [detailString(details, 'password')];
        throw new ConnectionVerifyError(redactMessage(e instanceof Error ? e.message : String(e), secrets));
      }
    }
    const old = this.pool;
    this.pool = pool;
    this.settings = settings;
    this.details = { ...details };
    this.usernameTemplate = template || POSTGRES_USERNAME_TEMPLATE;
    this.mode = undefined;
    if (old) await bestEffort(() => old.end());
  }

  async newUser(req: { statements: Statements; username: string; password: string; expiration: Date }): Promise<void> {
    const statements = expandStatements(req.statements.creation, 'postgres');
    if (statements.length === 0) throw new Error(EMPTY_CREATION);
    const vars = { name: req.username, username: req.username, password: req.password, expiration: formatExpiration(req.expiration) };
    let existed = true;
    try {
      await this.transaction(async (c, mode) => {
        existed = await roleExists(c, req.username);
        for (const s of statements) await c.query(renderStatement(s, vars, mode));
      });
    } catch (e) {
      // The transaction is rolled back; rollback statements run too (best effort), but never
      // against a role that existed before this call.
      if (!existed && req.statements.rollback.length > 0) {
        await bestEffort(() => this.runStatements(req.statements.rollback, vars, { transaction: false, ignoreErrors: true }));
      }
      throw safeError(e, [req.password]);
    }
  }

  async renewUser(req: { statements: Statements; username: string; expiration: Date }): Promise<void> {
    const list = req.statements.renew.length > 0 ? req.statements.renew : [DEFAULT_RENEW];
    const vars = { name: req.username, username: req.username, expiration: formatExpiration(req.expiration) };
    await this.runStatements(list, vars, { transaction: true });
  }

  async revokeUser(req: { statements: Statements; username: string }): Promise<void> {
    if (req.statements.revocation.length > 0) {
      await this.runStatements(req.statements.revocation, { name: req.username, username: req.username }, { transaction: true });
      return;
    }
    await this.defaultRevoke(req.username);
  }

  async updatePassword(req: { statements: string[]; username: string; password: string }): Promise<void> {
    const list = req.statements.length > 0 ? req.statements : [DEFAULT_ROTATION];
    const vars = { name: req.username, username: req.username, password: req.password };
    await this.runStatements(list, vars, { transaction: true, secrets: [req.password] });
  }

  async rotateRoot(req: { statements: string[]; newPassword: string }): Promise<void> {
    const username = detailString(this.details, 'username');
    if (username === '') throw new Error('unable to rotate root credentials: no username in configuration');
    await this.updatePassword({ statements: req.statements, username, password: req.newPassword });
    // Reconnect with the new password; the old pool is drained and closed.
    const details = { ...this.details, password: req.newPassword };
    const { config, settings } = postgresPoolConfig(details);
    const old = this.pool;
    this.pool = this.openPool(config);
    this.settings = settings;
    this.details = details;
    if (old) await bestEffort(() => old.end());
  }

  async close(): Promise<void> {
    const old = this.pool;
    this.pool = undefined;
    if (old) await bestEffort(() => old.end());
  }

  private openPool(config: pg.PoolConfig): pg.Pool {
    const pool = new pg.Pool(config);
    // An idle client that loses its connection must not crash the process; the pool drops it.
    pool.on('error', () => undefined);
    return pool;
  }

  private async acquire(): Promise<{ client: pg.PoolClient; pool: pg.Pool }> {
    const pool = this.pool;
    if (!pool) throw new Error('the connection is not initialized');
    return { client: await pool.connect(), pool };
  }

  /** Returns a client; closes it instead when it broke or more than max_idle would stay idle. */
  private release(client: pg.PoolClient, pool: pg.Pool, broken: boolean): void {
    client.release(broken || pool.idleCount >= this.settings.maxIdle ? true : undefined);
  }

  private async sqlMode(c: pg.PoolClient): Promise<SqlMode> {
    if (!this.mode) {
      const r = await c.query<{ standard_conforming_strings: string }>('SHOW standard_conforming_strings');
      this.mode = { dialect: 'postgres', standardConformingStrings: r.rows[0]?.standard_conforming_strings !== 'off' };
    }
    return this.mode;
  }

  /**
   * Runs `fn` in one transaction. Concurrent GRANT/REVOKE on the same catalog row can fail with
   * `tuple concurrently updated` (or a serialization failure / deadlock): the whole transaction
   * was rolled back then, so it is retried a few times.
   */
  private async transaction(fn: (c: pg.PoolClient, mode: SqlMode) => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.transactionOnce(fn);
        return;
      } catch (e) {
        if (attempt >= TRANSIENT_ATTEMPTS || !isTransient(e)) throw e;
        await pause(attempt);
      }
    }
  }

  private async transactionOnce(fn: (c: pg.PoolClient, mode: SqlMode) => Promise<void>): Promise<void> {
    const { client, pool } = await this.acquire();
    let broken = false;
    try {
      const mode = await this.sqlMode(client);
      await client.query('BEGIN');
      try {
        await fn(client, mode);
        await client.query('COMMIT');
      } catch (e) {
        if (!(await bestEffort(() => client.query('ROLLBACK')))) broken = true;
        throw e;
      }
    } catch (e) {
      broken ||= isConnectionError(e);
      throw e;
    } finally {
      this.release(client, pool, broken);
    }
  }

  private async runStatements(
    list: readonly string[],
    vars: Readonly<Record<string, string>>,
    opts: { transaction: boolean; ignoreErrors?: boolean; secrets?: string[] },
  ): Promise<void> {
    const statements = expandStatements(list, 'postgres');
    const secrets = opts.secrets ?? [];
    try {
      if (opts.transaction) {
        await this.transaction(async (c, mode) => {
          for (const s of statements) await c.query(renderStatement(s, vars, mode));
        });
        return;
      }
      const { client, pool } = await this.acquire();
      let broken = false;
      try {
        const mode = await this.sqlMode(client);
        for (const s of statements) {
          try {
            await client.query(renderStatement(s, vars, mode));
          } catch (e) {
            broken ||= isConnectionError(e);
            if (!opts.ignoreErrors || broken) throw e;
          }
        }
      } finally {
        this.release(client, pool, broken);
      }
    } catch (e) {
      throw safeError(e, secrets);
    }
  }

  /** spec/dynamic.md 2.11 default revocation, plus session termination and owned objects. */
  private async defaultRevoke(username: string): Promise<void> {
    const { client, pool } = await this.acquire();
    let broken = false;
    try {
      if (!(await roleExists(client, username))) return;
      const role = pg.escapeIdentifier(username);
      const failures: string[] = [];
      const must = async (sql: string) => {
        try {
          await retryTransient(() => client.query(sql));
        } catch (e) {
          if (isConnectionError(e)) throw e;
          failures.push(e instanceof Error ? e.message : String(e));
        }
      };
      // Stop new logins, then end the sessions already open (best effort: needs pg_signal_backend).
      await bestEffort(() => client.query(`ALTER ROLE ${role} NOLOGIN`));
      await bestEffort(() => client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()', [username]));
      const schemas = await client.query<{ table_schema: string }>(
        'SELECT DISTINCT table_schema FROM information_schema.role_column_grants WHERE grantee = $1',
        [username],
      );
      for (const { table_schema } of schemas.rows) {
        const schema = pg.escapeIdentifier(table_schema);
        await must(`REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA ${schema} FROM ${role}`);
        await must(`REVOKE USAGE ON SCHEMA ${schema} FROM ${role}`);
      }
      const publicSchema = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = 'public'");
      if (publicSchema.rowCount) {
        await must(`REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA public FROM ${role}`);
        await must(`REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public FROM ${role}`);
        await must(`REVOKE USAGE ON SCHEMA public FROM ${role}`);
      }
      const db = await client.query<{ current_database: string }>('SELECT current_database()');
      await must(`REVOKE CONNECT ON DATABASE ${pg.escapeIdentifier(db.rows[0].current_database)} FROM ${role}`);
      // What the user owns goes to the root user; then its remaining privileges are dropped.
      await bestEffort(() => retryTransient(() => client.query(`REASSIGN OWNED BY ${role} TO CURRENT_USER`)));
      await bestEffort(() => retryTransient(() => client.query(`DROP OWNED BY ${role}`)));
      if (failures.length > 0) throw new Error(`failed to revoke privileges of ${username}: ${failures.join('; ')}`);
      await retryTransient(() => client.query(`DROP ROLE IF EXISTS ${role}`));
    } catch (e) {
      broken ||= isConnectionError(e);
      throw e;
    } finally {
      this.release(client, pool, broken);
    }
  }
}

const TRANSIENT_ATTEMPTS = 6;

/** Errors that go away when the statement is simply run again. */
function isTransient(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === '40001' || code === '40P01') return true;
  return code === 'XX000' && e instanceof Error && /tuple concurrently (updated|deleted)/.test(e.message);
}

function pause(attempt: number): Promise<void> {
  const ms = Math.floor(Math.random() * 20 * attempt) + 5;
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a single statement (outside a transaction), again on transient errors. */
async function retryTransient<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= TRANSIENT_ATTEMPTS || !isTransient(e)) throw e;
      await pause(attempt);
    }
  }
}

async function roleExists(c: pg.PoolClient, name: string): Promise<boolean> {
  const r = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
  return (r.rowCount ?? 0) > 0;
}

/** Errors without an SQLSTATE (socket closed, timeouts) leave the client unusable. */
function isConnectionError(e: unknown): boolean {
  if (e instanceof StatementTemplateError) return false;
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code) || code.startsWith('08') || code === '57P01';
}
