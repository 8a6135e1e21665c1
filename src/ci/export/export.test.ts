import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { CiError } from '../errors.ts';
import { firstExposure, firstMask, simEnv } from '../sim-env.ts';
import { azureMaskCommands, azureSetVariable, escapeAzureData } from './azure.ts';
import { escapeCommandData, fileCommandEntry, githubMaskCommands } from './github.ts';
import { exportItems, maskValues } from './index.ts';
import { dotenvLine, envLine, exportLine, formatItems, shellQuote } from './quote.ts';
import type { ExportItem } from './types.ts';

const tricky = "it's $HOME `x` \\n\nsecond line %0A";
const items: ExportItem[] = [
  { envName: 'DB_PASSWORD', outputName: 'db_password', value: 'p@ss%word' },
  { envName: 'MULTI', outputName: 'multi', value: tricky },
];

/** Parses GitHub environment-file text (heredoc entries) back into pairs. */
function parseEnvFile(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i]);
    if (!m) continue;
    const value: string[] = [];
    for (i++; lines[i] !== m[2]; i++) value.push(lines[i]);
    out.push([m[1], value.join('\n')]);
  }
  return out;
}

test('shell quoting round-trips through sh', () => {
  for (const v of [tricky, '', "'", "a'b'c", '$(id)', 'x\r\ny']) {
    const out = execFileSync('sh', ['-c', `eval "$1"; printf '%s' "$V"`, 'sh', `${exportLine('V', v)}`], { encoding: 'utf8' });
    assert.equal(out, v);
  }
  assert.equal(shellQuote("a'b"), `'a'\\''b'`);
});

test('dotenv and env lines', () => {
  assert.equal(dotenvLine('A', 'plain $x'), "A='plain $x'\n");
  assert.equal(dotenvLine('A', 'it\'s\n"q" \\ $x'), 'A="it\'s\\n\\"q\\" \\\\ \\$x"\n');
  assert.equal(envLine('A', 'v=1'), 'A=v=1\n');
  assert.throws(() => envLine('A', 'two\nlines'), /spans several lines/);
  assert.equal(formatItems([{ envName: 'A', value: '1' }], 'json'), '{\n  "A": "1"\n}\n');
  assert.throws(() => formatItems([{ envName: 'api-key', value: '1' }], 'shell'), (e: unknown) => e instanceof CiError && /cannot export "api-key" in -format shell: not a valid variable name/.test(e.message));
});

test('GitHub mask commands: one per non-empty line, data escaped', () => {
  assert.equal(escapeCommandData('a%b\r\nc'), 'a%25b%0D%0Ac');
  assert.equal(githubMaskCommands(['x%y', 'l1\r\n\nl2', '']), '::add-mask::x%25y\n::add-mask::l1\n::add-mask::l2\n');
});

test('GitHub file entries use a fresh random delimiter found in neither name nor value', () => {
  const a = fileCommandEntry('N', 'v');
  const b = fileCommandEntry('N', 'v');
  assert.match(a, /^N<<ghadelimiter_[0-9a-f-]{36}\nv\nghadelimiter_[0-9a-f-]{36}\n$/);
  assert.notEqual(a, b);
  assert.throws(() => fileCommandEntry('A=B', 'v'), /invalid name/);
  assert.throws(() => fileCommandEntry('', 'v'), /invalid name/);
});

test('GitHub auto: masks on stdout before GITHUB_ENV and GITHUB_OUTPUT are written', async () => {
  const env = simEnv({ env: { GITHUB_ENV: '/gh/env', GITHUB_OUTPUT: '/gh/out' } });
  const report = await exportItems(env, 'github', items, { format: 'auto' });
  assert.deepEqual(report.destinations, ['GITHUB_ENV', 'GITHUB_OUTPUT']);
  assert.deepEqual(parseEnvFile(env.files.get('/gh/env') ?? ''), [['DB_PASSWORD', 'p@ss%word'], ['MULTI', tricky]]);
  assert.deepEqual(parseEnvFile(env.files.get('/gh/out') ?? ''), [['db_password', 'p@ss%word'], ['multi', tricky]]);
  for (const line of ['p@ss%25word', "it's $HOME `x` \\n", 'second line %250A']) assert.ok(env.stdoutText().includes(`::add-mask::${line}\n`), line);
  for (const v of ['p@ss%word', 'second line %0A']) {
    const mask = firstMask(env.events, escapeCommandData(v));
    const exposed = firstExposure(env.events, v);
    assert.ok(mask >= 0 && exposed > mask, `${v}: mask ${mask}, first exposure ${exposed}`);
  }
  // Nothing but masks on stdout.
  assert.ok(env.stdoutText().split('\n').every((l) => l === '' || l.startsWith('::add-mask::')));
});

test('GitHub auto with exportEnv false writes outputs only; without GITHUB_ENV falls back to stdout with a note', async () => {
  const env = simEnv({ env: { GITHUB_ENV: '/gh/env', GITHUB_OUTPUT: '/gh/out' } });
  await exportItems(env, 'github', items, { format: 'auto', exportEnv: false });
  assert.equal(env.files.has('/gh/env'), false);
  assert.equal(env.files.has('/gh/out'), true);
  const bare = simEnv({ env: {} });
  const report = await exportItems(bare, 'github', items.slice(0, 1), { format: 'auto' });
  assert.deepEqual(report.destinations, ['stdout (shell)']);
  assert.match(bare.stdoutText(), /::add-mask::p@ss%25word\nexport DB_PASSWORD='p@ss%word'\n/);
  assert.match(bare.stderrText(), /GITHUB_ENV is not set/);
});

test('GitHub with a stdout format: masks go to stderr, stdout holds only the data', async () => {
  const env = simEnv({ env: { GITHUB_ENV: '/gh/env' } });
  await exportItems(env, 'github', items, { format: 'json' });
  assert.deepEqual(JSON.parse(env.stdoutText()), { DB_PASSWORD: 'p@ss%word', MULTI: tricky });
  assert.match(env.stderrText(), /^::add-mask::p@ss%25word$/m);
  const maskAt = env.events.findIndex((e) => e.kind === 'stderr' && e.text.includes('::add-mask::'));
  const dataAt = env.events.findIndex((e) => e.kind === 'stdout');
  assert.ok(maskAt >= 0 && maskAt < dataAt);
  assert.equal(env.files.size, 0);
});

test('CircleCI auto: export lines appended to BASH_ENV; names checked before anything is written', async () => {
  const env = simEnv({ env: { BASH_ENV: '/tmp/bash_env' } });
  await exportItems(env, 'circleci', items, { format: 'auto' });
  assert.equal(env.files.get('/tmp/bash_env'), exportLine('DB_PASSWORD', 'p@ss%word') + exportLine('MULTI', tricky));
  assert.equal(env.stdoutText(), '');
  const bad = simEnv({ env: { BASH_ENV: '/tmp/b' } });
  await assert.rejects(exportItems(bad, 'circleci', [{ envName: '1X', value: 'v' }], { format: 'auto' }), /cannot export "1X"/);
  assert.equal(bad.events.length, 0);
});

test('Buildkite auto: redactor first (values on stdin), then env set as JSON on stdin', async () => {
  const env = simEnv({ run: () => ({ code: 0, stdout: '', stderr: '' }) });
  await exportItems(env, 'buildkite', items, { format: 'auto' });
  assert.deepEqual(
    env.runs.map((r) => r.args),
    [
      ['redactor', 'add', '--format', 'json'],
      ['env', 'set', '--input-format=json', '--output-format=quiet', '-'],
    ],
  );
  const redacted = Object.values(JSON.parse(env.runs[0].input) as Record<string, string>);
  assert.deepEqual(redacted, ['p@ss%word', "it's $HOME `x` \\n", 'second line %0A']);
  assert.deepEqual(JSON.parse(env.runs[1].input), { DB_PASSWORD: 'p@ss%word', MULTI: tricky });
  // Values never travel as arguments.
  assert.ok(env.runs.every((r) => r.args.every((a) => !a.includes('p@ss'))));
});

test('Buildkite: a failing redactor stops everything (fail closed)', async () => {
  const env = simEnv({ run: (r) => (r.args[0] === 'redactor' ? { code: 1, stdout: '', stderr: 'failed to parse secrets\n' } : { code: 0, stdout: '', stderr: '' }) });
  await assert.rejects(exportItems(env, 'buildkite', items, { format: 'auto' }), /buildkite-agent redactor add failed \(exit 1: failed to parse secrets\)/);
  assert.equal(env.runs.length, 1);
});

test('Azure: setsecret per line, setvariable with issecret, then export lines', async () => {
  assert.equal(escapeAzureData('a%b\nc'), 'a%AZP25b%0Ac');
  assert.equal(azureSetVariable('X', 'v;]', true), '##vso[task.setvariable variable=X;issecret=true]v;]\n');
  assert.equal(azureMaskCommands(['a\nb']), '##vso[task.setsecret]a\n##vso[task.setsecret]b\n');
  const env = simEnv();
  await exportItems(env, 'azure', [...items, { envName: 'ROLE', value: 'deploy', secret: false }], { format: 'auto' });
  const out = env.stdoutText();
  assert.ok(out.startsWith('##vso[task.setsecret]p@ss%AZP25word\n'));
  assert.match(out, /##vso\[task.setvariable variable=MULTI;issecret=true\]it's \$HOME `x` \\n%0Asecond line %AZP250A\n/);
  assert.match(out, /##vso\[task.setvariable variable=ROLE;issecret=false\]deploy\n/);
  assert.ok(!out.includes('##vso[task.setsecret]deploy'));
  assert.ok(out.indexOf('##vso[task.setsecret]') < out.indexOf('export DB_PASSWORD='));
});

test('GitLab, Bitbucket, Jenkins, generic: export lines on stdout, no masks', async () => {
  for (const p of ['gitlab', 'bitbucket', 'jenkins', 'generic'] as const) {
    const env = simEnv();
    await exportItems(env, p, items, { format: 'auto' });
    assert.equal(env.stdoutText(), exportLine('DB_PASSWORD', 'p@ss%word') + exportLine('MULTI', tricky), p);
  }
  const off = simEnv();
  await exportItems(off, 'gitlab', items, { format: 'auto', exportEnv: false });
  assert.equal(off.stdoutText(), '');
});

test('maskValues on platforms without a mechanism does nothing', async () => {
  const env = simEnv();
  await maskValues(env, 'circleci', ['x']);
  await maskValues(env, 'gitlab', ['x']);
  assert.equal(env.events.length, 0);
});

test('names no destination can carry are refused before anything is written', async () => {
  for (const envName of ['', 'A=B', 'A\nB']) {
    const env = simEnv({ env: { GITHUB_ENV: '/e' } });
    await assert.rejects(exportItems(env, 'github', [{ envName, value: 'v' }], { format: 'json' }), /not a usable variable name/);
    assert.equal(env.events.length, 0);
  }
});
