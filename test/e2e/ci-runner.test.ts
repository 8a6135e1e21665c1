/**
 * `keep ci` end to end: a real `keep server -dev` with its dev OIDC issuer as every platform's
 * token source, and `./bin/keep ci secrets|exec|login|revoke` run as a child process under
 * simulated GitHub Actions, GitLab CI, CircleCI, Buildkite (a fake `buildkite-agent` on PATH that
 * records its calls), Bitbucket and generic jobs: the token obtained the platform's way, secrets
 * exported where the platform reads them, masks before values, the token revoked after exec
 * (lookup-self 403), a wrong-branch job refused with the reason code. Last, a SQLite server with a
 * static seal is restarted on the same port in the middle of a login and of an exec's revoke.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { KeepClient, isKeepApiError } from '../../src/client/index.ts';
import { IssuerClient } from '../../src/issuer/client.ts';
import { configureDemo } from '../../src/issuer/keep-setup.ts';
import { startIssuerServer } from '../../src/issuer/server.ts';
import { childEnv, freePort, track, waitExit } from '../helpers/processes.ts';
import type { KeepServer } from '../helpers/server.ts';
import { KEEP_BIN, REPO_ROOT, runCli, sleep, startKeep, tempDir, useKeepHooks } from '../helpers/server.ts';
import type { CliResult } from '../helpers/server.ts';

useKeepHooks();

const T = { timeout: 180_000 };
const AUD = 'https://keep.example.com';
const SECRET_PATH = 'secret/data/ci/keepdemo/payments-api/deploy';
const VALUES = {
  db_password: 'demo-s3cr3t%0A',
  api_url: 'https://payments.example.test',
  tls_key: "-----BEGIN KEY-----\nit's $HOME `x`\n-----END KEY-----",
};
const SPEC = `${SECRET_PATH} db_password | DB_PASSWORD ;\n${SECRET_PATH} api_url ;\n${SECRET_PATH} tls_key | TLS_KEY`;
const VALUE_LINES = ['demo-s3cr3t%0A', VALUES.api_url, '-----BEGIN KEY-----', "it's $HOME `x`", '-----END KEY-----'];

/** Every CI variable `detectPlatform` looks at, blanked so the test runner's own CI does not leak in. */
const BLANK_CI: Record<string, string> = {
  GITHUB_ACTIONS: '',
  GITLAB_CI: '',
  CIRCLECI: '',
  BUILDKITE: '',
  BITBUCKET_BUILD_NUMBER: '',
  BITBUCKET_PIPELINE_UUID: '',
  TF_BUILD: '',
  JENKINS_URL: '',
  BUILD_NUMBER: '',
  KEEP_CI_PLATFORM: '',
  ACTIONS_ID_TOKEN_REQUEST_URL: '',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: '',
};

interface Dev {
  server: KeepServer;
  issuerUrl: string;
  requestToken: string;
  issuer: IssuerClient;
  admin: KeepClient;
}

let devPromise: Promise<Dev> | undefined;

async function waitFor<X>(what: string, fn: () => X | undefined, ms = 30_000): Promise<X> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** One dev server for the platform tests, with a mount per platform trusting the dev issuer. */
function dev(): Promise<Dev> {
  devPromise ??= (async () => {
    const server = await startKeep({ dev: true, args: [`-dev-issuer-address=127.0.0.1:${await freePort()}`] });
    const out = await waitFor('the dev issuer banner', () => (/ACTIONS_ID_TOKEN_REQUEST_TOKEN='([^']+)'/.test(server.stdout()) ? server.stdout() : undefined));
    const issuerUrl = (/Base URL: (\S+)/.exec(out) ?? [])[1];
    const requestToken = (/ACTIONS_ID_TOKEN_REQUEST_TOKEN='([^']+)'/.exec(out) ?? [])[1];
    assert.ok(issuerUrl && requestToken, out);
    const admin = new KeepClient({ address: server.addr, token: 'root' });
    await admin.kv.put('secret/ci/keepdemo/payments-api/deploy', VALUES);
    await admin.sys.writePolicy('ci-e2e', 'path "secret/data/ci/*" { capabilities = ["read"] }\n');
    const roles: Record<string, { platform: string; role: Record<string, unknown> }> = {
      'jwt-gitlab': { platform: 'gitlab', role: { bound_audiences: [AUD], bound_claims: { project_path: 'keepdemo/payments-api', ref_path: 'refs/heads/main' } } },
      'jwt-circleci': {
        platform: 'circleci',
        role: {
          bound_audiences: ['6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'],
          bound_claims: { 'oidc.circleci.com/project-id': '3a2f5b1c-7d4e-4f6a-9b8c-0d1e2f3a4b5c', 'oidc.circleci.com/vcs-ref': 'refs/heads/main' },
        },
      },
      'jwt-buildkite': { platform: 'buildkite', role: { bound_audiences: [AUD], bound_claims: { organization_slug: 'keepdemo', pipeline_slug: 'payments-api', build_branch: 'main' } } },
      'jwt-bitbucket': {
        platform: 'bitbucket',
        role: { bound_audiences: ['ari:cloud:bitbucket::workspace/922e118c-f34f-4226-a897-0e0afbec553d'], bound_claims: { repositoryUuid: '{1de489be-ce6a-42a0-a8c8-eadbf1174ac7}', branchName: 'main' } },
      },
      'jwt-jenkins': { platform: 'jenkins', role: { bound_audiences: [AUD], bound_subject: 'https://jenkins.keepdemo.example/job/payments/job/payments-api/job/main/' } },
    };
    for (const [mount, { platform, role }] of Object.entries(roles)) {
      await admin.sys.enableAuth(mount, { type: 'jwt' });
      const iss = `${issuerUrl}/${platform}`;
      await admin.write(`auth/${mount}/config`, { oidc_discovery_url: iss, bound_issuer: iss });
      await admin.write(`auth/${mount}/role/main`, { role_type: 'jwt', user_claim: 'sub', token_policies: ['ci-e2e'], token_ttl: '10m', ...role });
    }
    return { server, issuerUrl, requestToken, issuer: new IssuerClient(issuerUrl), admin };
  })();
  return devPromise;
}

function ci(d: { server: { addr: string } }, args: string[], env: Record<string, string>): Promise<CliResult> {
  return runCli(['ci', ...args], { addr: d.server.addr, env: { ...BLANK_CI, KEEP_MAX_RETRIES: '3', ...env } });
}

function ok(r: CliResult, what: string): CliResult {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
  return r;
}

function githubVars(d: Dev, dir: string): Record<string, string> {
  for (const f of ['env', 'out', 'state']) writeFileSync(path.join(dir, f), '');
  return {
    GITHUB_ACTIONS: 'true',
    ACTIONS_ID_TOKEN_REQUEST_URL: `${d.issuerUrl}/github/actions-token?api-version=2.0`,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: d.requestToken,
    GITHUB_ENV: path.join(dir, 'env'),
    GITHUB_OUTPUT: path.join(dir, 'out'),
    GITHUB_STATE: path.join(dir, 'state'),
  };
}

/** GitHub environment-file entries (heredoc form) as a map. */
function envFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]);
    if (!m) continue;
    const v: string[] = [];
    for (i++; lines[i] !== m[2]; i++) v.push(lines[i]);
    out[m[1]] = v.join('\n');
  }
  return out;
}

/** Evaluates shell text (export lines) in sh and returns the variables' values. */
function evalShell(text: string, names: string[]): Record<string, string> {
  const script = `${text}\n${names.map((n) => `printf '%s\\0' "$${n}"`).join('\n')}`;
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const parts = r.stdout.split('\0');
  return Object.fromEntries(names.map((n, i) => [n, parts[i]]));
}

function expectValues(got: Record<string, string>, names: { db: string; url: string; tls: string }): void {
  assert.equal(got[names.db], VALUES.db_password);
  assert.equal(got[names.url], VALUES.api_url);
  assert.equal(got[names.tls], VALUES.tls_key);
}

function noValuesOnStderr(r: CliResult): void {
  for (const v of VALUE_LINES) assert.ok(!r.stderr.includes(v), `a secret value appeared on stderr:\n${r.stderr}`);
}

/** A command for exec that records its environment in `file` and exits with `code`. */
function recorder(file: string, code = 0): string[] {
  const js = `require('fs').writeFileSync(${JSON.stringify(file)}, JSON.stringify(process.env)); process.exit(${code})`;
  return ['--', process.execPath, '-e', js];
}

async function expectRevoked(addr: string, token: string): Promise<void> {
  const c = new KeepClient({ address: addr, token, retries: 0 });
  try {
    await c.tokens.lookupSelf();
    assert.fail('the token still works after exec/revoke');
  } catch (e) {
    assert.ok(isKeepApiError(e) && e.status === 403, String(e));
  } finally {
    c.close();
  }
}

test('GitHub Actions: secrets to GITHUB_ENV and GITHUB_OUTPUT, masks only on stdout', T, async () => {
  const d = await dev();
  const dir = tempDir();
  const vars = githubVars(d, dir);
  const r = ok(await ci(d, ['secrets', '-role', 'demo', '-audience', AUD, '-secrets', SPEC], vars), 'ci secrets');
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  assert.ok(lines.every((l) => l.startsWith('::add-mask::')), r.stdout);
  for (const v of ['demo-s3cr3t%250A', ...VALUE_LINES.slice(1)]) assert.ok(lines.includes(`::add-mask::${v}`), `no mask for ${v}`);
  expectValues(envFile(vars.GITHUB_ENV), { db: 'DB_PASSWORD', url: 'API_URL', tls: 'TLS_KEY' });
  expectValues(envFile(vars.GITHUB_OUTPUT), { db: 'DB_PASSWORD', url: 'api_url', tls: 'TLS_KEY' });
  assert.ok(envFile(vars.GITHUB_STATE).keep_token.startsWith('hvs.'));
  noValuesOnStderr(r);
});

test('GitHub Actions: login, secrets reuse the token, revoke', T, async () => {
  const d = await dev();
  const dir = tempDir();
  const vars = githubVars(d, dir);
  ok(await ci(d, ['login', '-role', 'demo', '-audience', AUD], vars), 'ci login');
  const exported = envFile(vars.GITHUB_ENV);
  const token = exported.KEEP_TOKEN;
  assert.ok(token.startsWith('hvs.'));
  assert.equal(exported.VAULT_TOKEN, token);
  assert.equal(exported.KEEP_CI_ROLE, 'demo');
  const next = { ...vars, ...exported };
  const s = ok(await ci(d, ['secrets', '-role', 'demo', '-secrets', SPEC, '-format', 'json'], next), 'ci secrets after login');
  assert.match(s.stderr, /using the token from keep ci login/);
  expectValues(JSON.parse(s.stdout) as Record<string, string>, { db: 'DB_PASSWORD', url: 'API_URL', tls: 'TLS_KEY' });
  ok(await ci(d, ['revoke'], next), 'ci revoke');
  await expectRevoked(d.server.addr, token);
});

test('GitHub Actions: exec passes the exit code and revokes the token; a killed exec still revokes', T, async () => {
  const d = await dev();
  const dir = tempDir();
  const vars = githubVars(d, dir);
  const envOut = path.join(dir, 'child-env.json');
  const r = await ci(d, ['exec', '-role', 'demo', '-audience', AUD, '-secrets', SPEC, '-export-token', ...recorder(envOut, 3)], vars);
  assert.equal(r.code, 3, r.stderr);
  const childEnv = JSON.parse(readFileSync(envOut, 'utf8')) as Record<string, string>;
  expectValues(childEnv, { db: 'DB_PASSWORD', url: 'API_URL', tls: 'TLS_KEY' });
  assert.ok(r.stdout.split('\n').every((l) => l === '' || l.startsWith('::add-mask::')));
  assert.equal(readFileSync(vars.GITHUB_ENV, 'utf8'), '', 'exec writes nothing to GITHUB_ENV');
  await expectRevoked(d.server.addr, childEnv.KEEP_TOKEN);

  // SIGTERM to keep is passed on to the command; keep exits 128+15 and revokes.
  const ready = path.join(dir, 'ready.json');
  const js = `require('fs').writeFileSync(${JSON.stringify(ready)}, JSON.stringify({token: process.env.KEEP_TOKEN})); setInterval(() => {}, 1000)`;
  const proc = spawn(process.execPath, [KEEP_BIN, 'ci', 'exec', '-role', 'demo', '-audience', AUD, '-secrets', SPEC, '-export-token', '--', process.execPath, '-e', js], {
    cwd: REPO_ROOT,
    env: childEnv_({ ...vars, KEEP_ADDR: d.server.addr }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const t = track('keep ci exec (signal)', proc);
  const exited = waitExit(proc);
  await waitFor('the command to start', () => (existsSync(ready) && readFileSync(ready, 'utf8') !== '' ? true : undefined));
  proc.kill('SIGTERM');
  const { code } = await exited;
  assert.equal(code, 143, t.out.stderr);
  assert.match(t.out.stderr, /token revoked/);
  await expectRevoked(d.server.addr, (JSON.parse(readFileSync(ready, 'utf8')) as { token: string }).token);
});

function childEnv_(extra: Record<string, string>): NodeJS.ProcessEnv {
  return childEnv(tempDir('keep-e2e-ci-home-'), { ...BLANK_CI, KEEP_MAX_RETRIES: '3', ...extra });
}

test('GitHub Actions: a feature-branch job is refused with the reason code', T, async () => {
  const d = await dev();
  const jwt = await d.issuer.mint('github', { aud: AUD, claim_args: ['ref=refs/heads/feature'] });
  const r = await ci(d, ['secrets', '-role', 'demo', '-secrets', SPEC], { ...githubVars(d, tempDir()), KEEP_JWT: jwt });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /Error: role demo rejected this job: claim ref does not match \(KEEP_E_CLAIM_MISMATCH\)/);
  assert.equal(r.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('::add-mask::')).length, 0);
});

test('GitLab CI: the id_tokens variable, export lines for eval, exec revokes; feature branch refused', T, async () => {
  const d = await dev();
  const vars = { GITLAB_CI: 'true', CI_SERVER_URL: 'https://gitlab.com' };
  const jwt = await d.issuer.mint('gitlab', { aud: AUD });
  const r = ok(await ci(d, ['secrets', '-mount', 'jwt-gitlab', '-role', 'main', '-secrets', SPEC], { ...vars, KEEP_ID_TOKEN: jwt }), 'gitlab secrets');
  expectValues(evalShell(r.stdout, ['DB_PASSWORD', 'API_URL', 'TLS_KEY']), { db: 'DB_PASSWORD', url: 'API_URL', tls: 'TLS_KEY' });
  noValuesOnStderr(r);
  // A custom id_tokens name through -jwt-env; exec revokes.
  const dir = tempDir();
  const envOut = path.join(dir, 'env.json');
  const jwt2 = await d.issuer.mint('gitlab', { aud: AUD });
  const e = await ci(d, ['exec', '-mount', 'jwt-gitlab', '-role', 'main', '-jwt-env', 'MY_ID_TOKEN', '-secrets', SPEC, '-export-token', ...recorder(envOut)], { ...vars, MY_ID_TOKEN: jwt2 });
  ok(e, 'gitlab exec');
  const child = JSON.parse(readFileSync(envOut, 'utf8')) as Record<string, string>;
  expectValues(child, { db: 'DB_PASSWORD', url: 'API_URL', tls: 'TLS_KEY' });
  await expectRevoked(d.server.addr, child.KEEP_TOKEN);
  const feature = await d.issuer.mint('gitlab', { aud: AUD, claim_args: ['ref=feature', 'ref_path=refs/heads/feature'] });
  const f = await ci(d, ['secrets', '-mount', 'jwt-gitlab', '-role', 'main', '-secrets', SPEC], { ...vars, KEEP_ID_TOKEN: feature });
  assert.equal(f.code, 2);
  assert.match(f.stderr, /role main rejected this job: claim ref_path does not match \(KEEP_E_CLAIM_MISMATCH\)/);
  assert.equal(f.stdout, '');
});

test('CircleCI: CIRCLE_OIDC_TOKEN_V2, export lines in BASH_ENV, exec revokes; feature branch refused', T, async () => {
  const d = await dev();
  const dir = tempDir();
  const bashEnv = path.join(dir, 'bash_env');
  const vars = { CIRCLECI: 'true', BASH_ENV: bashEnv };
  const r = ok(await ci(d, ['secrets', '-mount', 'jwt-circleci', '-role', 'main', '-secrets', SPEC], { ...vars, CIRCLE_OIDC_TOKEN_V2: await d.issuer.mint('circleci') }), 'circleci secrets');
  assert.equal(r.stdout, '');
  noValuesOnStderr(r);
  expectValues(evalShell(`. '${bashEnv}'`, ['DB_PASSWORD', 'API_URL', 'TLS_KEY']), { db: 'DB_PASSWORD', url: 'API_URL', tls: 'TLS_KEY' });
  const envOut = path.join(dir, 'env.json');
  ok(await ci(d, ['exec', '-mount', 'jwt-circleci', '-role', 'main', '-secrets', SPEC, '-export-token', ...recorder(envOut)], { ...vars, CIRCLE_OIDC_TOKEN_V2: await d.issuer.mint('circleci') }), 'circleci exec');
  await expectRevoked(d.server.addr, (JSON.parse(readFileSync(envOut, 'utf8')) as Record<string, string>).KEEP_TOKEN);
  const feature = await d.issuer.mint('circleci', { claim_args: ['oidc.circleci.com/vcs-ref=refs/heads/feature'] });
  const f = await ci(d, ['secrets', '-mount', 'jwt-circleci', '-role', 'main', '-secrets', SPEC], { ...vars, CIRCLE_OIDC_TOKEN_V2: feature });
  assert.equal(f.code, 2);
  assert.match(f.stderr, /role main rejected this job: claim oidc\.circleci\.com\/vcs-ref does not match \(KEEP_E_CLAIM_MISMATCH\)/);
});

/** A fake buildkite-agent: mints from the dev issuer for `oidc request-token`, records every call (args and stdin). */
function fakeBuildkiteAgent(dir: string, issuerUrl: string): { binDir: string; log: string } {
  const binDir = path.join(dir, 'bin');
  const log = path.join(dir, 'agent.log');
  spawnSync('mkdir', ['-p', binDir]);
  const script = `#!${process.execPath}
const fs = require('fs');
const args = process.argv.slice(2);
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', async () => {
  fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ args, input }) + '\\n');
  if (args[0] === 'oidc') {
    const i = args.indexOf('--audience');
    const res = await fetch(${JSON.stringify(`${issuerUrl}/buildkite/token`)}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(i >= 0 ? { aud: args[i + 1] } : {}) });
    process.stdout.write((await res.json()).value + '\\n');
  }
});
`;
  const file = path.join(binDir, 'buildkite-agent');
  writeFileSync(file, script);
  chmodSync(file, 0o755);
  return { binDir, log };
}

test('Buildkite: buildkite-agent oidc request-token, redactor add before env set, exec revokes', T, async () => {
  const d = await dev();
  const dir = tempDir();
  const agent = fakeBuildkiteAgent(dir, d.issuerUrl);
  const vars = { BUILDKITE: 'true', PATH: `${agent.binDir}${path.delimiter}${process.env.PATH ?? ''}` };
  const r = ok(await ci(d, ['secrets', '-mount', 'jwt-buildkite', '-role', 'main', '-audience', AUD, '-secrets', SPEC], vars), 'buildkite secrets');
  assert.equal(r.stdout, '');
  noValuesOnStderr(r);
  const calls = readFileSync(agent.log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { args: string[]; input: string });
  assert.deepEqual(calls[0].args, ['oidc', 'request-token', '--audience', AUD]);
  // The Keep token is redacted right after login, then every value, and only then env set.
  const kinds = calls.slice(1).map((c) => c.args.slice(0, 2).join(' '));
  assert.deepEqual(kinds, ['redactor add', 'redactor add', 'env set']);
  const redacted = Object.values(JSON.parse(calls[2].input) as Record<string, string>);
  for (const v of VALUE_LINES) assert.ok(redacted.includes(v), `not redacted: ${v}`);
  expectValues(JSON.parse(calls[3].input) as Record<string, string>, { db: 'DB_PASSWORD', url: 'API_URL', tls: 'TLS_KEY' });
  for (const c of calls) for (const a of c.args) for (const v of VALUE_LINES) assert.ok(!a.includes(v), 'a value travelled as an argument');
  const envOut = path.join(dir, 'env.json');
  ok(await ci(d, ['exec', '-mount', 'jwt-buildkite', '-role', 'main', '-audience', AUD, '-secrets', SPEC, '-export-token', ...recorder(envOut)], vars), 'buildkite exec');
  await expectRevoked(d.server.addr, (JSON.parse(readFileSync(envOut, 'utf8')) as Record<string, string>).KEEP_TOKEN);
});

test('Bitbucket: BITBUCKET_STEP_OIDC_TOKEN, export lines, exec revokes; missing oidc: true explained', T, async () => {
  const d = await dev();
  const vars = { BITBUCKET_BUILD_NUMBER: '12', BITBUCKET_STEP_OIDC_TOKEN: await d.issuer.mint('bitbucket') };
  const r = ok(await ci(d, ['secrets', '-mount', 'jwt-bitbucket', '-role', 'main', '-secrets', SPEC], vars), 'bitbucket secrets');
  expectValues(evalShell(r.stdout, ['DB_PASSWORD', 'API_URL', 'TLS_KEY']), { db: 'DB_PASSWORD', url: 'API_URL', tls: 'TLS_KEY' });
  const envOut = path.join(tempDir(), 'env.json');
  ok(await ci(d, ['exec', '-mount', 'jwt-bitbucket', '-role', 'main', '-secrets', SPEC, '-export-token', ...recorder(envOut)], { ...vars, BITBUCKET_STEP_OIDC_TOKEN: await d.issuer.mint('bitbucket') }), 'bitbucket exec');
  await expectRevoked(d.server.addr, (JSON.parse(readFileSync(envOut, 'utf8')) as Record<string, string>).KEEP_TOKEN);
  const none = await ci(d, ['secrets', '-mount', 'jwt-bitbucket', '-role', 'main', '-secrets', SPEC], { BITBUCKET_BUILD_NUMBER: '12' });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /add "oidc: true" to the step/);
});

test('generic: KEEP_JWT_FILE, -format json, exec revokes', T, async () => {
  const d = await dev();
  const dir = tempDir();
  const file = path.join(dir, 'jwt');
  writeFileSync(file, `${await d.issuer.mint('jenkins', { aud: AUD })}\n`);
  const j = ok(await ci(d, ['secrets', '-mount', 'jwt-jenkins', '-role', 'main', '-format', 'json', '-secrets', SPEC], { KEEP_JWT_FILE: file }), 'generic json');
  expectValues(JSON.parse(j.stdout) as Record<string, string>, { db: 'DB_PASSWORD', url: 'API_URL', tls: 'TLS_KEY' });
  writeFileSync(file, await d.issuer.mint('jenkins', { aud: AUD }));
  const envOut = path.join(dir, 'env.json');
  ok(await ci(d, ['exec', '-mount', 'jwt-jenkins', '-role', 'main', '-secrets', SPEC, '-export-token', ...recorder(envOut)], { KEEP_JWT_FILE: file }), 'generic exec');
  await expectRevoked(d.server.addr, (JSON.parse(readFileSync(envOut, 'utf8')) as Record<string, string>).KEEP_TOKEN);
});

const SEAL_KEY = randomBytes(32).toString('hex');
const SQLITE_CONFIG = `
storage "sqlite" {
  path = "{{dataDir}}/keep.db"
}
seal "static" {
  current_key_id = "k1"
  current_key = "env://KEEP_TEST_SEAL_KEY"
}
log_level = "warn"
`;

test('retries survive a server restart: before the login, and before the revoke after exec', T, async () => {
  const issuer = await startIssuerServer({ listen: '127.0.0.1:0' });
  try {
    const dataDir = tempDir();
    const start = (port?: number) => startKeep({ config: SQLITE_CONFIG, dataDir, port, env: { KEEP_TEST_SEAL_KEY: SEAL_KEY } });
    let server = await start();
    const port = server.port;
    const init = await new KeepClient({ address: server.addr }).sys.init({ recovery_shares: 1, recovery_threshold: 1 });
    const root = init.root_token;
    const admin = new KeepClient({ address: server.addr, token: root, retries: 10 });
    await waitUntilActive(admin);
    await admin.sys.enableMount('secret', { type: 'kv', options: { version: '2' } });
    await configureDemo(admin, issuer.issuer.issuerUrl('github'), { writeSecret: true });
    admin.close();
    const dir = tempDir();
    const vars = {
      ...BLANK_CI,
      GITHUB_ACTIONS: 'true',
      ACTIONS_ID_TOKEN_REQUEST_URL: issuer.issuer.actionsTokenUrl(),
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: issuer.requestToken,
      GITHUB_ENV: path.join(dir, 'env'),
      GITHUB_OUTPUT: path.join(dir, 'out'),
      KEEP_ADDR: server.addr,
      KEEP_MAX_RETRIES: '12',
    };
    const spec = 'secret/data/ci/keepdemo/payments-api/deploy db_password | DB_PASSWORD';
    const run = (args: string[]) => {
      const proc = spawn(process.execPath, [KEEP_BIN, 'ci', ...args], { cwd: REPO_ROOT, env: childEnv(tempDir('keep-e2e-ci-home-'), vars), stdio: ['ignore', 'pipe', 'pipe'] });
      return { proc, t: track(`keep ci ${args[0]}`, proc), exited: waitExit(proc) };
    };

    // 1. The server is down when the job logs in; it comes back on the same port.
    await server.kill9();
    const login = run(['secrets', '-role', 'demo', '-audience', 'https://keep.example.com', '-secrets', spec]);
    await waitFor('a refused login attempt', () => (/login attempt \d+ failed \(ECONNREFUSED\)/.test(login.t.out.stderr) ? true : undefined), 60_000);
    server = await start(port);
    const first = await login.exited;
    assert.equal(first.code, 0, login.t.out.stderr);
    assert.equal(envFile(vars.GITHUB_ENV).DB_PASSWORD, 'demo-s3cr3t');

    // 2. The server dies while the command runs; the revoke after it waits for the restart.
    const go = path.join(dir, 'go');
    const ready = path.join(dir, 'ready.json');
    const js =
      `const fs = require('fs'); fs.writeFileSync(${JSON.stringify(ready)}, JSON.stringify({ token: process.env.KEEP_TOKEN, pw: process.env.DB_PASSWORD }));` +
      `const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(go)})) { clearInterval(t); process.exit(0); } }, 50);`;
    const exec = run(['exec', '-role', 'demo', '-audience', 'https://keep.example.com', '-secrets', spec, '-export-token', '--', process.execPath, '-e', js]);
    await waitFor('the command to start', () => (existsSync(ready) && readFileSync(ready, 'utf8') !== '' ? true : undefined), 60_000);
    const seen = JSON.parse(readFileSync(ready, 'utf8')) as { token: string; pw: string };
    assert.equal(seen.pw, 'demo-s3cr3t');
    await server.kill9();
    writeFileSync(go, '');
    await sleep(1500);
    server = await start(port);
    const second = await exec.exited;
    assert.equal(second.code, 0, exec.t.out.stderr);
    assert.match(exec.t.out.stderr, /token revoked/);
    await expectRevoked(server.addr, seen.token);
  } finally {
    await issuer.close();
  }
});

async function waitUntilActive(client: KeepClient): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const h = await client.request('GET', 'sys/health', { acceptStatus: [429, 472, 473, 501, 503] });
    if (h.status === 200) return;
    if (Date.now() > deadline) assert.fail(`server never became active: ${h.status}`);
    await sleep(200);
  }
}
