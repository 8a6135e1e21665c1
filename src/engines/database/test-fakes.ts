import { testSystemView } from '../../framework/testing.ts';
/**
 * Test doubles for the database engine's unit tests: a fake database server (users, a root
 * password it checks, an up/down switch, injectable failures) reached through fake plugin objects,
 * and a fixture that mounts the engine over in-memory storage with a settable clock and runs
 * requests through the framework's dispatch the way core does.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { badRequest, isKeepError, KeepError } from '../../errors.ts';
import { prepare } from '../../framework/dispatch.ts';
import { compileBackend, type CompiledBackend } from '../../framework/router.ts';
import type { CallerInfo, LeaseInfo, LogicalResponse, MountInfo, Operation } from '../../framework/types.ts';
import { MemoryView } from '../kv/test-storage.ts';
import { createDatabase, type DatabaseBackend } from './backend.ts';
import { ConnectionVerifyError, type ConnectionDetails, type DatabasePlugin, type Statements } from './plugin.ts';

export const FAKE_PLUGINS = ['postgresql-database-plugin', 'mysql-database-plugin'];

type Method = 'initialize' | 'newUser' | 'renewUser' | 'revokeUser' | 'updatePassword' | 'rotateRoot';

export interface FakeUser {
  password: string;
  expiration?: Date;
}

export interface LoggedCall {
  method: Method | 'close';
  plugin: number;
  args?: unknown;
}

/** One fake database server shared by every plugin object (like a real server). */
export class FakeDatabase {
  readonly users = new Map<string, FakeUser>();
  rootUser = 'root';
  rootPassword = 'root-secret';
  /** Connecting needs the root password (false = trust auth). */
  checkPasswords = true;
  down = false;
  /** The next call of a method fails with this error. */
  readonly failNext = new Map<Method, Error>();
  /** These methods fail with an error quoting the password they were given (as MySQL syntax errors do). */
  readonly echoFailure = new Set<Method>();
  /** The root rotation changes the password, then fails (the acknowledgement is lost). */
  loseRotateAck = false;
  readonly calls: LoggedCall[] = [];
  created = 0;
  closed = 0;

  callsOf(method: LoggedCall['method']): LoggedCall[] {
    return this.calls.filter((c) => c.method === method);
  }
}

export class FakePlugin implements DatabasePlugin {
  readonly defaultUsernameTemplate = '{{ printf "v-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 8) }}';
  readonly maxUsernameLength = 63;
  usernameTemplate = '';
  details: ConnectionDetails = {};
  open = false;
  readonly id: number;

  constructor(
    readonly type: string,
    private readonly db: FakeDatabase,
  ) {
    this.id = ++db.created;
  }

  private log(method: LoggedCall['method'], args?: unknown): void {
    this.db.calls.push({ method, plugin: this.id, args });
    const err = method === 'close' ? undefined : this.db.failNext.get(method);
    if (err) {
      this.db.failNext.delete(method as Method);
      throw err;
    }
  }

  private connect(make: (m: string) => Error = (m) => new Error(m)): void {
    if (this.db.down) throw make('dial tcp 127.0.0.1:5432: connect: connection refused');
    if (this.db.checkPasswords && this.details.password !== this.db.rootPassword) {
      throw make(`password authentication failed for user "${String(this.details.username)}"`);
    }
  }

  async initialize(details: ConnectionDetails, verify: boolean): Promise<void> {
    this.details = { ...details };
    this.log('initialize', { verify });
    if (typeof details.connection_url !== 'string' || details.connection_url === '') throw new Error('connection_url cannot be empty');
    const tpl = details.username_template;
    this.usernameTemplate = typeof tpl === 'string' && tpl !== '' ? tpl : this.defaultUsernameTemplate;
    this.open = true;
    if (verify) this.connect((m) => new ConnectionVerifyError(m));
  }

  async newUser(req: { statements: Statements; username: string; password: string; expiration: Date }): Promise<void> {
    this.log('newUser', req);
    this.connect();
    if (this.db.echoFailure.has('newUser')) throw new Error(`syntax error near '${req.password}'`);
    if (req.statements.creation.length === 0) throw new Error('empty creation statements');
    this.db.users.set(req.username, { password: req.password, expiration: req.expiration });
  }

  async renewUser(req: { statements: Statements; username: string; expiration: Date }): Promise<void> {
    this.log('renewUser', req);
    this.connect();
    const u = this.db.users.get(req.username);
    if (u) u.expiration = req.expiration;
  }

  async revokeUser(req: { statements: Statements; username: string }): Promise<void> {
    this.log('revokeUser', req);
    this.connect();
    this.db.users.delete(req.username);
  }

  async updatePassword(req: { statements: string[]; username: string; password: string }): Promise<void> {
    this.log('updatePassword', req);
    this.connect();
    if (this.db.echoFailure.has('updatePassword')) throw new Error(`syntax error near '${req.password}'`);
    const u = this.db.users.get(req.username);
    if (!u) throw new Error(`role "${req.username}" does not exist`);
    u.password = req.password;
  }

  async rotateRoot(req: { statements: string[]; newPassword: string }): Promise<void> {
    this.log('rotateRoot', req);
    this.connect();
    if (this.db.echoFailure.has('rotateRoot')) throw new Error(`syntax error near '${req.newPassword}' for '${String(this.details.password)}'`);
    this.db.rootPassword = req.newPassword;
    if (this.db.loseRotateAck) throw new Error('connection reset by peer');
    this.details = { ...this.details, password: req.newPassword };
  }

  async close(): Promise<void> {
    this.log('close');
    if (this.open) this.db.closed++;
    this.open = false;
  }
}

export function fakePluginFactory(db: FakeDatabase): (name: string) => DatabasePlugin {
  return (name) => {
    if (!FAKE_PLUGINS.includes(name)) throw badRequest(`error creating database object: invalid plugin name ${JSON.stringify(name)}`);
    return new FakePlugin(name, db);
  };
}

export interface Fixture {
  db: FakeDatabase;
  backend: DatabaseBackend;
  compiled: CompiledBackend;
  storage: MemoryView;
  mount: MountInfo;
  clock: { now: number };
  /** Password policies asked for, in order ('' = default generator). */
  policies: string[];
  call(op: Operation, path: string, body?: Record<string, unknown>, caller?: Partial<CallerInfo>): Promise<LogicalResponse | undefined>;
  fail(op: Operation, path: string, body?: Record<string, unknown>): Promise<KeepError>;
  /** The lease core would register from a creds response. */
  lease(resp: LogicalResponse | undefined, extra?: Partial<LeaseInfo>): LeaseInfo;
  /** A second backend over the same storage and database (a restart). */
  restart(): Promise<Fixture>;
}

export const T0 = Date.UTC(2025, 5, 10, 8, 0, 0, 0);

export async function fixture(
  opts: { db?: FakeDatabase; storage?: MemoryView; clock?: { now: number }; defaultTTL?: number; maxTTL?: number } = {},
): Promise<Fixture> {
  const db = opts.db ?? new FakeDatabase();
  const storage = opts.storage ?? new MemoryView();
  const clock = opts.clock ?? { now: T0 };
  const policies: string[] = [];
  let n = 0;
  const mount: MountInfo = {
    path: 'database/',
    type: 'database',
    accessor: 'database_0a1b2c3d',
    uuid: randomUUID(),
    options: null,
    defaultLeaseTTL: () => opts.defaultTTL ?? 2764800,
    maxLeaseTTL: () => opts.maxTTL ?? 2764800,
    local: false,
  };
  const logger = { debug() {}, info() {}, warn() {}, error() {} };
  const system = {
    generatePassword: async (policy?: string) => {
      policies.push(policy ?? '');
      if (policy === 'missing') throw new KeepError('KEEP_E_PASSWORD_POLICY_MISSING', 500, 'no password policy found');
      return `Pw-${policy || 'default'}-${++n}-${randomUUID().slice(0, 8)}`;
    },
  };
  const backend = createDatabase({ storage, mount, logger, system: { ...testSystemView(), ...system } }, { pluginFactory: fakePluginFactory(db), now: () => clock.now });
  await backend.init?.();
  const compiled = compileBackend(backend);

  const call = async (op: Operation, path: string, body: Record<string, unknown> = {}, caller?: Partial<CallerInfo>) => {
    const prepared = prepare(compiled, {
      requestId: randomUUID(),
      operation: op,
      path,
      fullPath: mount.path + path,
      raw: body,
      storage,
      mount,
      caller: caller
        ? {
            accessor: 'acc',
            policies: ['default'],
            entityId: '',
            displayName: 'token',
            metadata: {},
            root: false,
            sudo: false,
            cubbyholeId: 'c',
            tokenHash: 'h',
            ...caller,
          }
        : undefined,
      clientToken: '',
      remoteAddress: '127.0.0.1',
      wrapTTL: 0,
      headers: {},
    });
    let actual = op;
    if (op === 'update' && prepared.hasExistenceCheck && prepared.supports('create')) {
      actual = (await prepared.exists()) ? 'update' : 'create';
    }
    return prepared.execute(actual);
  };

  const fail = async (op: Operation, path: string, body?: Record<string, unknown>): Promise<KeepError> => {
    try {
      await call(op, path, body);
    } catch (e) {
      if (isKeepError(e)) return e;
      throw e;
    }
    throw new Error(`${op} ${path} did not fail`);
  };

  const lease = (resp: LogicalResponse | undefined, extra: Partial<LeaseInfo> = {}): LeaseInfo => {
    assert.ok(resp?.secret, 'no secret in the response');
    return {
      leaseId: `database/creds/x/${randomUUID()}`,
      path: 'database/creds/x',
      internalData: structuredClone(resp.secret.internalData),
      issueTime: clock.now,
      expireTime: clock.now + resp.secret.ttl * 1000,
      ...extra,
    };
  };

  const restart = () => fixture({ ...opts, db, storage, clock });

  return { db, backend, compiled, storage, mount, clock, policies, call, fail, lease, restart };
}

/** Asserts a KeepError's status and exact message. */
export function assertError(err: KeepError, status: number, message: string): void {
  assert.equal(err.message, message);
  assert.equal(err.status, status);
}

/** Writes a working config `name` (verify on, allowed_roles given) for the fake database. */
export async function writeConfig(f: Fixture, name = 'pg', body: Record<string, unknown> = {}): Promise<LogicalResponse | undefined> {
  return f.call('update', `config/${name}`, {
    plugin_name: 'postgresql-database-plugin',
    connection_url: 'postgresql://{{username}}:{{password}}@127.0.0.1:5432/app?sslmode=disable',
    username: f.db.rootUser,
    password: f.db.rootPassword,
    allowed_roles: '*',
    ...body,
  });
}

export const CREATE_SQL = `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`;

/** Settles pending promise callbacks (background closes). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}
