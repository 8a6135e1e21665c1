import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { envelope, startMockServer } from '../client/mock-server.ts';
import type { MockServer, SeenRequest } from '../client/mock-server.ts';
import { ciExec, ciLogin, ciRevoke, ciSecrets } from './commands.ts';
import type { CiOptions } from './commands.ts';
import { spawnInherited } from './env.ts';
import { CiError } from './errors.ts';
import { firstExposure, firstMask, simEnv } from './sim-env.ts';
import type { SimEnv } from './sim-env.ts';

const servers: MockServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

const SECRET = { db_password: 'pa$$-w0rd', api_url: 'https://api.example', multi: 'l1\nl2' };
const TOKEN = 'hvs.CITOKEN';

function loginReply(token = TOKEN) {
  return {
    status: 200,
    body: envelope(null, {
      auth: { client_token: token, accessor: 'acc1', policies: ['ci-read', 'default'], token_policies: ['ci-read'], metadata: {}, lease_duration: 600, renewable: true },
    }),
  };
}

/** A Keep-like mock: jwt login, a KV v2 secret, token self endpoints; `revoked` collects revoked tokens. */
async function keepMock(): Promise<MockServer & { revoked: string[] }> {
  const m = await startMockServer();
  servers.push(m);
  const revoked: string[] = [];
  m.on('POST /v1/auth/jwt/login', loginReply());
  m.on('GET /v1/secret/data/app', { status: 200, body: envelope({ data: SECRET, metadata: { version: 2 } }) });
  m.on('POST /v1/auth/token/revoke-self', (req) => {
    revoked.push(String(req.headers['x-vault-token']));
    return { status: 204 };
  });
  m.on('GET /v1/auth/token/lookup-self', (req) =>
    req.headers['x-vault-token'] === 'hvs.OLD' ? { status: 200, body: envelope({ accessor: 'old', policies: ['ci-read'], ttl: 300 }) } : { status: 403, body: { errors: ['permission denied'] } },
  );
  return Object.assign(m, { revoked });
}

function githubEnv(extra: Record<string, string> = {}): { env: SimEnv; mints: string[] } {
  const mints: string[] = [];
  const env = simEnv({
    env: {
      GITHUB_ACTIONS: 'true',
      ACTIONS_ID_TOKEN_REQUEST_URL: 'https://gh.example/token?api-version=2.0',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'req',
      GITHUB_ENV: '/gh/env',
      GITHUB_OUTPUT: '/gh/out',
      GITHUB_STATE: '/gh/state',
      ...extra,
    },
    fetch: async () => {
      mints.push(`jwt-${mints.length + 1}`);
      return new Response(JSON.stringify({ value: mints[mints.length - 1] }), { status: 200 });
    },
  });
  return { env, mints };
}

function opts(addr: string, more: Partial<CiOptions> = {}): CiOptions {
  return { addr, role: 'deploy', mount: 'jwt', retries: 3, retryMinBackoffMs: 20, ...more };
}

function logins(m: MockServer): SeenRequest[] {
  return m.requests.filter((r) => r.path === '/v1/auth/jwt/login');
}

const SPEC = 'secret/data/app db_password | DB_PASSWORD ; secret/data/app api_url ; secret/data/app multi';

test('secrets on GitHub: login with the minted token, masks first, then GITHUB_ENV/OUTPUT/STATE', async () => {
  const m = await keepMock();
  const { env } = githubEnv();
  const out = await ciSecrets(env, opts(m.url, { secrets: SPEC, audience: 'https://keep' }));
  assert.deepEqual(out, { DB_PASSWORD: SECRET.db_password, API_URL: SECRET.api_url, MULTI: SECRET.multi });
  const [login] = logins(m);
  assert.deepEqual(JSON.parse(login.body), { jwt: 'jwt-1', role: 'deploy' });
  assert.equal(login.headers['x-vault-token'], undefined);
  // One read for three entries of the same path, with the new token.
  const reads = m.requests.filter((r) => r.path === '/v1/secret/data/app');
  assert.equal(reads.length, 1);
  assert.equal(reads[0].headers['x-vault-token'], TOKEN);
  for (const v of [TOKEN, SECRET.db_password, SECRET.api_url, 'l1', 'l2']) {
    const mask = firstMask(env.events, v);
    const exposed = firstExposure(env.events, v);
    assert.ok(mask >= 0, `no mask for ${v}`);
    assert.ok(exposed === -1 || exposed > mask, `${v} exposed at ${exposed} before its mask at ${mask}`);
    assert.ok(!env.stderrText().includes(v), `${v} on stderr`);
  }
  assert.match(env.files.get('/gh/env') ?? '', /^DB_PASSWORD<<ghadelimiter_/);
  assert.match(env.files.get('/gh/out') ?? '', /\napi_url<<ghadelimiter_/);
  assert.match(env.files.get('/gh/state') ?? '', /^keep_token<<(\S+)\nhvs\.CITOKEN\n\1\n$/);
  assert.ok(!(env.files.get('/gh/env') ?? '').includes('KEEP_TOKEN'), 'token not exported without -export-token');
  assert.match(env.stderrText(), /logged in to auth\/jwt as role deploy \(GitHub Actions\); policies: ci-read, default; ttl 10m; accessor acc1/);
  assert.match(env.stderrText(), /3 secrets exported to GITHUB_ENV, GITHUB_OUTPUT: DB_PASSWORD, API_URL, MULTI/);
});

test('secrets -export-token adds KEEP_TOKEN, VAULT_TOKEN and KEEP_CI_ROLE to the same export', async () => {
  const m = await keepMock();
  const env = simEnv({ env: { KEEP_JWT: 'j', BASH_ENV: '/b' } });
  await ciSecrets(env, opts(m.url, { secrets: 'secret/data/app api_url', exportToken: true, platform: 'circleci' }));
  assert.equal(env.files.get('/b'), "export API_URL='https://api.example'\nexport KEEP_TOKEN='hvs.CITOKEN'\nexport VAULT_TOKEN='hvs.CITOKEN'\nexport KEEP_CI_ROLE='deploy'\n");
});

test('a rejected login explains itself with role, claim and reason code', async () => {
  const m = await keepMock();
  m.on('POST /v1/auth/jwt/login', { status: 400, body: { errors: ['error validating claims: claim "ref" does not match any associated bound claim values'], reason_code: 'KEEP_E_CLAIM_MISMATCH', role: 'deploy', claim: 'ref' } });
  const env = simEnv({ env: { KEEP_JWT: 'feature-branch-jwt' } });
  await assert.rejects(ciSecrets(env, opts(m.url, { secrets: SPEC })), (e: unknown) => {
    assert.ok(e instanceof CiError);
    assert.equal(e.message, 'role deploy rejected this job: claim ref does not match (KEEP_E_CLAIM_MISMATCH)');
    assert.equal(e.exitCode, 2);
    assert.equal(e.reasonCode, 'KEEP_E_CLAIM_MISMATCH');
    return true;
  });
  assert.equal(logins(m).length, 1, 'a 4xx is never retried');
  assert.equal(env.stdoutText(), '');
});

test('other refusals: missing mount, server message without reason code', async () => {
  const m = await keepMock();
  const env = simEnv({ env: { KEEP_JWT: 'j' } });
  await assert.rejects(ciLogin(env, opts(m.url, { mount: 'nope' })), /auth\/nope\/login does not exist: is the JWT auth method mounted at "nope"\? \(use -mount\)/);
  m.on('POST /v1/auth/jwt/login', { status: 400, body: { errors: ['role "x" could not be found'], reason_code: 'KEEP_E_ROLE_NOT_FOUND' } });
  await assert.rejects(ciLogin(env, opts(m.url, { role: 'x' })), /^CiError: role x rejected this job: role "x" could not be found \(KEEP_E_ROLE_NOT_FOUND\)$/);
});

test('a missing secret or key fails, unless -ignore-not-found; nothing is exported on failure and the token is revoked', async () => {
  const m = await keepMock();
  const { env } = githubEnv();
  await assert.rejects(ciSecrets(env, opts(m.url, { secrets: 'secret/data/app api_url;\nsecret/data/missing x' })), (e: unknown) => {
    assert.ok(e instanceof CiError);
    assert.equal(e.message, 'secret "secret/data/missing" was not found (secrets line 2)');
    return true;
  });
  assert.equal(env.files.has('/gh/env'), false);
  assert.deepEqual(m.revoked, [TOKEN]);
  await assert.rejects(ciSecrets(githubEnv().env, opts(m.url, { secrets: 'secret/data/app nokey' })), /key "nokey" was not found in "secret\/data\/app" \(secrets line 1\)/);
  const ok = githubEnv().env;
  const out = await ciSecrets(ok, opts(m.url, { secrets: 'secret/data/app api_url; secret/data/missing x; secret/data/app nokey', ignoreNotFound: true }));
  assert.deepEqual(out, { API_URL: SECRET.api_url });
  assert.match(ok.stderrText(), /secret "secret\/data\/missing" was not found \(secrets line 1\); skipped \(-ignore-not-found\)/);
  assert.match(ok.stderrText(), /key "nokey" was not found/);
});

test('a refused read names the path and the token policies', async () => {
  const m = await keepMock();
  m.on('GET /v1/secret/data/prod', { status: 403, body: { errors: ['1 error occurred:\n\t* permission denied\n\n'] } });
  await assert.rejects(ciSecrets(simEnv({ env: { KEEP_JWT: 'j' } }), opts(m.url, { secrets: 'secret/data/prod password' })), /cannot read "secret\/data\/prod" \(secrets line 1\): permission denied; the token's policies: ci-read, default/);
});

test('bad spec and bad format are refused before any login', async () => {
  const m = await keepMock();
  const env = simEnv({ env: { KEEP_JWT: 'j' } });
  await assert.rejects(ciSecrets(env, opts(m.url, { secrets: 'secret/data/app' })), (e: unknown) => e instanceof CiError && e.exitCode === 1 && /secrets line 1/.test(e.message));
  await assert.rejects(ciSecrets(env, opts(m.url, { secrets: SPEC, format: 'yaml' as 'json' })), /unknown -format "yaml": use auto, env, dotenv, json, shell/);
  assert.equal(m.requests.length, 0);
  await assert.rejects(ciSecrets(env, opts('', { secrets: SPEC })), /no Keep address: set KEEP_ADDR \(or VAULT_ADDR\)/);
});

test('a token left by keep ci login for the same role is reused; a stale one leads to a new login', async () => {
  const m = await keepMock();
  const env = simEnv({ env: { KEEP_TOKEN: 'hvs.OLD', KEEP_CI_ROLE: 'deploy', KEEP_JWT: 'j' } });
  await ciSecrets(env, opts(m.url, { secrets: 'secret/data/app api_url' }));
  assert.equal(logins(m).length, 0);
  assert.equal(m.requests.find((r) => r.path === '/v1/secret/data/app')?.headers['x-vault-token'], 'hvs.OLD');
  assert.match(env.stderrText(), /using the token from keep ci login/);
  const stale = simEnv({ env: { KEEP_TOKEN: 'hvs.GONE', KEEP_CI_ROLE: 'deploy', KEEP_JWT: 'j' } });
  await ciSecrets(stale, opts(m.url, { secrets: 'secret/data/app api_url' }));
  assert.equal(logins(m).length, 1);
  assert.match(stale.stderrText(), /is no longer valid; logging in again/);
  const otherRole = simEnv({ env: { KEEP_TOKEN: 'hvs.OLD', KEEP_CI_ROLE: 'other', KEEP_JWT: 'j' } });
  await ciSecrets(otherRole, opts(m.url, { secrets: 'secret/data/app api_url' }));
  assert.equal(logins(m).length, 2);
});

test('login: 503 is retried with the same token; a reset is retried with a fresh one', async () => {
  const m = await keepMock();
  let n = 0;
  m.on('POST /v1/auth/jwt/login', () => (++n === 1 ? { status: 503, body: { errors: ['Vault is sealed'] } } : loginReply()));
  const a = githubEnv();
  await ciLogin(a.env, opts(m.url));
  assert.deepEqual(logins(m).map((r) => JSON.parse(r.body).jwt), ['jwt-1', 'jwt-1']);
  n = 0;
  m.on('POST /v1/auth/jwt/login', () => (++n === 1 ? { status: 0, hangUp: true } : loginReply()));
  const b = githubEnv();
  await ciLogin(b.env, opts(m.url));
  assert.deepEqual(logins(m).slice(2).map((r) => JSON.parse(r.body).jwt), ['jwt-1', 'jwt-2']);
  assert.match(b.env.stderrText(), /login attempt 1 failed \(\w+\); retrying with a fresh job token/);
  // The fresh token is masked too, before the next attempt.
  assert.ok(b.env.stdoutText().includes('::add-mask::jwt-2'));
});

test('login: a replay refusal after a lost answer is explained when the token cannot be minted again', async () => {
  const m = await keepMock();
  let n = 0;
  m.on('POST /v1/auth/jwt/login', () =>
    ++n === 1 ? { status: 0, hangUp: true } : { status: 400, body: { errors: ['token already used'], reason_code: 'KEEP_E_REPLAY', role: 'deploy' } },
  );
  await assert.rejects(ciLogin(simEnv({ env: { KEEP_JWT: 'j' } }), opts(m.url)), /this job token was already used .*\(KEEP_E_REPLAY\); an earlier attempt's answer was lost .* \$KEEP_JWT cannot be minted again: re-run the job/);
});

test('login survives a server that is down at first (connection refused), then comes up', async () => {
  const port = await new Promise<number>((resolve) => {
    const s = http.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const seen: string[] = [];
  const late = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(loginReply().body));
    });
  });
  const timer = setTimeout(() => late.listen(port, '127.0.0.1'), 150);
  try {
    const env = simEnv({ env: { KEEP_JWT: 'j', BASH_ENV: '/b' } });
    const r = await ciLogin(env, opts(`http://127.0.0.1:${port}`, { retries: 8, platform: 'circleci' }));
    assert.equal(r.token, TOKEN);
    assert.deepEqual(seen, ['POST /v1/auth/jwt/login']);
    assert.match(env.stderrText(), /login attempt 1 failed \(ECONNREFUSED\); retrying\n/);
  } finally {
    clearTimeout(timer);
    await new Promise<void>((resolve) => late.close(() => resolve()));
  }
});

test('login hands the token on (masked first) and revoke finds and revokes it', async () => {
  const m = await keepMock();
  const { env } = githubEnv();
  const r = await ciLogin(env, opts(m.url));
  assert.deepEqual(r, { token: TOKEN, accessor: 'acc1', platform: 'github' });
  assert.ok(firstMask(env.events, TOKEN) < firstExposure(env.events, TOKEN));
  assert.match(env.files.get('/gh/env') ?? '', /KEEP_CI_ROLE<<\S+\ndeploy\n/);
  // The next step sees what GITHUB_ENV set.
  const post = githubEnv({ KEEP_TOKEN: TOKEN, VAULT_TOKEN: TOKEN, KEEP_CI_ROLE: 'deploy' }).env;
  await ciRevoke(post, { addr: m.url });
  assert.deepEqual(m.revoked, [TOKEN]);
  assert.match(post.stderrText(), /revoked the token from KEEP_TOKEN/);
  assert.match(post.files.get('/gh/env') ?? '', /^KEEP_TOKEN<<(\S+)\n\n\1\n/);
});

test('revoke: nothing to revoke is not an error; an already revoked token is reported', async () => {
  const m = await keepMock();
  const none = simEnv({ env: { KEEP_TOKEN: 'hand-set' } });
  await ciRevoke(none, { addr: m.url });
  assert.match(none.stderrText(), /nothing to revoke/);
  assert.equal(m.requests.length, 0);
  m.on('POST /v1/auth/token/revoke-self', { status: 403, body: { errors: ['permission denied'] } });
  const gone = simEnv({ env: { STATE_keep_token: 'hvs.X' } });
  await ciRevoke(gone, { addr: m.url });
  assert.match(gone.stderrText(), /was already revoked or expired/);
});

test('exec: masks, then the command with the secrets in its env only; exit code passed on; token revoked', async () => {
  const m = await keepMock();
  let childEnv: Record<string, string> = {};
  const env = simEnv({
    env: { GITHUB_ACTIONS: 'true', KEEP_JWT: 'j', GITHUB_ENV: '/gh/env', PATH: '/usr/bin' },
    spawnChild: async (_cmd, _args, e) => {
      childEnv = e;
      return { code: 3, signal: null };
    },
  });
  const code = await ciExec(env, opts(m.url, { secrets: SPEC }), ['deploy.sh', '--prod']);
  assert.equal(code, 3);
  assert.equal(childEnv.DB_PASSWORD, SECRET.db_password);
  assert.equal(childEnv.MULTI, SECRET.multi);
  assert.equal(childEnv.PATH, '/usr/bin');
  assert.equal(childEnv.KEEP_TOKEN, undefined);
  const spawnAt = env.events.findIndex((e) => e.kind === 'spawn');
  assert.deepEqual(env.events[spawnAt].args, ['--prod']);
  for (const v of [SECRET.db_password, 'l1', 'l2', TOKEN]) assert.ok(firstMask(env.events, v) >= 0 && firstMask(env.events, v) < spawnAt, v);
  assert.equal(env.files.size, 0, 'nothing written');
  assert.deepEqual(m.revoked, [TOKEN]);
});

test('exec: killed by a signal gives 128+n and still revokes; -export-token passes the token', async () => {
  const m = await keepMock();
  let childEnv: Record<string, string> = {};
  const env = simEnv({
    env: { KEEP_JWT: 'j' },
    spawnChild: async (_c, _a, e) => {
      childEnv = e;
      return { code: null, signal: 'SIGTERM' };
    },
  });
  assert.equal(await ciExec(env, opts(m.url, { secrets: SPEC, exportToken: true }), ['sleep', '60']), 143);
  assert.equal(childEnv.KEEP_TOKEN, TOKEN);
  assert.equal(childEnv.VAULT_TOKEN, TOKEN);
  assert.deepEqual(m.revoked, [TOKEN]);
});

test('exec: a failed read revokes the token and runs nothing; no command is a usage error', async () => {
  const m = await keepMock();
  let ran = false;
  const env = simEnv({
    env: { KEEP_JWT: 'j' },
    spawnChild: async () => {
      ran = true;
      return { code: 0, signal: null };
    },
  });
  await assert.rejects(ciExec(env, opts(m.url, { secrets: 'secret/data/gone k' }), ['true']), /not found/);
  assert.equal(ran, false);
  assert.deepEqual(m.revoked, [TOKEN]);
  await assert.rejects(ciExec(env, opts(m.url), []), /needs a command/);
});

test('exec: a reused keep ci login token is not revoked', async () => {
  const m = await keepMock();
  const env = simEnv({ env: { KEEP_TOKEN: 'hvs.OLD', KEEP_CI_ROLE: 'deploy' }, spawnChild: async () => ({ code: 0, signal: null }) });
  assert.equal(await ciExec(env, opts(m.url, { secrets: 'secret/data/app api_url' }), ['true']), 0);
  assert.deepEqual(m.revoked, []);
  assert.match(env.stderrText(), /stays valid; revoke it with keep ci revoke/);
});

test('exec with a real child process: env, exit code, and death by signal', async () => {
  const m = await keepMock();
  const base = { KEEP_JWT: 'j', PATH: process.env.PATH ?? '' };
  const mk = () => simEnv({ env: base, spawnChild: (c, a, e) => spawnInherited(c, a, e, () => undefined) });
  const check = `process.exit(process.env.DB_PASSWORD === ${JSON.stringify(SECRET.db_password)} && process.env.MULTI === ${JSON.stringify(SECRET.multi)} ? 7 : 1)`;
  assert.equal(await ciExec(mk(), opts(m.url, { secrets: SPEC }), [process.execPath, '-e', check]), 7);
  assert.equal(await ciExec(mk(), opts(m.url, { secrets: SPEC }), [process.execPath, '-e', 'process.kill(process.pid, "SIGKILL")']), 137);
  const missing = simEnv({ env: base, spawnChild: (c, a, e) => spawnInherited(c, a, e, () => undefined) });
  assert.equal(await ciExec(missing, opts(m.url, { secrets: SPEC }), ['/nonexistent/keep-ci-test-cmd']), 127);
  assert.equal(m.revoked.length, 3);
});

test('exec: a name that cannot be an environment variable is refused, the token revoked, nothing run', async () => {
  const m = await keepMock();
  let ran = false;
  const env = simEnv({
    env: { KEEP_JWT: 'j' },
    spawnChild: async () => {
      ran = true;
      return { code: 0, signal: null };
    },
  });
  await assert.rejects(ciExec(env, opts(m.url, { secrets: 'secret/data/app api_url | A=B' }), ['true']), /cannot put "A=B" \(from secret\/data\/app\) in the environment/);
  assert.equal(ran, false);
  assert.deepEqual(m.revoked, [TOKEN]);
});

test('a given token (vault-action method: token) is used as is: no login, masked, never revoked', async () => {
  const m = await keepMock();
  const { env } = githubEnv();
  const out = await ciSecrets(env, opts(m.url, { secrets: 'secret/data/app api_url', token: 'hvs.GIVEN' }));
  assert.deepEqual(out, { API_URL: SECRET.api_url });
  assert.equal(logins(m).length, 0);
  assert.equal(m.requests.find((r) => r.path === '/v1/secret/data/app')?.headers['x-vault-token'], 'hvs.GIVEN');
  assert.ok(env.stdoutText().startsWith('::add-mask::hvs.GIVEN\n'));
  assert.equal(env.files.has('/gh/state'), false, 'not saved for the post step');
  const ex = simEnv({ spawnChild: async () => ({ code: 0, signal: null }) });
  assert.equal(await ciExec(ex, opts(m.url, { secrets: 'secret/data/app api_url', token: 'hvs.GIVEN' }), ['true']), 0);
  assert.deepEqual(m.revoked, []);
});
