import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CiError } from './errors.ts';
import { detectPlatform, jobToken, jobTokenSource, resolvePlatform } from './platform.ts';
import { simEnv } from './sim-env.ts';

test('detection follows the spec order', () => {
  assert.equal(detectPlatform({}), 'generic');
  assert.equal(detectPlatform({ GITHUB_ACTIONS: 'true', GITLAB_CI: 'true' }), 'github');
  assert.equal(detectPlatform({ GITLAB_CI: 'true', CIRCLECI: 'true' }), 'gitlab');
  assert.equal(detectPlatform({ CIRCLECI: 'true', BUILDKITE: 'true' }), 'circleci');
  assert.equal(detectPlatform({ BUILDKITE: 'true', BITBUCKET_BUILD_NUMBER: '4' }), 'buildkite');
  assert.equal(detectPlatform({ BITBUCKET_BUILD_NUMBER: '4', TF_BUILD: 'True' }), 'bitbucket');
  assert.equal(detectPlatform({ BITBUCKET_PIPELINE_UUID: '{x}' }), 'bitbucket');
  assert.equal(detectPlatform({ TF_BUILD: 'True', JENKINS_URL: 'x', BUILD_NUMBER: '1' }), 'azure');
  assert.equal(detectPlatform({ JENKINS_URL: 'https://j/', BUILD_NUMBER: '1' }), 'jenkins');
  assert.equal(detectPlatform({ JENKINS_URL: 'https://j/' }), 'generic');
  // Blank or other values do not count.
  assert.equal(detectPlatform({ GITHUB_ACTIONS: 'false', GITLAB_CI: '', BITBUCKET_BUILD_NUMBER: '' }), 'generic');
});

test('resolvePlatform: explicit, then KEEP_CI_PLATFORM, then detection; unknown names refused', () => {
  assert.equal(resolvePlatform({ GITHUB_ACTIONS: 'true' }, 'gitlab'), 'gitlab');
  assert.equal(resolvePlatform({ GITHUB_ACTIONS: 'true', KEEP_CI_PLATFORM: 'buildkite' }), 'buildkite');
  assert.equal(resolvePlatform({ GITHUB_ACTIONS: 'true' }), 'github');
  assert.throws(() => resolvePlatform({}, 'travis'), (e: unknown) => e instanceof CiError && /unknown CI platform "travis"; valid platforms: github, gitlab/.test(e.message));
});

test('explicit tokens win: -jwt-env, KEEP_JWT, KEEP_JWT_FILE', async () => {
  const env = simEnv({ env: { GITHUB_ACTIONS: 'true', MY_TOKEN: ' jwt-a\n', KEEP_JWT: 'jwt-b', KEEP_JWT_FILE: '/t' }, files: { '/t': 'jwt-c\n' } });
  assert.equal(await jobToken(env, 'github', { jwtEnv: 'MY_TOKEN' }), 'jwt-a');
  assert.equal(await jobToken(env, 'github', {}), 'jwt-b');
  delete env.env.KEEP_JWT;
  const src = await jobTokenSource(env, 'github', {});
  assert.equal(src.jwt, 'jwt-c');
  env.files.set('/t', 'jwt-d');
  assert.equal(await src.remint?.(), 'jwt-d');
});

test('a missing -jwt-env variable or KEEP_JWT_FILE is a clear error', async () => {
  const env = simEnv({ env: { KEEP_JWT_FILE: '/missing' } });
  await assert.rejects(jobToken(env, 'gitlab', { jwtEnv: 'ID_TOKEN' }), /-jwt-env ID_TOKEN: the variable ID_TOKEN is not set or empty \(define it under the job's id_tokens:\)/);
  await assert.rejects(jobToken(env, 'generic', {}), /KEEP_JWT_FILE \/missing: ENOENT/);
});

test('GitHub: GET the request URL with &audience=, bearer token, read .value', async () => {
  const seen: Array<{ url: string; auth: string | null }> = [];
  const env = simEnv({
    env: { GITHUB_ACTIONS: 'true', ACTIONS_ID_TOKEN_REQUEST_URL: 'https://gh.example/token?api-version=2.0', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'req-tok' },
    fetch: async (input, init) => {
      seen.push({ url: String(input), auth: new Headers(init?.headers).get('authorization') });
      return new Response(JSON.stringify({ count: 3, value: `jwt-${seen.length}` }), { status: 200 });
    },
  });
  const src = await jobTokenSource(env, 'github', { audience: 'https://keep.example.com' });
  assert.equal(src.jwt, 'jwt-1');
  assert.equal(seen[0].url, 'https://gh.example/token?api-version=2.0&audience=https%3A%2F%2Fkeep.example.com');
  assert.equal(seen[0].auth, 'Bearer req-tok');
  assert.equal(await src.remint?.(), 'jwt-2');
  await jobToken(env, 'github', {});
  assert.equal(seen[2].url, 'https://gh.example/token?api-version=2.0');
});

test('GitHub: retries a 5xx, then fails on a 4xx with the status', async () => {
  let n = 0;
  const env = simEnv({
    env: { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://gh.example/t', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'r' },
    fetch: async () => (++n === 1 ? new Response('busy', { status: 502 }) : new Response('{"value":"ok"}', { status: 200 })),
  });
  assert.equal(await jobToken(env, 'github', {}), 'ok');
  const refused = simEnv({ env: { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://gh.example/t', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'r' }, fetch: async () => new Response('nope', { status: 401 }) });
  await assert.rejects(jobToken(refused, 'github', {}), /the GitHub ID token request was refused: HTTP 401 nope/);
});

test('GitHub without the request variables names permissions: id-token: write', async () => {
  await assert.rejects(jobToken(simEnv({ env: { GITHUB_ACTIONS: 'true' } }), 'github', {}), (e: unknown) => {
    assert.ok(e instanceof CiError);
    assert.match(e.message, /permissions: id-token: write/);
    assert.equal(e.exitCode, 1);
    return true;
  });
  await assert.rejects(jobToken(simEnv({ env: { GITHUB_EVENT_NAME: 'pull_request' } }), 'github', {}), /forks cannot request ID tokens/);
});

test('GitLab: KEEP_ID_TOKEN, then VAULT_ID_TOKEN; none explains id_tokens', async () => {
  assert.equal(await jobToken(simEnv({ env: { KEEP_ID_TOKEN: 'k', VAULT_ID_TOKEN: 'v' } }), 'gitlab', {}), 'k');
  assert.equal(await jobToken(simEnv({ env: { VAULT_ID_TOKEN: 'v' } }), 'gitlab', {}), 'v');
  await assert.rejects(jobToken(simEnv(), 'gitlab', { audience: 'https://keep' }), /id_tokens:\n {4}KEEP_ID_TOKEN:\n {6}aud: https:\/\/keep/);
});

test('CircleCI: V2 then V1; with an audience the circleci CLI; no CLI falls back with a note', async () => {
  assert.equal(await jobToken(simEnv({ env: { CIRCLE_OIDC_TOKEN_V2: 'v2', CIRCLE_OIDC_TOKEN: 'v1' } }), 'circleci', {}), 'v2');
  assert.equal(await jobToken(simEnv({ env: { CIRCLE_OIDC_TOKEN: 'v1' } }), 'circleci', {}), 'v1');
  const withCli = simEnv({ run: () => ({ code: 0, stdout: 'cli-jwt\n', stderr: '' }) });
  assert.equal(await jobToken(withCli, 'circleci', { audience: 'https://keep' }), 'cli-jwt');
  assert.deepEqual(withCli.runs[0].args, ['run', 'oidc', 'get', '--claims', '{"aud":"https://keep"}']);
  const noCli = simEnv({ env: { CIRCLE_OIDC_TOKEN_V2: 'v2' } });
  assert.equal(await jobToken(noCli, 'circleci', { audience: 'https://keep' }), 'v2');
  assert.match(noCli.stderrText(), /circleci CLI is not available/);
  await assert.rejects(jobToken(simEnv(), 'circleci', {}), /CIRCLE_OIDC_TOKEN_V2 and CIRCLE_OIDC_TOKEN are not set/);
});

test('Buildkite: buildkite-agent oidc request-token --audience', async () => {
  const env = simEnv({ run: () => ({ code: 0, stdout: 'bk-jwt\n', stderr: '' }) });
  const src = await jobTokenSource(env, 'buildkite', { audience: 'https://keep' });
  assert.equal(src.jwt, 'bk-jwt');
  assert.deepEqual(env.runs[0], { cmd: 'buildkite-agent', args: ['oidc', 'request-token', '--audience', 'https://keep'], input: '' });
  assert.ok(src.remint);
  await jobToken(env, 'buildkite', {});
  assert.deepEqual(env.runs[1].args, ['oidc', 'request-token']);
  await assert.rejects(jobToken(simEnv(), 'buildkite', {}), /buildkite-agent is not on PATH/);
  const failing = simEnv({ run: () => ({ code: 1, stdout: '', stderr: 'fatal: no job\n' }) });
  await assert.rejects(jobToken(failing, 'buildkite', {}), /oidc request-token failed \(exit 1\): fatal: no job/);
});

test('Bitbucket: BITBUCKET_STEP_OIDC_TOKEN, else "oidc: true"', async () => {
  assert.equal(await jobToken(simEnv({ env: { BITBUCKET_STEP_OIDC_TOKEN: 'bb' } }), 'bitbucket', {}), 'bb');
  await assert.rejects(jobToken(simEnv(), 'bitbucket', {}), /add "oidc: true" to the step/);
});

test('Azure: POST SYSTEM_OIDCREQUESTURI?api-version=7.1 with the access token; missing mapping explained', async () => {
  let seen: { url: string; method?: string; auth: string | null } | undefined;
  const env = simEnv({
    env: { SYSTEM_OIDCREQUESTURI: 'https://dev.azure.example/oidc', SYSTEM_ACCESSTOKEN: 'sys' },
    fetch: async (input, init) => {
      seen = { url: String(input), method: init?.method, auth: new Headers(init?.headers).get('authorization') };
      return new Response('{"oidcToken":"az-jwt"}', { status: 200 });
    },
  });
  assert.equal(await jobToken(env, 'azure', {}), 'az-jwt');
  assert.deepEqual(seen, { url: 'https://dev.azure.example/oidc?api-version=7.1', method: 'POST', auth: 'Bearer sys' });
  await assert.rejects(jobToken(simEnv({ env: { SYSTEM_OIDCREQUESTURI: 'https://x' } }), 'azure', {}), /SYSTEM_ACCESSTOKEN: \$\(System.AccessToken\)/);
  await assert.rejects(jobToken(simEnv(), 'azure', {}), /KEEP_JWT/);
});

test('Jenkins and generic: KEEP_JWT/KEEP_JWT_FILE, KEEP_ID_TOKEN; else say how', async () => {
  assert.equal(await jobToken(simEnv({ env: { KEEP_ID_TOKEN: 'j' } }), 'jenkins', {}), 'j');
  await assert.rejects(jobToken(simEnv(), 'jenkins', {}), /withCredentials/);
  await assert.rejects(jobToken(simEnv(), 'generic', {}), /set KEEP_JWT \(the token\) or KEEP_JWT_FILE/);
});
