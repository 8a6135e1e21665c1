/**
 * The database secrets engine against a private PostgreSQL cluster that checks passwords
 * (scram-sha-256 on TCP; the shared server trusts every password) and that the test can stop:
 *
 * - rotate-root: afterwards the old root password fails, Keep keeps issuing users (and only Keep
 *   knows the new password);
 * - the database down during a revocation: a synchronous revoke fails with `failed to revoke
 *   entry: ...` and keeps the lease; an expired lease whose revocation fails stays, lookup still
 *   answers, the failure is logged and retried; once the database is back the retry (backoff
 *   2^n x 10 s, jittered) drops the users and the leases go.
 *
 * The cluster lives in a temp dir on a free port and is removed at the end.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PrivatePostgres } from '../helpers/databases.ts';
import { IN_CI, pgLoginError, privatePostgresProblem, skipUnless, startPrivatePostgres, waitFor } from '../helpers/databases.ts';
import { Api, dataOf, errorsOf, show } from '../helpers/http.ts';
import type { CliResult, KeepServer } from '../helpers/server.ts';
import { describeCli, expectExit, runCli, startKeep, useKeepHooks } from '../helpers/server.ts';

useKeepHooks();

const clusterProblem = privatePostgresProblem();
const T = { timeout: 120_000, skip: skipUnless('a private PostgreSQL cluster', clusterProblem) };

let cluster: PrivatePostgres | undefined;
let server: KeepServer;
let api: Api;

before(async () => {
  if (T.skip) return;
  if (clusterProblem) throw new Error(`a private PostgreSQL cluster cannot start${IN_CI ? ' in CI' : ''}: ${clusterProblem}`);
  cluster = await startPrivatePostgres();
  server = await startKeep({ dev: true });
  api = new Api(server.addr, 'root');
  mustOk(await api.post('sys/mounts/db', { type: 'database' }), 'mount database at db/');
  mustOk(
    await api.post('db/config/priv', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: cluster.connectionUrl,
      username: cluster.user,
      password: cluster.password,
      allowed_roles: '*',
    }),
    'write db/config/priv',
  );
  const create = `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`;
  mustOk(await api.post('db/roles/long', { db_name: 'priv', creation_statements: [create], default_ttl: '1h' }), 'role long');
  mustOk(await api.post('db/roles/short', { db_name: 'priv', creation_statements: [create], default_ttl: '3s', max_ttl: '3s' }), 'role short');
});

after(async () => {
  // Keep first (it may be retrying against the cluster), then the cluster and its users.
  if (server) await server.stop();
  if (cluster) await cluster.destroy();
});

function mustOk(res: { status: number; text: string }, what: string): void {
  if (res.status !== 200 && res.status !== 204) throw new Error(`${what}: ${res.status} ${res.text.slice(0, 500)}`);
}

function keep(...args: string[]): Promise<CliResult> {
  return runCli(args, { addr: server.addr, token: 'root' });
}

interface Creds {
  leaseId: string;
  username: string;
  password: string;
}

async function readCreds(role: string): Promise<Creds> {
  const r = expectExit(await keep('read', '-format=json', `db/creds/${role}`), 0);
  let out: Record<string, unknown>;
  try {
    out = JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`stdout is not JSON: ${describeCli(r)}`);
  }
  const data = out.data as Record<string, unknown>;
  return { leaseId: String(out.lease_id), username: String(data.username), password: String(data.password) };
}

async function roleExists(name: string): Promise<boolean> {
  if (!cluster) throw new Error('no cluster');
  return cluster.admin(async (c) => ((await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount ?? 0) > 0);
}

function serverLog(): string {
  return server.stdout() + server.stderr();
}

test('rotate-root makes the old root password fail while Keep keeps working', T, async () => {
  if (!cluster) throw new Error('no cluster');
  const oldPassword = cluster.password;
  assert.equal(await pgLoginError(cluster.user, oldPassword, cluster.port), undefined, 'the root password works before');
  const before = await readCreds('long');

  const r = expectExit(await keep('write', '-force', 'db/rotate-root/priv'), 0);
  assert.match(r.stdout, /Success! Data written to: db\/rotate-root\/priv/);
  assert.match((await pgLoginError(cluster.user, oldPassword, cluster.port)) ?? '', /password authentication failed/, 'the old root password fails');

  const details = dataOf(await api.get('db/config/priv')).connection_details as Record<string, unknown>;
  assert.equal('password' in details, false, 'the new root password is never returned');

  // Keep keeps working with the password only it knows: issue, log in, revoke.
  const c = await readCreds('long');
  assert.equal(await pgLoginError(c.username, c.password, cluster.port), undefined, 'a user issued after the rotation logs in');
  assert.match((await pgLoginError(c.username, `${c.password}x`, cluster.port)) ?? '', /password authentication failed/);
  for (const x of [before, c]) {
    expectExit(await keep('lease', 'revoke', '-sync', x.leaseId), 0);
    assert.equal(await roleExists(x.username), false);
  }
});

test('the database down during revocation keeps the lease; it is revoked once the database is back', T, async () => {
  if (!cluster) throw new Error('no cluster');
  const kept = await readCreds('long');
  const expiring = await readCreds('short');
  assert.equal(await pgLoginError(kept.username, kept.password, cluster.port), undefined);
  assert.equal(await pgLoginError(expiring.username, expiring.password, cluster.port), undefined);

  await cluster.stop();

  // A synchronous revoke fails with the engine's error and the lease stays.
  const sync = await api.put('sys/leases/revoke', { lease_id: kept.leaseId, sync: true });
  assert.equal(sync.status, 400, show(sync));
  assert.match(errorsOf(sync)[0] ?? '', /^failed to revoke entry: .*ECONNREFUSED/);
  const cli = await keep('lease', 'revoke', '-sync', kept.leaseId);
  expectExit(cli, 2);
  assert.match(cli.stderr, /failed to revoke entry/);
  assert.equal((await api.put('sys/leases/lookup', { lease_id: kept.leaseId })).status, 200, 'the lease is still there');

  // Queue it, and let the short lease expire: the worker's attempts fail, are logged, and are retried later.
  expectExit(await keep('lease', 'revoke', kept.leaseId), 0);
  for (const l of [kept, expiring]) {
    await waitFor(
      `a failed revocation attempt of ${l.leaseId} in the server log`,
      async () => serverLog().split('\n').some((line) => line.includes('lease revocation failed, will retry') && line.includes(`"lease_id":"${l.leaseId}"`)),
      30_000,
    );
    const look = await api.put('sys/leases/lookup', { lease_id: l.leaseId });
    assert.equal(look.status, 200, `lookup still answers while the database is down: ${show(look)}`);
    const data = dataOf(look);
    assert.equal(data.id, l.leaseId);
    assert.equal(data.ttl, 0);
    assert.equal(data.renewable, false);
    // Not irrevocable after one failure: no revoke_error yet, the lease waits for its retry.
    assert.equal(data.revoke_error, undefined);
  }
  assert.match(serverLog(), /"attempt":1,"error":"failed to revoke entry: [^"]*ECONNREFUSED/);
  assert.ok(!serverLog().includes(kept.password) && !serverLog().includes(expiring.password), 'no password in the log');

  await cluster.start();

  // The retry (first backoff: 20 s +-50 %) drops both users and removes the leases.
  for (const l of [kept, expiring]) {
    await waitFor(`user ${l.username} dropped after the database came back`, async () => !(await roleExists(l.username)), 60_000);
    await waitFor(`lease ${l.leaseId} removed`, async () => (await api.put('sys/leases/lookup', { lease_id: l.leaseId })).status === 400, 10_000);
    assert.match((await pgLoginError(l.username, l.password, cluster.port)) ?? '', /password authentication failed|does not exist/);
  }
  // Keep's pool recovered from the restart: new users are issued again.
  const fresh = await readCreds('long');
  assert.equal(await pgLoginError(fresh.username, fresh.password, cluster.port), undefined);
  expectExit(await keep('lease', 'revoke', '-sync', fresh.leaseId), 0);
  assert.equal(await roleExists(fresh.username), false);
});
