/**
 * `keep server -dev -dev-demo` prints the CI login demo, run against itself: a GitHub Actions
 * job (the in-process dev issuer) on main logs in, carries its attribution, reads its
 * repository's secret and nothing else; a feature-branch job is refused with its reason code;
 * a replayed token is refused; the job revokes its token. Then a user follows the banner's
 * instructions with the CLI (`keep issuer token`, `keep login -method=jwt`, `keep kv get`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitDevReady } from '../helpers/issuer.ts';
import { describeCli, expectExit, runCli, sleep, startKeep, useKeepHooks } from '../helpers/server.ts';

useKeepHooks();

const T = { timeout: 90_000 };
const AUD = 'https://keep.example.com';

async function waitForStdout(server: { stdout(): string }, re: RegExp, ms = 30_000): Promise<string> {
  const deadline = Date.now() + ms;
  while (!re.test(server.stdout())) {
    if (Date.now() > deadline) assert.fail(`stdout never matched ${re}; stdout was:\n${server.stdout()}`);
    await sleep(100);
  }
  return server.stdout();
}

test('keep server -dev -dev-demo prints the CI login demo, and its banner instructions work', T, async () => {
  const server = await startKeep({ dev: true, rootToken: 'demo-root', args: ['-dev-demo', '-dev-issuer-address=127.0.0.1:0'] });
  await waitDevReady(server);
  const out = await waitForStdout(server, /7\.\s+the job revokes its token/);
  const demo = out.slice(out.indexOf('==> Demo'));
  const lines: Array<[string, RegExp]> = [
    ['the job token request', /1\.\s+a job on main asks for its token\s+GET \$ACTIONS_ID_TOKEN_REQUEST_URL&audience=https:\/\/keep\.example\.com/],
    ['the main-branch login', /2\.\s+keep login -method=jwt role=demo\s+policies \["ci-demo","default"\], ttl 600s/],
    ['the attribution', /token metadata: ci_platform=github ci_repository=keepdemo\/payments-api ci_ref=refs\/heads\/main/],
    ['the run id', /ci_run_id=11223344556/],
    ['the secret read', /3\.\s+the job reads its repository's secret\s+secret\/ci\/keepdemo\/payments-api\/deploy \(keys: api_url, db_password\)/],
    ['the refused read', /4\.\s+the job tries secret\/prod\/db\s+refused: 403 permission denied/],
    ['the feature-branch rejection', /5\.\s+a job on refs\/heads\/feature-x logs in\s+role demo rejected this job: claim ref does not match \(KEEP_E_CLAIM_MISMATCH\)/],
    ['the operator view', /operator view \(keep write auth\/jwt\/explain jwt=\.\.\.\): ref: expected "refs\/heads\/main", actual "refs\/heads\/feature-x"/],
    ['the replay', /6\.\s+the main-branch token is replayed\s+role demo rejected this job: this job token was already used \(KEEP_E_REPLAY\)/],
    ['the revocation', /7\.\s+the job revokes its token at the end\s+lookup-self now answers 403/],
  ];
  for (const [what, re] of lines) assert.match(demo, re, `demo output: ${what}\n${demo}`);
  assert.doesNotMatch(out, /UNEXPECTED/, out);
  assert.doesNotMatch(server.stderr(), /demo failed|did not start/, server.stderr());

  // The banner's instructions, followed by a user.
  const base = /Base URL: (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
  assert.ok(base, `no issuer base URL in the banner:\n${out}`);
  const env = { KEEP_ISSUER_ADDR: base };
  const mint = expectExit(await runCli(['issuer', 'token', '-platform=github', `-aud=${AUD}`], { addr: server.addr, env }), 0, 'issuer token');
  const jwt = mint.stdout.trim();
  assert.equal(jwt.split('.').length, 3, describeCli(mint));
  const login = expectExit(await runCli(['login', '-method=jwt', 'role=demo', `jwt=${jwt}`], { addr: server.addr, env }), 0, 'login');
  assert.match(login.stdout, /ci-demo/, describeCli(login));
  const got = expectExit(await runCli(['kv', 'get', '-field=db_password', 'secret/ci/keepdemo/payments-api/deploy'], { addr: server.addr, env }), 0, 'kv get');
  assert.equal(got.stdout.trim(), 'demo-s3cr3t');

  // A feature-branch token from the same issuer is refused with its reason code.
  const feature = expectExit(
    await runCli(['issuer', 'token', '-platform=github', `-aud=${AUD}`, '-claim', 'ref=refs/heads/feature-x'], { addr: server.addr, env }),
    0,
    'issuer token feature',
  ).stdout.trim();
  const refused = await runCli(['login', '-method=jwt', 'role=demo', `jwt=${feature}`], { addr: server.addr, env });
  assert.notEqual(refused.code, 0, describeCli(refused));
  assert.match(refused.stderr, /KEEP_E_CLAIM_MISMATCH/, describeCli(refused));
  assert.match(refused.stderr, /claim "ref"/, describeCli(refused));
  assert.ok(!refused.stderr.includes('refs/heads/main'), `the refusal reveals the expected ref: ${describeCli(refused)}`);
  await server.stop();
});
