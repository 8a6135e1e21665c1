import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { envelope, startMockServer } from '../../client/mock-server.ts';
import type { MockServer } from '../../client/mock-server.ts';
import type { CliIO } from '../io.ts';
import { runCli } from '../run.ts';

let srv: MockServer;
let dir: string;
before(async () => {
  srv = await startMockServer();
  dir = await mkdtemp(path.join(os.tmpdir(), 'keep-login-jwt-'));
  const ok = {
    ...envelope(null),
    auth: { client_token: 'hvs.job', accessor: 'acc', policies: ['ci-demo', 'default'], token_policies: ['ci-demo', 'default'], metadata: { role: 'demo', ci_platform: 'github' }, lease_duration: 600, renewable: true, entity_id: '', token_type: 'service', orphan: true },
  };
  for (const m of ['jwt', 'jwt2']) srv.on(`POST /v1/auth/${m}/login`, (req) => (JSON.parse(req.body).jwt === 'a.b.c' ? { status: 200, body: ok } : { status: 400, body: { errors: ['bad'] } }));
});
after(async () => {
  await srv.close();
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
    env: { KEEP_ADDR: srv.url, KEEP_MAX_RETRIES: '0', KEEP_TOKEN_FILE: path.join(dir, 'token') },
    homedir: dir,
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}

test('login -method=jwt sends {role, jwt}; jwt=@file and jwt=- are trimmed; -path picks the mount', async () => {
  const r = await keep(['login', '-method=jwt', '-no-store', 'role=demo', 'jwt=a.b.c']);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(srv.requests.at(-1)?.body ?? ''), { role: 'demo', jwt: 'a.b.c' });
  assert.equal(srv.requests.at(-1)?.headers['x-vault-token'], undefined);
  assert.match(r.out, /token_policies\s+\["ci-demo" "default"\]/);
  assert.match(r.out, /token_meta_ci_platform\s+github/);
  const file = path.join(dir, 'jwt');
  await writeFile(file, 'a.b.c\n');
  assert.equal((await keep(['login', '-method=jwt', '-no-store', 'role=demo', `jwt=@${file}`])).code, 0);
  assert.equal((await keep(['login', '-method=jwt', '-no-store', 'role=demo', 'jwt=-'], '  a.b.c\r\n')).code, 0);
  const p = await keep(['login', '-method=jwt', '-path=jwt2', '-token-only', 'role=demo', 'jwt=a.b.c']);
  assert.equal(p.out, 'hvs.job');
  assert.equal(srv.requests.at(-1)?.path, '/v1/auth/jwt2/login');
});

test('a rejected login prints Vault\'s error and then Keep\'s reason code, role and claim', async () => {
  srv.on('POST /v1/auth/jwt/login', {
    status: 400,
    body: { errors: ['error validating claims: claim "ref" does not match any associated bound claim values'], reason_code: 'KEEP_E_CLAIM_MISMATCH', role: 'demo', claim: 'ref' },
  });
  const r = await keep(['login', '-method=jwt', '-no-store', 'role=demo', 'jwt=x.y.z']);
  assert.equal(r.code, 2);
  assert.match(r.err, /^Error authenticating: Error making API request\./);
  assert.match(r.err, /\* error validating claims: claim "ref" does not match any associated bound claim values\nReason: KEEP_E_CLAIM_MISMATCH \(role "demo", claim "ref"\)\n$/);
  srv.on('POST /v1/auth/jwt/login', { status: 400, body: { errors: ['missing role'] } });
  const plain = await keep(['login', '-method=jwt', '-no-store', 'jwt=x.y.z']);
  assert.doesNotMatch(plain.err, /Reason:/);
});
