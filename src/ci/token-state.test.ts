import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simEnv } from './sim-env.ts';
import { clearToken, findToken, reusableToken, saveToken } from './token-state.ts';

test('GitHub: token masked first, then GITHUB_ENV (KEEP_TOKEN, VAULT_TOKEN, KEEP_CI_ROLE) and GITHUB_STATE', async () => {
  const env = simEnv({ env: { GITHUB_ENV: '/e', GITHUB_STATE: '/s', GITHUB_OUTPUT: '/o' } });
  await saveToken(env, 'github', 'hvs.tok', 'deploy');
  assert.equal(env.events[0].kind, 'stdout');
  assert.equal(env.events[0].text, '::add-mask::hvs.tok\n');
  const envFile = env.files.get('/e') ?? '';
  assert.match(envFile, /^KEEP_TOKEN<<(\S+)\nhvs\.tok\n\1\nVAULT_TOKEN<<(\S+)\nhvs\.tok\n\2\nKEEP_CI_ROLE<<(\S+)\ndeploy\n\3\n$/);
  assert.match(env.files.get('/s') ?? '', /^keep_token<<(\S+)\nhvs\.tok\n\1\n$/);
  assert.equal(env.files.has('/o'), false, 'no step output for the token');
  // The role is not a secret: not masked.
  assert.ok(!env.stdoutText().includes('deploy'));
});

test('CircleCI: export lines in BASH_ENV; generic: export lines on stdout', async () => {
  const cci = simEnv({ env: { BASH_ENV: '/b' } });
  await saveToken(cci, 'circleci', 'tok', 'r');
  assert.equal(cci.files.get('/b'), "export KEEP_TOKEN='tok'\nexport VAULT_TOKEN='tok'\nexport KEEP_CI_ROLE='r'\n");
  const gen = simEnv();
  await saveToken(gen, 'generic', 'tok', '');
  assert.equal(gen.stdoutText(), "export KEEP_TOKEN='tok'\nexport VAULT_TOKEN='tok'\nexport KEEP_CI_ROLE=''\n");
});

test('Buildkite: redactor add, then env set', async () => {
  const env = simEnv({ run: () => ({ code: 0, stdout: '', stderr: '' }) });
  await saveToken(env, 'buildkite', 'tok', 'r');
  assert.deepEqual(env.runs.map((r) => r.args[0]), ['redactor', 'env']);
  assert.deepEqual(Object.values(JSON.parse(env.runs[0].input) as object), ['tok']);
  assert.deepEqual(JSON.parse(env.runs[1].input), { KEEP_TOKEN: 'tok', VAULT_TOKEN: 'tok', KEEP_CI_ROLE: 'r' });
});

test('finding the token: action state first, then KEEP_TOKEN only when KEEP_CI_ROLE marks it', () => {
  assert.equal(findToken(simEnv({ env: { KEEP_TOKEN: 'hand-made' } })), undefined);
  assert.equal(findToken(simEnv({ env: { KEEP_TOKEN: 'a', KEEP_CI_ROLE: 'deploy' } }))?.token, 'a');
  assert.equal(findToken(simEnv({ env: { KEEP_TOKEN: 'a', KEEP_CI_ROLE: 'deploy', STATE_keep_token: 's' } }))?.token, 's');
  assert.equal(findToken(simEnv({ env: { KEEP_TOKEN: '', KEEP_CI_ROLE: '' } })), undefined);
});

test('reusableToken matches the role (any role when none is asked for)', () => {
  const env = simEnv({ env: { KEEP_TOKEN: 'a', KEEP_CI_ROLE: 'deploy' } });
  assert.equal(reusableToken(env, 'deploy')?.token, 'a');
  assert.equal(reusableToken(env, '')?.token, 'a');
  assert.equal(reusableToken(env, 'other'), undefined);
});

test('clearToken per platform', async () => {
  const gh = simEnv({ env: { GITHUB_ENV: '/e' } });
  await clearToken(gh, 'github');
  assert.match(gh.files.get('/e') ?? '', /^KEEP_TOKEN<<(\S+)\n\n\1\n/);
  const cci = simEnv({ env: { BASH_ENV: '/b' } });
  await clearToken(cci, 'circleci');
  assert.equal(cci.files.get('/b'), 'unset KEEP_TOKEN VAULT_TOKEN KEEP_CI_ROLE\n');
  const bk = simEnv({ run: () => ({ code: 0, stdout: '', stderr: '' }) });
  await clearToken(bk, 'buildkite');
  assert.deepEqual(bk.runs[0].args, ['env', 'unset', '--output-format=quiet', 'KEEP_TOKEN', 'VAULT_TOKEN', 'KEEP_CI_ROLE']);
  const gl = simEnv();
  await clearToken(gl, 'gitlab');
  assert.equal(gl.stdoutText(), 'unset KEEP_TOKEN VAULT_TOKEN KEEP_CI_ROLE\n');
});
