/**
 * End to end through a real in-process server: the dev issuer, `auth/jwt/` configured to trust
 * it (keep-setup.ts), logins through the public API and the CLI, and the dev demo's output.
 * Skipped while this build has no JWT auth method.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KeepClient, isKeepApiError } from '../client/index.ts';
import type { CliIO } from '../cli/io.ts';
import { runCli } from '../cli/run.ts';
import { runDemo } from '../server/demo.ts';
import { devConfig, jwtAuthAvailable, setupDev, setupDevIssuer } from '../server/dev.ts';
import type { DevIssuerSetup } from '../server/dev.ts';
import { createLogger } from '../server/logger.ts';
import { startServer } from '../server/start.ts';
import type { RunningServer } from '../server/start.ts';
import { IssuerClient } from './client.ts';
import { DEMO_AUDIENCE } from './keep-setup.ts';

const skip = jwtAuthAvailable() ? false : 'the jwt auth method is not registered in src/engines/index.ts';

let server: RunningServer;
let dev: DevIssuerSetup;
let address: string;
let rootToken: string;
let issuer: IssuerClient;

before(async () => {
  if (skip) return;
  server = await startServer(devConfig('127.0.0.1:0', 'error'), createLogger('error'));
  address = server.addresses[0];
  ({ rootToken } = await setupDev(server, { kvV1: false }));
  dev = await setupDevIssuer(address, rootToken, { listen: '127.0.0.1:0', kvV1: false, demoData: true });
  issuer = new IssuerClient(dev.issuer.baseUrl);
});
after(async () => {
  if (skip) return;
  await dev?.issuer.close();
  await server?.close();
});

async function keep(argv: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    readStdin: () => Promise.resolve(stdin),
    readLine: () => Promise.resolve(''),
    stdoutIsTTY: false,
    env: { KEEP_ADDR: address, KEEP_TOKEN: rootToken, KEEP_MAX_RETRIES: '0', KEEP_ISSUER_ADDR: dev.issuer.baseUrl, KEEP_TOKEN_FILE: path.join(os.tmpdir(), 'keep-dev-demo-test-none') },
    homedir: os.tmpdir(),
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}

test('the dev setup configured auth/jwt/ to trust the issuer', { skip }, () => {
  assert.equal(dev.note, undefined);
  assert.ok(dev.demo);
  assert.equal(dev.demo.repository, 'keepdemo/payments-api');
});

test('a main-branch GitHub token logs in with role demo and reads its repository secret', { skip }, async () => {
  const jwt = await issuer.mint('github', { aud: DEMO_AUDIENCE });
  const c = new KeepClient({ address });
  const login = await c.login('jwt', { role: 'demo', jwt });
  assert.deepEqual(login.auth?.token_policies, ['ci-demo', 'default']);
  assert.equal(login.auth?.lease_duration, 600);
  assert.equal(login.auth?.metadata?.ci_platform, 'github');
  assert.equal(login.auth?.metadata?.ci_repository, 'keepdemo/payments-api');
  const got = await c.kv.get('secret/ci/keepdemo/payments-api/deploy');
  assert.equal((got.secret?.data?.data as Record<string, unknown>).db_password, 'demo-s3cr3t');
  c.close();
});

test('a feature-branch token is rejected with the reason code and the failing claim; a replay is KEEP_E_REPLAY', { skip }, async () => {
  const feature = await issuer.mint('github', { aud: DEMO_AUDIENCE, claim_args: ['ref=refs/heads/feature-x'] });
  const c = new KeepClient({ address, retries: 0 });
  await assert.rejects(c.login('jwt', { role: 'demo', jwt: feature }), (e: unknown) => {
    assert.ok(isKeepApiError(e));
    assert.equal(e.status, 400);
    assert.equal(e.reasonCode, 'KEEP_E_CLAIM_MISMATCH');
    assert.equal((e.body as Record<string, unknown>).claim, 'ref');
    assert.equal((e.body as Record<string, unknown>).role, 'demo');
    return true;
  });
  const main = await issuer.mint('github', { aud: DEMO_AUDIENCE });
  await c.login('jwt', { role: 'demo', jwt: main }, { setToken: false });
  await assert.rejects(c.login('jwt', { role: 'demo', jwt: main }), (e: unknown) => isKeepApiError(e) && e.reasonCode === 'KEEP_E_REPLAY');
  c.close();
});

test('CLI: keep login -method=jwt with jwt=TOKEN, jwt=@file, jwt=- and -path', { skip }, async () => {
  const direct = await keep(['login', '-method=jwt', '-no-store', 'role=demo', `jwt=${await issuer.mint('github', { aud: DEMO_AUDIENCE })}`]);
  assert.equal(direct.code, 0, direct.err);
  assert.match(direct.out, /Success! You are now authenticated/);
  assert.match(direct.out, /token_policies\s+\["ci-demo" "default"\]/);
  assert.match(direct.out, /token_meta_ci_repository\s+keepdemo\/payments-api/);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'keep-jwt-'));
  const file = path.join(dir, 'jwt');
  await writeFile(file, `${await issuer.mint('github', { aud: DEMO_AUDIENCE })}\n`);
  const fromFile = await keep(['login', '-method=jwt', '-no-store', 'role=demo', `jwt=@${file}`]);
  assert.equal(fromFile.code, 0, fromFile.err);
  const fromStdin = await keep(['login', '-method=jwt', '-no-store', 'role=demo', 'jwt=-'], `${await issuer.mint('github', { aud: DEMO_AUDIENCE })}\n`);
  assert.equal(fromStdin.code, 0, fromStdin.err);
  const tokenOnly = await keep(['login', '-method=jwt', '-token-only', 'role=demo', `jwt=${await issuer.mint('github', { aud: DEMO_AUDIENCE })}`]);
  assert.match(tokenOnly.out, /^hvs\./);
  // Another mount path.
  const admin = new KeepClient({ address, token: rootToken });
  await admin.sys.enableAuth('jwt2', { type: 'jwt' });
  await admin.write('auth/jwt2/config', { oidc_discovery_url: `${dev.issuer.baseUrl}/gitlab`, bound_issuer: `${dev.issuer.baseUrl}/gitlab` });
  await admin.write('auth/jwt2/role/gl', { role_type: 'jwt', user_claim: 'sub', bound_audiences: ['https://keep.example.com'], bound_claims: { project_id: '55000111' } });
  admin.close();
  const gl = await keep(['login', '-method=jwt', '-path=jwt2', '-no-store', 'role=gl', `jwt=${await issuer.mint('gitlab', { aud: 'https://keep.example.com' })}`]);
  assert.equal(gl.code, 0, gl.err);
  const bad = await keep(['login', '-method=jwt', '-no-store', 'role=demo', `jwt=${await issuer.mint('github', { aud: 'https://other' })}`]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /Error authenticating: .*Code: 400/s);
  assert.match(bad.err, /Reason: KEEP_E_AUDIENCE \(role "demo"/);
});

test('CLI: keep write auth/jwt/explain prints a table per role; -format=json the raw answer', { skip }, async () => {
  const jwt = await issuer.mint('github', { aud: DEMO_AUDIENCE, claim_args: ['ref=refs/heads/feature-x'] });
  const t = await keep(['write', 'auth/jwt/explain', `jwt=${jwt}`]);
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /^Role: demo {4}REJECTED \(KEEP_E_CLAIM_MISMATCH\)/m);
  assert.match(t.out, /^Check\s+Claim\s+Expected\s+Actual\s+Result$/m);
  assert.match(t.out, /ref\s+refs\/heads\/main\s+refs\/heads\/feature-x\s+FAIL/);
  const j = await keep(['write', '-format=json', 'auth/jwt/explain', `jwt=${jwt}`, 'role=demo']);
  const body = JSON.parse(j.out) as { data: { roles: Array<{ role: string; accepted: boolean }> } };
  assert.equal(body.data.roles[0].role, 'demo');
  assert.equal(body.data.roles[0].accepted, false);
});

test('the dev demo runs end to end', { skip }, async () => {
  let out = '';
  assert.ok(dev.demo);
  await runDemo(address, rootToken, (s) => (out += s), { issuerAddress: dev.issuer.baseUrl, requestToken: dev.issuer.requestToken, setup: dev.demo });
  assert.doesNotMatch(out, /UNEXPECTED/);
  assert.match(out, /keys: api_url, db_password/);
  assert.match(out, /refused: 403 permission denied/);
  assert.match(out, /role demo rejected this job: claim ref does not match \(KEEP_E_CLAIM_MISMATCH\)/);
  assert.match(out, /\(KEEP_E_REPLAY\)/);
  assert.match(out, /ci_repository=keepdemo\/payments-api/);
});
