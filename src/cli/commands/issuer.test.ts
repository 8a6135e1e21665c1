import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { decodeJwt } from 'jose';
import { startIssuerServer } from '../../issuer/server.ts';
import type { RunningIssuer } from '../../issuer/server.ts';
import type { CliIO } from '../io.ts';
import { runCli } from '../run.ts';
import { serveBanner } from './issuer.ts';

let running: RunningIssuer;
before(async () => {
  running = await startIssuerServer({ listen: '127.0.0.1:0' });
});
after(async () => {
  await running.close();
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
    env: { KEEP_ISSUER_ADDR: running.baseUrl, ...env },
    homedir: os.tmpdir(),
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}

test('issuer token prints a token minted by the running issuer (KEEP_ISSUER_ADDR)', async () => {
  const r = await keep(['issuer', 'token', '-platform=github', '-aud=https://keep.example.com']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  const c = decodeJwt(r.out.trim());
  assert.equal(c.iss, `${running.baseUrl}/github`);
  assert.equal(c.aud, 'https://keep.example.com');
  assert.equal(c.ref, 'refs/heads/main');
});

test('issuer token: -claim keeps fixture types, k:=json, -remove-claim, -variant, -ttl, -issuer flag', async () => {
  const r = await keep(
    ['issuer', 'token', '-platform', 'buildkite', '-claim', 'build_number=7', '-claim', 'build_branch=feature-x', '-claim', 'step_key:=null', '-remove-claim', 'agent_id', '-ttl', '2m', '-issuer', running.baseUrl],
    { KEEP_ISSUER_ADDR: 'http://127.0.0.1:9' },
  );
  assert.equal(r.code, 0, r.err);
  const c = decodeJwt(r.out.trim());
  assert.equal(c.build_number, 7);
  assert.equal(c.build_branch, 'feature-x');
  assert.equal(c.step_key, null);
  assert.equal('agent_id' in c, false);
  assert.equal((c.exp ?? 0) - (c.iat ?? 0), 120);
  assert.match(String(c.sub), /ref:refs\/heads\/feature-x:.*:step:$/);
  const gh = await keep(['issuer', 'token', '-platform=github', '-claim', 'run_attempt=2', '-variant=pull_request', '-aud=a', '-aud=b']);
  const g = decodeJwt(gh.out.trim());
  assert.equal(g.run_attempt, '2');
  assert.equal(g.event_name, 'pull_request');
  assert.deepEqual(g.aud, ['a', 'b']);
});

test('issuer token: unknown or missing platform lists the valid ones (usage error, nothing sent)', async () => {
  const r = await keep(['issuer', 'token', '-platform=travis']);
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown platform "travis"; valid platforms: github, gitlab, circleci, buildkite, bitbucket, azure, jenkins, gcb, kubernetes/);
  const m = await keep(['issuer', 'token']);
  assert.equal(m.code, 2);
  assert.match(m.err, /-platform is required; valid platforms: github/);
});

test('issuer token: a claim that does not fit its type is refused by the issuer', async () => {
  const r = await keep(['issuer', 'token', '-platform=buildkite', '-claim', 'build_number=seven']);
  assert.equal(r.code, 2);
  assert.match(r.err, /Error minting a buildkite token: claim "build_number" is a number/);
});

test('issuer token: an unreachable issuer names the address and suggests how to start one', async () => {
  const probe = await startIssuerServer({ listen: '127.0.0.1:0' });
  await probe.close();
  const r = await keep(['issuer', 'token', '-platform=github'], { KEEP_ISSUER_ADDR: probe.baseUrl });
  assert.equal(r.code, 2);
  assert.match(r.err, new RegExp(`cannot reach the dev issuer at ${probe.baseUrl} \\(connection refused\\)`));
  assert.match(r.err, /"keep issuer serve" or "keep server -dev"/);
});

test('issuer rotate prints the new kid; -platform is checked', async () => {
  const before = running.issuer.currentKid('gcb');
  const r = await keep(['issuer', 'rotate', '-platform=gcb', '-format=json']);
  assert.equal(r.code, 0, r.err);
  const kid = (JSON.parse(r.out) as Record<string, string>).gcb;
  assert.notEqual(kid, before);
  assert.equal(running.issuer.currentKid('gcb'), kid);
  assert.deepEqual(running.issuer.jwks('gcb').keys.map((k) => k.kid), [kid, before]);
  const bad = await keep(['issuer', 'rotate', '-platform=x']);
  assert.equal(bad.code, 2);
});

test('issuer serve banner shows the base URL, every issuer and the Actions variables', () => {
  const text = serveBanner({
    baseUrl: 'http://127.0.0.1:9999',
    issuers: { github: 'http://127.0.0.1:9999/github', gitlab: 'http://127.0.0.1:9999/gitlab' },
    actionsTokenUrl: 'http://127.0.0.1:9999/github/actions-token?api-version=2.0',
    requestToken: 'rt',
    busyAddress: '127.0.0.1:8300',
  });
  assert.match(text, /127\.0\.0\.1:8300 was busy; listening on http:\/\/127\.0\.0\.1:9999 instead/);
  assert.match(text, /Base URL: http:\/\/127\.0\.0\.1:9999/);
  assert.match(text, /github {2}http:\/\/127\.0\.0\.1:9999\/github/);
  assert.match(text, /export ACTIONS_ID_TOKEN_REQUEST_URL='http:\/\/127\.0\.0\.1:9999\/github\/actions-token\?api-version=2\.0'/);
  assert.match(text, /export ACTIONS_ID_TOKEN_REQUEST_TOKEN='rt'/);
});

test('keep issuer without a subcommand lists serve, token and rotate', async () => {
  const r = await keep(['issuer', '-h']);
  assert.equal(r.code, 0);
  assert.match(r.out, /issuer serve/);
  assert.match(r.out, /issuer token/);
  assert.match(r.out, /issuer rotate/);
});
