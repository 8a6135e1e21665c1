/**
 * examples/<platform>/: each example's setup.sh configures a real `keep server` (its issuer is
 * the dev issuer's `<base>/<platform>`), then the pipeline file's own steps run under a simulated
 * job of that platform: its variables, its token source backed by the dev issuer (GitHub's
 * ID-token service, GitLab `id_tokens`, CircleCI CIRCLE_OIDC_TOKEN_V2, a stand-in
 * `buildkite-agent`, a Jenkins credential binding) and its way of handing values to later steps.
 * The prod-branch job deploys; the same job on a feature branch is refused by the server with a
 * message naming the role, the claim and the reason code, and never reaches its deploy script.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { Api, dataOf, show } from '../helpers/http.ts';
import { closeIssuers, loadFixture, startTestIssuer } from '../helpers/issuer.ts';
import type { IssuerPlatform, TestIssuer } from '../helpers/issuer.ts';
import { track } from '../helpers/processes.ts';
import { KEEP_BIN, REPO_ROOT, sleep, startKeep, tempDir, useKeepHooks } from '../helpers/server.ts';
import type { KeepServer } from '../helpers/server.ts';

useKeepHooks();

const T = { timeout: 120_000 };
const ROOT = 'root';
const AUDIENCE = 'https://keep.example.com';
const PROD = 'prod';
const FEATURE = 'feature-login';

type Env = Record<string, string>;
type Yaml = Record<string, unknown>;
interface Run {
  code: number;
  out: string;
}

let issuer: TestIssuer;
let server: KeepServer;
let bin: string;
let ghTokens: { url(branch: string): string; requestToken: string; close(): Promise<void> };

const read = (rel: string): string => readFileSync(path.join(REPO_ROOT, rel), 'utf8');
const yamlOf = (rel: string): Yaml => parseYaml(read(rel)) as Yaml;
const o = (v: unknown): Yaml => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Yaml) : {});

/** A clean job environment: nothing of the machine's CI leaks in (no GITHUB_ACTIONS on a GitHub runner). */
function baseEnv(extra: Env): Env {
  return {
    PATH: [bin, path.dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(path.delimiter),
    HOME: tempDir('keep-ci-home-'),
    LANG: 'C.UTF-8',
    NO_COLOR: '1',
    ...extra,
  };
}

/** Runs a process to the end with stdout and stderr merged in order (a job log). */
function run(cmd: string, args: string[], env: Env, label = cmd): Promise<Run> {
  return new Promise((resolve) => {
    const proc = spawn(cmd, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    track(label, proc);
    let out = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    proc.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128, out: signal ? `${out}\n[killed by ${signal}]` : out });
    });
  });
}

/**
 * One dev server serves every example in turn (tests run one at a time): before each example
 * its jwt/ mount is removed, so setup.sh starts from a server without one, as in production.
 */
async function setupExample(example: string, platform: IssuerPlatform, env: Env, opts: { twice?: boolean } = {}): Promise<void> {
  const api = new Api(server.addr, ROOT);
  const off = await api.delete('sys/auth/jwt');
  assert.equal(off.status, 204, show(off));
  const setupEnv = baseEnv({ KEEP_ADDR: server.addr, KEEP_TOKEN: ROOT, KEEP_OIDC_ISSUER: issuer.url(platform), ...env });
  for (let i = 0; i < (opts.twice ? 2 : 1); i++) {
    const r = await run('bash', [`examples/${example}/setup.sh`], setupEnv);
    assert.equal(r.code, 0, `setup.sh of ${example} failed (run ${i + 1}):\n${r.out}`);
  }
}

/** Secret values appear in a log only inside GitHub mask commands. */
function assertNoLeak(log: string, values: string[]): void {
  for (const v of values) {
    for (const line of log.split('\n')) if (line.includes(v)) assert.ok(line.startsWith('::add-mask::'), `secret value leaked in the log: ${line}`);
  }
}

function assertRefused(r: Run, role: string, claim: RegExp, what: string): void {
  assert.notEqual(r.code, 0, `${what} should fail:\n${r.out}`);
  assert.match(r.out, new RegExp(`role ${role} rejected this job: claim ${claim.source} does not match \\(KEEP_E_CLAIM_MISMATCH\\)`), r.out);
  assert.doesNotMatch(r.out, /deploying/, `the deploy script ran:\n${r.out}`);
}

/** `NAME<<DELIM ... DELIM` and `NAME=value` entries of a GitHub environment file. */
function fileCommands(text: string): Env {
  const out: Env = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (m) {
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== m[2]; i++) body.push(lines[i]);
      out[m[1]] = body.join('\n');
    } else if (lines[i].includes('=')) {
      out[lines[i].slice(0, lines[i].indexOf('='))] = lines[i].slice(lines[i].indexOf('=') + 1);
    }
  }
  return out;
}

/** GitHub's ID-token service for a job on `branch`, backed by the dev issuer (ref and sub follow the branch). */
async function startGithubTokenService(iss: TestIssuer): Promise<typeof ghTokens> {
  const requestToken = 'gh-request-token-for-tests';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/([^/]+)\/token$/.exec(url.pathname);
    if (!m || req.headers.authorization !== `Bearer ${requestToken}`) {
      res.writeHead(m ? 401 : 404).end();
      return;
    }
    const aud = url.searchParams.get('audience') ?? undefined;
    iss.mint('github', { ...(aud ? { aud } : {}), claims: { ref: `refs/heads/${decodeURIComponent(m[1])}` } }).then(
      (value) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count: value.length, value })),
      (e: unknown) => res.writeHead(500).end(String(e)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    requestToken,
    url: (branch) => `${base}/${encodeURIComponent(branch)}/token?api-version=2.0`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

before(async () => {
  issuer = await startTestIssuer();
  server = await startKeep({ dev: true, rootToken: ROOT, args: ['-dev-issuer-address=127.0.0.1:0'] });
  // The dev server mounts jwt/ for its own demo; it is done when the banner is out.
  for (const deadline = Date.now() + 30_000; !/Root Token:/.test(server.stdout()); await sleep(50)) {
    assert.ok(Date.now() < deadline, `no dev banner:\n${server.stdout()}`);
  }
  ghTokens = await startGithubTokenService(issuer);
  bin = tempDir('keep-ci-bin-');
  symlinkSync(KEEP_BIN, path.join(bin, 'keep'));
  // A stand-in buildkite-agent: OIDC tokens from the dev issuer, redactor and env calls logged.
  const agent = path.join(bin, 'buildkite-agent');
  writeFileSync(
    agent,
    `#!/usr/bin/env node
const fs = require('node:fs');
const a = process.argv.slice(2);
const log = (e) => fs.appendFileSync(process.env.FAKE_AGENT_LOG, JSON.stringify(e) + '\\n');
(async () => {
  if (a[0] === 'oidc' && a[1] === 'request-token') {
    const i = a.indexOf('--audience');
    const e = process.env;
    const claims = { build_branch: e.BUILDKITE_BRANCH, organization_slug: e.BUILDKITE_ORGANIZATION_SLUG, pipeline_slug: e.BUILDKITE_PIPELINE_SLUG, build_number: Number(e.BUILDKITE_BUILD_NUMBER) };
    const res = await fetch(e.FAKE_ISSUER_URL + '/buildkite/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ aud: i >= 0 ? a[i + 1] : undefined, claims }) });
    const body = await res.json();
    if (!res.ok) { console.error('oidc request-token: ' + JSON.stringify(body)); process.exit(1); }
    log({ cmd: 'oidc request-token', audience: i >= 0 ? a[i + 1] : null });
    process.stdout.write(body.value + '\\n');
  } else if ((a[0] === 'redactor' && a[1] === 'add') || (a[0] === 'env' && (a[1] === 'set' || a[1] === 'unset'))) {
    log({ cmd: a.slice(0, 2).join(' '), args: a.slice(2), input: a[1] === 'unset' ? '' : fs.readFileSync(0, 'utf8') });
  } else {
    console.error('fake buildkite-agent: unsupported: ' + a.join(' '));
    process.exit(2);
  }
})();
`,
  );
  writeFileSync(path.join(bin, 'package.json'), '{"type":"commonjs"}');
  chmodSync(agent, 0o755);
});

after(async () => {
  await ghTokens?.close();
  await closeIssuers();
});

// ---------------------------------------------------------------------------------------------

test('GitHub Actions: the workflow reads secret/data/aws accessKey | AWS_ACCESS_KEY_ID through the action on prod only', T, async (t) => {
  const gh = loadFixture('github').claims;
  const repo = { GITHUB_REPOSITORY: String(gh.repository), GITHUB_REPOSITORY_ID: String(gh.repository_id) };
  await setupExample('github-actions', 'github', repo);
  const wf = yamlOf('examples/github-actions/deploy.yml');
  assert.equal(o(wf.permissions)['id-token'], 'write', 'the workflow must grant id-token: write');
  const steps = (o(o(wf.jobs).deploy).steps as Yaml[]) ?? [];
  const keepStep = steps.find((s) => typeof s.uses === 'string' && /\/keep@/.test(s.uses));
  const deployStep = steps.find((s) => typeof s.run === 'string');
  assert.ok(keepStep && deployStep, 'the workflow has a keep step and a run step');
  // Inputs as the runner sets them: the step's `with` (expressions evaluated), then action.yml defaults.
  const inputs: Env = {};
  for (const [k, v] of Object.entries(o(o(yamlOf('action.yml')).inputs))) if (o(v).default !== undefined) inputs[`INPUT_${k.toUpperCase()}`] = String(o(v).default);
  for (const [k, v] of Object.entries(o(keepStep.with))) inputs[`INPUT_${k.toUpperCase()}`] = String(v).replace(/\$\{\{\s*vars\.KEEP_ADDR\s*\}\}/g, server.addr);

  const job = async (branch: string) => {
    const dir = tempDir('keep-gh-runner-');
    const files = { GITHUB_ENV: path.join(dir, 'env'), GITHUB_OUTPUT: path.join(dir, 'output'), GITHUB_STATE: path.join(dir, 'state') };
    for (const f of Object.values(files)) writeFileSync(f, '');
    const runner = baseEnv({
      ...files,
      ...repo,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_REF: `refs/heads/${branch}`,
      GITHUB_REF_NAME: branch,
      RUNNER_TEMP: dir,
      ACTIONS_ID_TOKEN_REQUEST_URL: ghTokens.url(branch),
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: ghTokens.requestToken,
    });
    const main = await run(process.execPath, [path.join(REPO_ROOT, 'dist/action/main.mjs')], { ...runner, ...inputs }, 'action main');
    let deploy: Run | undefined;
    if (main.code === 0) {
      const exported = fileCommands(readFileSync(files.GITHUB_ENV, 'utf8'));
      const stepEnv = Object.fromEntries(Object.entries(o(deployStep.env)).map(([k, v]) => [k, String(v)]));
      deploy = await run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', String(deployStep.run)], { ...runner, ...exported, ...stepEnv }, 'deploy step');
    }
    const state = fileCommands(readFileSync(files.GITHUB_STATE, 'utf8'));
    const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));
    const post = await run(process.execPath, [path.join(REPO_ROOT, 'dist/action/post.mjs')], { ...runner, ...inputs, ...stateEnv }, 'action post');
    return { main, deploy, post, state, env: fileCommands(readFileSync(files.GITHUB_ENV, 'utf8')) };
  };
  const values = ['AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'];

  await t.test('prod: secrets reach the deploy step, masked; the post step revokes the token', async () => {
    const r = await job(PROD);
    assert.equal(r.main.code, 0, r.main.out);
    assert.equal(r.env.AWS_ACCESS_KEY_ID, values[0]);
    assert.equal(r.env.AWS_SECRET_ACCESS_KEY, values[1]);
    assert.ok(r.deploy, 'deploy step ran');
    assert.equal(r.deploy.code, 0, r.deploy.out);
    assert.match(r.deploy.out, /deploying to eu-west-1 with an access key of 20 characters/);
    for (const v of values) assert.match(r.main.out, new RegExp(`^::add-mask::${v.replace(/[/]/g, '\\/')}$`, 'm'));
    assertNoLeak(r.main.out + r.deploy.out + r.post.out, values);
    assert.equal(r.post.code, 0, r.post.out);
    const self = await new Api(server.addr, r.state.keep_token).get('auth/token/lookup-self');
    assert.equal(self.status, 403, `token still valid after the post step: ${show(self)}`);
  });

  await t.test('feature branch: the action fails with the role, claim and reason code', async () => {
    const r = await job(FEATURE);
    assert.equal(r.main.code, 1, r.main.out);
    assert.match(r.main.out, /^::error::role deploy-prod rejected this job: claim ref does not match \(KEEP_E_CLAIM_MISMATCH\)$/m);
    assert.equal(r.deploy, undefined);
    assert.equal(r.env.AWS_ACCESS_KEY_ID, undefined);
    assert.equal(r.state.keep_token, undefined);
    assert.equal(r.post.code, 0, r.post.out);
  });
});

// ---------------------------------------------------------------------------------------------

/** A job of the GitLab example with `extends` resolved (variables merged, other keys replaced). */
function gitlabJob(name: string, files: Yaml[]): Yaml {
  const jobs: Yaml = Object.assign({}, ...files);
  const resolve = (job: Yaml): Yaml => {
    const parents = job.extends === undefined ? [] : Array.isArray(job.extends) ? job.extends : [job.extends];
    let merged: Yaml = {};
    for (const p of parents) {
      const parent = resolve(o(jobs[String(p)]));
      merged = { ...merged, ...parent, variables: { ...o(merged.variables), ...o(parent.variables) } };
    }
    return { ...merged, ...job, variables: { ...o(merged.variables), ...o(job.variables) } };
  };
  return resolve(o(jobs[name]));
}

const expandVars = (s: string, vars: Env): string => s.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, n: string) => vars[n] ?? '');

test('GitLab CI: the deploy job (template .keep-exec) reads its secrets and writes the database secret back on prod only', T, async (t) => {
  const gl = loadFixture('gitlab').claims;
  await setupExample('gitlab-ci', 'gitlab', { GITLAB_PROJECT_ID: String(gl.project_id) });
  const pipeline = yamlOf('examples/gitlab-ci/.gitlab-ci.yml');
  const include = (pipeline.include as Yaml[])[0];
  assert.match(String(include.remote), /integrations\/gitlab\/keep\.gitlab-ci\.yml$/);
  const job = gitlabJob('deploy', [yamlOf('integrations/gitlab/keep.gitlab-ci.yml'), pipeline]);
  assert.deepEqual(Object.keys(o(job.id_tokens)), ['KEEP_ID_TOKEN']);

  const runJob = async (branch: string) => {
    const predefined: Env = { CI: 'true', GITLAB_CI: 'true', CI_COMMIT_BRANCH: branch, CI_COMMIT_REF_NAME: branch, CI_PROJECT_ID: String(gl.project_id), CI_PROJECT_PATH: String(gl.project_path), CI_SERVER_URL: issuer.url('gitlab'), CI_JOB_ID: '8200000001' };
    const vars: Env = { ...predefined };
    for (const [k, v] of Object.entries({ ...o(pipeline.variables), ...o(job.variables) })) vars[k] = expandVars(String(v), vars);
    vars.KEEP_ADDR = server.addr; // a project CI/CD variable wins over the YAML's
    for (const [name, spec] of Object.entries(o(job.id_tokens))) {
      const aud = expandVars(String(o(spec).aud), vars);
      vars[name] = await issuer.mint('gitlab', { aud, claims: { ref: branch, ref_protected: branch === PROD ? 'true' : 'false' } });
    }
    const script = ['set -eo pipefail', ...((job.before_script as string[]) ?? []), ...((job.script as string[]) ?? [])].join('\n');
    return run('bash', ['-c', script], baseEnv(vars), 'gitlab job');
  };
  const root = new Api(server.addr, ROOT);
  const values = ['registry-example-7d1f', 'db-admin-example-93ab'];

  await t.test('prod: the job deploys and writes secret/payments/prod/db', async () => {
    const r = await runJob(PROD);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /deploying keepdemo\/payments-api from prod/);
    assert.match(r.out, /database credentials for payments_app written to secret\/payments\/prod\/db/);
    assert.match(r.out, /token revoked/);
    assertNoLeak(r.out, values);
    const db = await root.get('secret/data/payments/prod/db');
    assert.equal(db.status, 200, show(db));
    const data = o(dataOf(db).data);
    assert.equal(data.username, 'payments_app');
    assert.match(String(data.password), /^[A-Za-z0-9_-]{32}$/);
    assert.ok(!r.out.includes(String(data.password)), 'the new password was printed');
  });

  await t.test('feature branch: refused with the role, claim and reason code', async () => {
    const before = await root.get('secret/metadata/payments/prod/db');
    const r = await runJob(FEATURE);
    assertRefused(r, 'deploy', /(ref|ref_protected)/, 'the feature-branch job');
    const afterMeta = await root.get('secret/metadata/payments/prod/db');
    assert.equal(dataOf(afterMeta).current_version, dataOf(before).current_version, 'the feature job wrote the secret');
  });
});

// ---------------------------------------------------------------------------------------------

interface CircleStep {
  name: string;
  command: string;
  environment: Env;
}

/** The run steps of a config step, with the Keep orb's commands expanded from the orb source. */
function circleSteps(step: unknown, orb: Yaml, params: Yaml = {}): CircleStep[] {
  const subst = (v: unknown): string => String(v).replace(/<<\s*parameters\.([\w-]+)\s*>>/g, (_, n: string) => String(params[n]));
  if (typeof step === 'string') return step === 'checkout' ? [] : circleSteps({ [step]: {} }, orb, params);
  const [[key, value]] = Object.entries(o(step));
  if (key === 'run') {
    const r = typeof value === 'string' ? { command: value } : o(value);
    const environment = Object.fromEntries(Object.entries(o(r.environment)).map(([k, v]) => [k, subst(v)]));
    return [{ name: subst(r.name ?? r.command), command: subst(r.command), environment }];
  }
  if (key === 'when') {
    const w = o(value);
    return subst(w.condition) === 'true' ? (w.steps as unknown[]).flatMap((s) => circleSteps(s, orb, params)) : [];
  }
  const name = key.startsWith('keep/') ? key.slice(5) : key;
  const cmd = o(o(orb.commands)[name]);
  assert.ok(cmd.steps, `unknown orb command ${key}`);
  const given = Object.fromEntries(Object.entries(o(value)).map(([k, v]) => [k, subst(v)]));
  const merged: Yaml = {};
  for (const [k, spec] of Object.entries(o(cmd.parameters))) merged[k] = given[k] ?? o(spec).default;
  return (cmd.steps as unknown[]).flatMap((s) => circleSteps(s, orb, merged));
}

test('CircleCI: only the prod branch reads prod secrets (orb keep/secrets, bound on oidc.circleci.com/vcs-ref)', T, async (t) => {
  const cc = loadFixture('circleci').claims;
  const org = String(cc['oidc.circleci.com/org-id']);
  // Run twice: the setup script is safe to run again.
  await setupExample('circleci', 'circleci', { CIRCLECI_ORG_ID: org, CIRCLECI_PROJECT_ID: String(cc['oidc.circleci.com/project-id']) }, { twice: true });
  const config = yamlOf('examples/circleci/config.yml');
  const orb = yamlOf('integrations/circleci/orb.yml');
  assert.match(String(o(config.orbs).keep), /\/keep@/);
  const steps = ((o(o(config.jobs).deploy).steps as unknown[]) ?? []).flatMap((s) => circleSteps(s, orb));
  assert.deepEqual(
    steps.map((s) => s.name),
    ['Install Keep', 'Read secrets from Keep', 'Deploy'],
  );

  const runJob = async (branch: string) => {
    const bashEnv = path.join(tempDir('keep-circleci-'), 'bash_env');
    writeFileSync(bashEnv, '');
    const claims = { 'oidc.circleci.com/vcs-ref': `refs/heads/${branch}` };
    const env: Env = {
      CI: 'true',
      CIRCLECI: 'true',
      CIRCLE_BRANCH: branch,
      CIRCLE_PROJECT_REPONAME: 'payments-api',
      CIRCLE_OIDC_TOKEN: await issuer.mint('circleci', { variant: 'CIRCLE_OIDC_TOKEN_v1_sub', claims }),
      CIRCLE_OIDC_TOKEN_V2: await issuer.mint('circleci', { claims }),
      BASH_ENV: bashEnv,
      KEEP_ADDR: server.addr, // from the `keep` context
    };
    let log = '';
    const ran: string[] = [];
    for (const s of steps) {
      // CircleCI's default shell; bash itself sources $BASH_ENV first.
      const r = await run('bash', ['-eo', 'pipefail', '-c', s.command], baseEnv({ ...env, ...s.environment }), `circleci step ${s.name}`);
      log += r.out;
      ran.push(s.name);
      if (r.code !== 0) return { code: r.code, out: log, ran, bashEnv: readFileSync(bashEnv, 'utf8') };
    }
    return { code: 0, out: log, ran, bashEnv: readFileSync(bashEnv, 'utf8') };
  };
  const values = ['prod-db-Pa55word', 'pk_live_example_4242'];

  await t.test('prod: the secrets step exports to BASH_ENV, the deploy step sees them', async () => {
    const r = await runJob(PROD);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /keep is already installed/);
    assert.match(r.bashEnv, /^export DB_PASSWORD=/m);
    assert.match(r.bashEnv, /^export PAYMENTS_API_KEY=/m);
    assert.match(r.out, /deploying payments-api from prod with prod credentials \(16-character database password\)/);
    assertNoLeak(r.out, values);
  });

  await t.test('feature branch: refused on oidc.circleci.com/vcs-ref; the deploy step never runs', async () => {
    const r = await runJob(FEATURE);
    assertRefused(r, 'prod-deploy', /oidc\.circleci\.com\/vcs-ref/, 'the feature-branch job');
    assert.deepEqual(r.ran, ['Install Keep', 'Read secrets from Keep']);
    assert.doesNotMatch(r.bashEnv, /DB_PASSWORD/);
  });
});

// ---------------------------------------------------------------------------------------------

test('Buildkite: keep ci exec with an agent-minted token reads the deploy secret on prod only', T, async (t) => {
  await setupExample('buildkite', 'buildkite', { BUILDKITE_ORGANIZATION_SLUG: 'keepdemo', BUILDKITE_PIPELINE_SLUG: 'payments-api' });
  const pipeline = yamlOf('examples/buildkite/pipeline.yml');
  const step = ((pipeline.steps as Yaml[]) ?? []).find((s) => s.key === 'deploy');
  assert.ok(step && typeof step.command === 'string');
  assert.equal(step.branches, PROD);

  const runJob = async (branch: string) => {
    const agentLog = path.join(tempDir('keep-buildkite-'), 'agent.log');
    writeFileSync(agentLog, '');
    const pipelineEnv = Object.fromEntries(Object.entries({ ...o(pipeline.env), ...o(step.env) }).map(([k, v]) => [k, String(v)]));
    const env = baseEnv({
      ...pipelineEnv,
      KEEP_ADDR: server.addr,
      CI: 'true',
      BUILDKITE: 'true',
      BUILDKITE_BRANCH: branch,
      BUILDKITE_ORGANIZATION_SLUG: 'keepdemo',
      BUILDKITE_PIPELINE_SLUG: 'payments-api',
      BUILDKITE_BUILD_NUMBER: '318',
      BUILDKITE_JOB_ID: '0190a4c2-477b-4fa8-9968-496074483cee',
      FAKE_ISSUER_URL: issuer.baseUrl,
      FAKE_AGENT_LOG: agentLog,
    });
    const r = await run('bash', ['-e', '-c', String(step.command)], env, 'buildkite command');
    const calls = readFileSync(agentLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Yaml);
    return { ...r, calls };
  };

  await t.test('prod: the token is requested with the audience, the value redacted, the script deploys', async () => {
    const r = await runJob(PROD);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.calls[0], { cmd: 'oidc request-token', audience: AUDIENCE });
    const redacted = r.calls.filter((c) => c.cmd === 'redactor add').map((c) => String(c.input));
    assert.ok(redacted.some((i) => i.includes('bk-deploy-example-51c0')), `secret not added to the redactor: ${JSON.stringify(r.calls)}`);
    assert.match(r.out, /deploying payments-api build 318 from prod \(22-character API key\)/);
    assert.match(r.out, /token revoked/);
    assertNoLeak(r.out, ['bk-deploy-example-51c0']);
  });

  await t.test('feature branch: refused on build_branch', async () => {
    const r = await runJob(FEATURE);
    assertRefused(r, 'deploy', /build_branch/, 'the feature-branch job');
  });
});

// ---------------------------------------------------------------------------------------------

test('Jenkins: the Jenkinsfile binds the OIDC credential to KEEP_JWT and reads the deploy secret on prod only', T, async (t) => {
  const jenkinsUrl = 'https://jenkins.keepdemo.example/';
  const jobUrl = (branch: string) => `${jenkinsUrl}job/payments/job/payments-api/job/${branch}/`;
  await setupExample('jenkins', 'jenkins', { JENKINS_URL: jenkinsUrl, JENKINS_PROD_JOB_URL: jobUrl(PROD) });
  const jenkinsfile = read('examples/jenkins/Jenkinsfile');
  const binding = /withCredentials\(\[string\(credentialsId: '([^']+)', variable: '([^']+)'\)\]\)/.exec(jenkinsfile);
  const sh = /sh '''([\s\S]*?)'''/.exec(jenkinsfile);
  assert.ok(binding && sh, 'the Jenkinsfile binds a credential and runs an sh block');
  assert.equal(binding[2], 'KEEP_JWT');

  const runJob = async (branch: string) => {
    const env = baseEnv({
      KEEP_ADDR: server.addr,
      JENKINS_URL: jenkinsUrl,
      BUILD_NUMBER: '57',
      BRANCH_NAME: branch,
      JOB_NAME: `payments/payments-api/${branch}`,
      JOB_URL: jobUrl(branch),
      // The "OpenID Connect id token" credential, minted per binding (sub = the job URL).
      [binding[2]]: await issuer.mint('jenkins', { aud: AUDIENCE, claims: { sub: jobUrl(branch) } }),
    });
    return run('sh', ['-xe', '-c', sh[1]], env, 'jenkins sh');
  };

  await t.test('prod: the deploy script gets the secret', async () => {
    const r = await runJob(PROD);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /deploying payments\/payments-api\/prod #57 \(27-character API key\)/);
    assert.match(r.out, /token revoked/);
    assertNoLeak(r.out, ['jenkins-deploy-example-0b77']);
  });

  await t.test('feature branch: refused on sub', async () => {
    const r = await runJob(FEATURE);
    assertRefused(r, 'deploy', /sub/, 'the feature-branch job');
  });
});
