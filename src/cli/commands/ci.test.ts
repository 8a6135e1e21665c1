import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { envelope, startMockServer } from '../../client/mock-server.ts';
import type { MockServer } from '../../client/mock-server.ts';
import type { CliIO } from '../io.ts';
import { runCli } from '../run.ts';

let srv: MockServer;
let dir: string;
const revoked: string[] = [];
before(async () => {
  srv = await startMockServer();
  dir = await mkdtemp(path.join(os.tmpdir(), 'keep-ci-cli-'));
  srv.on('POST /v1/auth/jwt/login', (req) => {
    const body = JSON.parse(req.body) as { jwt: string; role?: string };
    if (body.jwt !== 'good.jwt') return { status: 400, body: { errors: ['claim "ref" does not match'], reason_code: 'KEEP_E_CLAIM_MISMATCH', role: body.role, claim: 'ref' } };
    return { status: 200, body: envelope(null, { auth: { client_token: 'hvs.cli', accessor: 'a1', policies: ['ci'], metadata: {}, lease_duration: 60, renewable: true } }) };
  });
  srv.on('GET /v1/secret/data/app', { status: 200, body: envelope({ data: { password: "it's", user: 'ci' }, metadata: {} }) });
  srv.on('POST /v1/auth/token/revoke-self', (req) => {
    revoked.push(String(req.headers['x-vault-token']));
    return { status: 204 };
  });
});
after(async () => {
  await srv.close();
});

async function keep(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    readStdin: () => Promise.resolve(''),
    readLine: () => Promise.resolve(''),
    stdoutIsTTY: false,
    env: { KEEP_ADDR: srv.url, KEEP_MAX_RETRIES: '0', PATH: process.env.PATH ?? '', ...env },
    homedir: dir,
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}

test('keep ci lists its subcommands', async () => {
  const r = await keep(['ci', '-h']);
  assert.equal(r.code, 0);
  for (const c of ['ci login', 'ci secrets', 'ci exec', 'ci revoke']) assert.match(r.out, new RegExp(c));
});

test('keep ci secrets (generic): export lines on stdout, messages on stderr without values', async () => {
  const r = await keep(['ci', 'secrets', '-role', 'deploy', '-secrets', 'secret/data/app password | DB_PASSWORD; secret/data/app user'], { KEEP_JWT: 'good.jwt' });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, "export DB_PASSWORD='it'\\''s'\nexport USER='ci'\n");
  assert.ok(!r.err.includes("it's"));
  assert.match(r.err, /2 secrets exported to stdout \(shell\): DB_PASSWORD, USER/);
});

test('keep ci secrets -format json and -format dotenv', async () => {
  const j = await keep(['ci', 'secrets', '-role=deploy', '-format=json', '-secrets=secret/data/app password'], { KEEP_JWT: 'good.jwt' });
  assert.equal(j.code, 0, j.err);
  assert.deepEqual(JSON.parse(j.out), { PASSWORD: "it's" });
  const d = await keep(['ci', 'secrets', '-role=deploy', '-format=dotenv', '-secrets=secret/data/app user'], { KEEP_JWT: 'good.jwt' });
  assert.equal(d.out, "USER='ci'\n");
});

test('a rejected login prints the reason and exits 2', async () => {
  const r = await keep(['ci', 'login', '-role', 'deploy'], { KEEP_JWT: 'feature.jwt' });
  assert.equal(r.code, 2);
  assert.equal(r.err, 'Error: role deploy rejected this job: claim ref does not match (KEEP_E_CLAIM_MISMATCH)\n');
  assert.equal(r.out, '');
});

test('usage and local errors', async () => {
  const noSpec = await keep(['ci', 'secrets', '-role', 'deploy'], { KEEP_JWT: 'good.jwt' });
  assert.equal(noSpec.code, 2);
  assert.match(noSpec.err, /-secrets is required/);
  const noAddr = await keep(['ci', 'login', '-role', 'x'], { KEEP_ADDR: '', KEEP_JWT: 'good.jwt' });
  assert.equal(noAddr.code, 1);
  assert.match(noAddr.err, /^Error: no Keep address: set KEEP_ADDR \(or VAULT_ADDR\), or pass -address\n$/);
  const noCmd = await keep(['ci', 'exec', '-role', 'x']);
  assert.equal(noCmd.code, 2);
  assert.match(noCmd.err, /a command is required/);
  const badPlatform = await keep(['ci', 'login', '-platform', 'travis'], { KEEP_JWT: 'good.jwt' });
  assert.equal(badPlatform.code, 1);
  assert.match(badPlatform.err, /unknown CI platform "travis"/);
  const noToken = await keep(['ci', 'login', '-role', 'x', '-platform', 'bitbucket']);
  assert.equal(noToken.code, 1);
  assert.match(noToken.err, /oidc: true/);
  const badSpec = await keep(['ci', 'secrets', '-role', 'x', '-secrets', 'a b c'], { KEEP_JWT: 'good.jwt' });
  assert.equal(badSpec.code, 1);
  assert.match(badSpec.err, /secrets line 1: You must provide a valid path and key/);
});

test('keep ci login on CircleCI writes BASH_ENV; keep ci revoke revokes it', async () => {
  const bashEnv = path.join(dir, 'bash_env');
  const r = await keep(['ci', 'login', '-role', 'deploy'], { CIRCLECI: 'true', CIRCLE_OIDC_TOKEN_V2: 'good.jwt', BASH_ENV: bashEnv });
  assert.equal(r.code, 0, r.err);
  assert.equal(await readFile(bashEnv, 'utf8'), "export KEEP_TOKEN='hvs.cli'\nexport VAULT_TOKEN='hvs.cli'\nexport KEEP_CI_ROLE='deploy'\n");
  const v = await keep(['ci', 'revoke'], { CIRCLECI: 'true', BASH_ENV: bashEnv, KEEP_TOKEN: 'hvs.cli', KEEP_CI_ROLE: 'deploy' });
  assert.equal(v.code, 0, v.err);
  assert.deepEqual(revoked.slice(-1), ['hvs.cli']);
  assert.match(await readFile(bashEnv, 'utf8'), /unset KEEP_TOKEN VAULT_TOKEN KEEP_CI_ROLE\n$/);
});

test('keep ci exec runs the command with the secrets and returns its exit code', async () => {
  const before = revoked.length;
  const r = await keep(['ci', 'exec', '-role', 'deploy', '-secrets', 'secret/data/app password', '--', process.execPath, '-e', 'process.exit(process.env.PASSWORD === "it\'s" ? 5 : 1)'], { KEEP_JWT: 'good.jwt' });
  assert.equal(r.code, 5, r.err);
  assert.equal(revoked.length, before + 1);
});
