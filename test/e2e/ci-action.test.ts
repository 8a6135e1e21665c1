/**
 * The GitHub Action (action.yml, dist/action/) run the way the runner runs it: `node
 * dist/action/main.mjs` with INPUT_* variables (action.yml defaults filled in as the runner
 * does), GITHUB_ENV / GITHUB_OUTPUT / GITHUB_STATE files, ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN
 * pointing at the dev issuer's GitHub endpoint; then `node dist/action/post.mjs` with STATE_*
 * read back from GITHUB_STATE. Against a real `keep server` whose jwt/ mount trusts that issuer.
 * Also: the committed bundle is what `npm run build:action` produces from the sources.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { ACTION_DIST, buildAction, readBundle } from '../../src/ci/action/build.ts';
import { Api, dataOf, show } from '../helpers/http.ts';
import { closeIssuers, issuerEntry, loadFixture, startTestIssuer } from '../helpers/issuer.ts';
import type { TestIssuer } from '../helpers/issuer.ts';
import { track } from '../helpers/processes.ts';
import { REPO_ROOT, sleep, startKeep, tempDir, useKeepHooks } from '../helpers/server.ts';
import type { KeepServer } from '../helpers/server.ts';

useKeepHooks();

const T = { timeout: 120_000 };
const ROOT = 'root';
const AUDIENCE = 'https://keep.example.com';
const MULTILINE = '-----BEGIN KEY-----\nline-one-a1b2\nline-two-c3d4\n-----END KEY-----';
const VALUES = { password: 'pw-9f8e7d6c5b4a', apiKey: 'ak-0123456789abcdef', pem: MULTILINE };

type Env = Record<string, string>;
interface StepRun {
  code: number;
  stdout: string;
  stderr: string;
}
interface Job {
  main: StepRun;
  post: StepRun;
  env: Env;
  output: Env;
  state: Env;
  /** Raw GITHUB_ENV text. */
  envText: string;
}

let server: KeepServer;
let issuer: TestIssuer;
let api: Api;
const defaults: Env = {};

/** Entries of a GitHub file command file (`NAME<<DELIM` heredocs); checks the delimiter form. */
function fileCommands(text: string): Env {
  const out: Env = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const m = /^([^<]+)<<(ghadelimiter_[0-9a-f-]{36})$/.exec(lines[i]);
    assert.ok(m, `not a heredoc entry: ${JSON.stringify(lines[i])} in\n${text}`);
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== m[2]; i++) body.push(lines[i]);
    assert.ok(i < lines.length, `unterminated entry ${m[1]}`);
    out[m[1]] = body.join('\n');
  }
  return out;
}

/** Runs a bundle file as the runner does: `node <action dir>/dist/action/<file>`, cwd the job's workspace. */
function node(script: string, env: Env, cwd: string): Promise<StepRun> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'action', script)], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    track(`action ${script}`, proc);
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    proc.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
  });
}

/**
 * A job step using the action, then its post step. `inputs` are the step's `with:` (names as in
 * action.yml); `runner` overrides the runner's variables (a key set to '' removes it).
 */
async function runAction(inputs: Record<string, string>, runner: Env = {}): Promise<Job> {
  const dir = tempDir('keep-action-');
  const files = { GITHUB_ENV: path.join(dir, 'env'), GITHUB_OUTPUT: path.join(dir, 'output'), GITHUB_STATE: path.join(dir, 'state') };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const env: Env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'keepdemo/payments-api',
    GITHUB_REF: 'refs/heads/main',
    RUNNER_TEMP: dir,
    ACTIONS_ID_TOKEN_REQUEST_URL: issuer.running.issuer.actionsTokenUrl(),
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: issuer.running.requestToken,
    ...files,
    ...defaults,
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = v;
  for (const [k, v] of Object.entries(runner)) {
    if (v === '') delete env[k];
    else env[k] = v;
  }
  const main = await node('main.mjs', env, dir);
  // What later steps of the job see (read before the post step, which may append to the files).
  const envText = readFileSync(files.GITHUB_ENV, 'utf8');
  const output = fileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8'));
  const state = fileCommands(readFileSync(files.GITHUB_STATE, 'utf8'));
  const post = await node('post.mjs', { ...env, ...Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v])) }, dir);
  return { main, post, env: fileCommands(envText), output, state, envText };
}

const SECRETS = [
  'secret/data/ci/app password | DB_PASSWORD ;',
  'secret/data/ci/app apiKey ;',
  'secret/data/ci/app pem | TLS_KEY',
].join('\n');

const base = (extra: Record<string, string> = {}) => ({ url: server.addr, method: 'jwt', role: 'deploy', jwtGithubAudience: AUDIENCE, secrets: SECRETS, ...extra });

async function lookupSelf(token: string | undefined): Promise<number> {
  assert.ok(token, 'no token');
  return (await new Api(server.addr, token).get('auth/token/lookup-self')).status;
}

/** Each secret value's lines appear on stdout only as `::add-mask::` commands, and nowhere on stderr. */
function assertMaskedOnly(r: StepRun): void {
  for (const v of Object.values(VALUES)) {
    for (const line of v.split('\n')) {
      assert.ok(r.stdout.split('\n').includes(`::add-mask::${line}`), `no mask for a line of a secret:\n${r.stdout}`);
      for (const l of r.stdout.split('\n')) if (l.includes(line)) assert.ok(l.startsWith('::add-mask::'), `secret printed: ${l}`);
      assert.ok(!r.stderr.includes(line), `secret on stderr:\n${r.stderr}`);
    }
  }
}

before(async () => {
  issuer = await startTestIssuer();
  server = await startKeep({ dev: true, rootToken: ROOT, args: ['-dev-issuer-address=127.0.0.1:0'] });
  for (const deadline = Date.now() + 30_000; !/Root Token:/.test(server.stdout()); await sleep(50)) {
    assert.ok(Date.now() < deadline, `no dev banner:\n${server.stdout()}`);
  }
  api = new Api(server.addr, ROOT);
  const gh = loadFixture('github').claims;
  const steps = [
    await api.post('auth/jwt/config', { issuers: [issuerEntry(issuer, 'github')] }),
    await api.put('sys/policies/acl/ci-app', { policy: 'path "secret/data/ci/*" { capabilities = ["read"] }' }),
    await api.post('auth/jwt/role/deploy', {
      role_type: 'jwt',
      user_claim: 'sub',
      bound_audiences: [AUDIENCE],
      bound_claims: { repository: gh.repository, repository_id: gh.repository_id, ref: 'refs/heads/main' },
      token_policies: ['ci-app'],
      token_ttl: '10m',
    }),
    await api.post('auth/jwt/role/release', {
      role_type: 'jwt',
      user_claim: 'sub',
      bound_audiences: [AUDIENCE],
      bound_claims: { repository: gh.repository, repository_id: gh.repository_id, ref: 'refs/heads/release' },
      token_policies: ['ci-app'],
    }),
    await api.post('secret/data/ci/app', { data: VALUES }),
  ];
  for (const s of steps) assert.ok(s.status === 200 || s.status === 204, show(s));
  // The runner fills in action.yml's defaults for inputs the step does not set.
  const inputs = (parseYaml(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: unknown }> }).inputs;
  for (const [k, v] of Object.entries(inputs)) if (v.default !== undefined) defaults[`INPUT_${k.toUpperCase()}`] = String(v.default);
});

after(closeIssuers);

test('action.yml: node20 with main and post from the committed bundle; inputs named like vault-action', () => {
  const a = parseYaml(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as { runs: Record<string, string>; inputs: Record<string, { default?: string; required?: boolean }> };
  assert.deepEqual(a.runs, { using: 'node20', main: 'dist/action/main.mjs', post: 'dist/action/post.mjs' });
  for (const name of ['url', 'method', 'role', 'path', 'jwtGithubAudience', 'secrets', 'exportEnv', 'exportToken', 'ignoreNotFound', 'revoke']) assert.ok(a.inputs[name], `input ${name}`);
  assert.equal(a.inputs.url.required, true);
  assert.equal(a.inputs.exportEnv.default, 'true');
  assert.equal(a.inputs.exportToken.default, 'false');
  assert.equal(a.inputs.revoke.default, 'true');
  assert.equal(a.inputs.path.default, 'jwt');
});

test('the committed dist/action bundle is up to date (npm run build:action)', T, async () => {
  const dir = tempDir('keep-action-build-');
  await buildAction(dir);
  const fresh = await readBundle(dir);
  const committed = await readBundle(ACTION_DIST).catch(() => ({}) as Record<string, string>);
  for (const [file, text] of Object.entries(fresh)) {
    assert.ok(committed[file] !== undefined, `dist/action/${file} is missing: run npm run build:action`);
    assert.ok(committed[file] === text, `dist/action/${file} is stale: run npm run build:action and commit the result`);
  }
});

test('main exports masked secrets to GITHUB_ENV and GITHUB_OUTPUT; post revokes the token', T, async () => {
  const r = await runAction(base());
  assert.equal(r.main.code, 0, `${r.main.stdout}\n${r.main.stderr}`);
  // Env names: explicit `| NAME`, else vault-action's upper-cased key (and no KEEP_TOKEN without
  // exportToken). Outputs: the name, else the key.
  assert.deepEqual(r.env, { DB_PASSWORD: VALUES.password, APIKEY: VALUES.apiKey, TLS_KEY: MULTILINE });
  assert.deepEqual(r.output, { DB_PASSWORD: VALUES.password, apiKey: VALUES.apiKey, TLS_KEY: MULTILINE });
  assertMaskedOnly(r.main);
  // The job token and the Keep token are masked too; the Keep token is saved for the post step.
  assert.match(r.main.stdout, /^::add-mask::eyJ[\w-]+\.[\w-]+\.[\w-]+$/m);
  const token = r.state.keep_token;
  assert.ok(r.main.stdout.split('\n').includes(`::add-mask::${token}`), 'Keep token not masked');
  assert.ok(!r.main.stderr.includes(token) && !r.post.stdout.includes(token) && !r.post.stderr.includes(token), 'token printed');
  // The post step revoked it.
  assert.equal(r.post.code, 0, r.post.stderr);
  assert.match(r.post.stderr, /revoked/);
  assert.equal(await lookupSelf(token), 403);
});

test('exportEnv: only the exact string "false" turns the env export off (outputs stay)', T, async () => {
  const off = await runAction(base({ exportEnv: 'false' }));
  assert.equal(off.main.code, 0, off.main.stderr);
  assert.deepEqual(off.env, {});
  assert.equal(off.output.DB_PASSWORD, VALUES.password);
  assertMaskedOnly(off.main);
  const on = await runAction(base({ exportEnv: 'False' }));
  assert.equal(on.main.code, 0, on.main.stderr);
  assert.equal(on.env.DB_PASSWORD, VALUES.password);
});

test('exportToken: "true" exports KEEP_TOKEN and VAULT_TOKEN; the post step still revokes it', T, async () => {
  const r = await runAction(base({ exportToken: 'true' }));
  assert.equal(r.main.code, 0, r.main.stderr);
  assert.equal(r.env.KEEP_TOKEN, r.state.keep_token);
  assert.equal(r.env.VAULT_TOKEN, r.state.keep_token);
  assert.equal(await lookupSelf(r.state.keep_token), 403);
});

test('revoke: "false" leaves the token valid after the post step', T, async () => {
  const r = await runAction(base({ revoke: 'false' }));
  assert.equal(r.main.code, 0, r.main.stderr);
  assert.equal(r.post.code, 0, r.post.stderr);
  assert.match(r.post.stderr, /revoke is false/);
  assert.equal(await lookupSelf(r.state.keep_token), 200);
  await new Api(server.addr, r.state.keep_token).post('auth/token/revoke-self', {});
});

test('method token: the given token is used, masked, and never revoked by the post step', T, async () => {
  const created = await api.post('auth/token/create', { policies: ['ci-app'], ttl: '10m' });
  assert.equal(created.status, 200, show(created));
  const token = String((created.json as { auth: { client_token: string } }).auth.client_token);
  const r = await runAction({ url: server.addr, token, secrets: 'secret/data/ci/app password | DB_PASSWORD' }, { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' });
  assert.equal(r.main.code, 0, `${r.main.stdout}\n${r.main.stderr}`);
  assert.equal(r.env.DB_PASSWORD, VALUES.password);
  assert.ok(r.main.stdout.split('\n').includes(`::add-mask::${token}`));
  assert.equal(r.state.keep_token, undefined);
  assert.equal(r.post.code, 0, r.post.stderr);
  assert.equal(await lookupSelf(token), 200);
});

test('path: a JWT mount elsewhere than jwt/', T, async () => {
  const enabled = await api.post('sys/auth/github-ci', { type: 'jwt' });
  assert.equal(enabled.status, 204, show(enabled));
  const cfg = await api.post('auth/github-ci/config', { issuers: [issuerEntry(issuer, 'github')] });
  assert.ok(cfg.status === 200 || cfg.status === 204, show(cfg));
  const gh = loadFixture('github').claims;
  const role = await api.post('auth/github-ci/role/deploy', { role_type: 'jwt', user_claim: 'sub', bound_audiences: [AUDIENCE], bound_claims: { repository_id: gh.repository_id }, token_policies: ['ci-app'] });
  assert.ok(role.status === 200 || role.status === 204, show(role));
  const r = await runAction(base({ path: 'github-ci' }));
  assert.equal(r.main.code, 0, r.main.stderr);
  assert.equal(r.env.DB_PASSWORD, VALUES.password);
  assert.equal(await lookupSelf(r.state.keep_token), 403);
});

test('ignoreNotFound: a missing secret fails the step unless "true"', T, async () => {
  const secrets = `${SECRETS} ;\nsecret/data/ci/missing key | NOPE`;
  const failed = await runAction(base({ secrets }));
  assert.equal(failed.main.code, 1);
  assert.match(failed.main.stdout, /^::error::.*secret\/data\/ci\/missing/m);
  assert.deepEqual(failed.env, {});
  assert.equal(failed.state.keep_token, undefined, 'a failed step must not leave a token behind');
  const ignored = await runAction(base({ secrets, ignoreNotFound: 'true' }));
  assert.equal(ignored.main.code, 0, ignored.main.stderr);
  assert.equal(ignored.env.DB_PASSWORD, VALUES.password);
  assert.equal(ignored.env.NOPE, undefined);
});

test('a refused login fails the step with the role, the claim and the reason code', T, async () => {
  const r = await runAction(base({ role: 'release' }));
  assert.equal(r.main.code, 1);
  const msg = 'role release rejected this job: claim ref does not match (KEEP_E_CLAIM_MISMATCH)';
  assert.ok(r.main.stdout.split('\n').includes(`::error::${msg}`), r.main.stdout);
  assert.equal(r.output.errorMessage, msg);
  assert.deepEqual(r.env, {});
  assert.equal(r.state.keep_token, undefined);
  assert.equal(r.post.code, 0, r.post.stderr);
  assert.match(r.post.stderr, /nothing to revoke/);
  const wrongAud = await runAction(base({ jwtGithubAudience: 'https://elsewhere.example' }));
  assert.equal(wrongAud.main.code, 1);
  assert.match(wrongAud.main.stdout, /^::error::role deploy rejected this job: .*\(KEEP_E_AUDIENCE\)$/m);
});

test('without id-token: write the step fails naming the permission', T, async () => {
  const r = await runAction(base(), { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' });
  assert.equal(r.main.code, 1);
  assert.match(r.main.stdout, /^::error::.*permissions: id-token: write/m);
  assert.match(r.output.errorMessage ?? '', /id-token: write/);
});

async function tokenCount(): Promise<number> {
  const r = await api.list('auth/token/accessors');
  assert.equal(r.status, 200, show(r));
  return (dataOf(r).keys as unknown[]).length;
}

test('bad inputs fail the step before any login', T, async () => {
  const tokensBefore = await tokenCount();
  const noUrl = await runAction({ role: 'deploy', secrets: SECRETS });
  assert.equal(noUrl.main.code, 1);
  assert.match(noUrl.main.stdout, /^::error::Input required and not supplied: url$/m);
  assert.equal(noUrl.post.code, 0);
  const method = await runAction(base({ method: 'approle' }));
  assert.equal(method.main.code, 1);
  assert.match(method.main.stdout, /^::error::Input method "approle" is not supported/m);
  const spec = await runAction(base({ secrets: 'secret/data/ci/app' }));
  assert.equal(spec.main.code, 1);
  assert.match(spec.main.stdout, /^::error::.*secret\/data\/ci\/app/m);
  assert.equal(await tokenCount(), tokensBefore, 'a token was created');
});
