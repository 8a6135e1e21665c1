import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { LosslessNumber } from '../client/json.ts';
import { envelope, startMockServer } from '../client/mock-server.ts';
import { runCli } from './run.ts';
import { explainRoles, explainText, explainValue } from './explain-format.ts';

const DATA = {
  roles: [
    {
      role: 'demo',
      accepted: false,
      reason_code: 'KEEP_E_CLAIM_MISMATCH',
      policies: ['ci-demo', 'default'],
      checks: [
        { check: 'signature', passed: true },
        { check: 'audience', claim: 'aud', expected: ['https://keep.example.com'], actual: 'https://keep.example.com', passed: true },
        { check: 'bound_claims', claim: 'ref', expected: 'refs/heads/main', actual: 'refs/heads/feature-x', passed: false },
        { check: 'bound_claims', claim: 'build_number', expected: 318, actual: '318', passed: false },
      ],
    },
    { role: 'release', accepted: true, policies: [], checks: [] },
  ],
};

test('explainValue: strings bare, type-ambiguous strings quoted, lists, objects, absent', () => {
  assert.equal(explainValue('refs/heads/main'), 'refs/heads/main');
  assert.equal(explainValue('318'), '"318"');
  assert.equal(explainValue('true'), '"true"');
  assert.equal(explainValue(''), '""');
  assert.equal(explainValue(318), '318');
  assert.equal(explainValue(false), 'false');
  assert.equal(explainValue(null), 'null');
  assert.equal(explainValue(undefined), '-');
  assert.equal(explainValue(['a', 'b']), '[a, b]');
  assert.equal(explainValue({ namespace: 'ci' }), '{"namespace":"ci"}');
  assert.equal(explainValue(new LosslessNumber('12345678901234567890')), '12345678901234567890');
  assert.equal(explainValue('a\nb'), 'a b');
  const long = explainValue('x'.repeat(500));
  assert.equal(long.length, 60);
  assert.ok(long.endsWith('…'));
});

test('explainText: one block per role with verdict, reason, policies and a check table', () => {
  const text = explainText(DATA);
  assert.equal(
    text,
    [
      'Role: demo    REJECTED (KEEP_E_CLAIM_MISMATCH)',
      'Policies: ci-demo, default',
      '',
      'Check           Claim           Expected                      Actual                      Result',
      '-----           -----           --------                      ------                      ------',
      'signature       -               -                             -                           pass',
      'audience        aud             [https://keep.example.com]    https://keep.example.com    pass',
      'bound_claims    ref             refs/heads/main               refs/heads/feature-x        FAIL',
      'bound_claims    build_number    318                           "318"                       FAIL',
      '',
      'Role: release    accepted',
      'Policies: (none)',
      '',
      '(no checks reported)',
    ].join('\n'),
  );
});

test('explainText: not an explain answer gives undefined; no roles says so', () => {
  assert.equal(explainText(null), undefined);
  assert.equal(explainText({ keys: ['a'] }), undefined);
  assert.equal(explainText({ roles: [{ accepted: true }] }), undefined);
  assert.equal(explainText({ roles: [] }), 'No roles to explain.');
  const roles = explainRoles({ roles: [{ role: 'r', accepted: 'yes', checks: [{ nope: 1 }, { check: 'x', passed: 'true' }] }] });
  assert.deepEqual(roles, [{ role: 'r', accepted: false, checks: [{ check: 'x', passed: false }] }]);
});

test('keep write auth/jwt/explain prints the table; -format=json the raw answer; other writes unchanged', async () => {
  const srv = await startMockServer();
  try {
    srv.on('PUT /v1/auth/jwt/explain', { status: 200, body: envelope(DATA, { warnings: ['dry run'] }) });
    srv.on('PUT /v1/auth/jwt/other', { status: 200, body: envelope(DATA) });
    const run = async (argv: string[]) => {
      let out = '';
      let err = '';
      const code = await runCli(argv, {
        stdout: { write: (t: string) => (out += t) },
        stderr: { write: (t: string) => (err += t) },
        readStdin: () => Promise.resolve('tok.en.x\n'),
        readLine: () => Promise.resolve(''),
        stdoutIsTTY: false,
        env: { KEEP_ADDR: srv.url, KEEP_TOKEN: 'hvs.root', KEEP_MAX_RETRIES: '0' },
        homedir: os.tmpdir(),
      });
      return { code, out, err };
    };
    const t = await run(['write', 'auth/jwt/explain', 'jwt=a.b.c', 'role=demo']);
    assert.equal(t.code, 0);
    assert.equal(t.out, `${explainText(DATA)}\n`);
    assert.match(t.err, /dry run/);
    assert.deepEqual(JSON.parse(srv.requests.at(-1)?.body ?? '{}'), { jwt: 'a.b.c', role: 'demo' });
    const j = await run(['write', '-format=json', 'auth/jwt/explain', 'jwt=-']);
    assert.deepEqual(JSON.parse(j.out).data, DATA);
    const o = await run(['write', 'auth/jwt/other', 'x=1']);
    assert.match(o.out, /^Key {2,}Value/);
  } finally {
    await srv.close();
  }
});

test('explainText: error line, token metadata and the rendered policies of a role', () => {
  const text = explainText({
    roles: [
      {
        role: 'demo',
        accepted: true,
        reason_code: null,
        error: null,
        checks: [{ check: 'bound_claim', claim: 'ref', expected: 'refs/heads/main', actual: 'refs/heads/main', passed: true }],
        policies: ['ci-demo', 'default', 'gone'],
        metadata: { role: 'demo', ci_repository: 'keepdemo/payments-api' },
        rendered_policies: [
          { policy: 'ci-demo', paths: [{ path: 'secret/data/ci/keepdemo/payments-api/*', capabilities: ['read'] }] },
          { policy: 'default', paths: [{ path: 'auth/token/lookup-self', capabilities: ['read'] }, { path: 'sys/x', capabilities: ['update'] }] },
          { policy: 'gone', missing: true, paths: [] },
        ],
      },
      { role: 'other', accepted: false, reason_code: 'KEEP_E_AUDIENCE', error: 'error validating token: invalid audience (aud) claim', checks: [] },
    ],
  });
  assert.equal(
    text,
    [
      'Role: demo    accepted',
      'Policies: ci-demo, default, gone',
      'Metadata: ci_repository=keepdemo/payments-api role=demo',
      '',
      'Check          Claim    Expected           Actual             Result',
      '-----          -----    --------           ------             ------',
      'bound_claim    ref      refs/heads/main    refs/heads/main    pass',
      '',
      'Policy     Path (rendered)                           Capabilities',
      '------     ---------------                           ------------',
      'ci-demo    secret/data/ci/keepdemo/payments-api/*    [read]',
      'default    (2 standard self-service paths)           -',
      'gone       (no such policy: grants nothing)          -',
      '',
      'Role: other    REJECTED (KEEP_E_AUDIENCE)',
      'Error: error validating token: invalid audience (aud) claim',
      '',
      '(no checks reported)',
    ].join('\n'),
  );
});
