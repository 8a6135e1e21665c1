import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { KeepError } from '../../errors.ts';
import { GoTemplate, TemplateError, goSprintf } from './plugins/go-template.ts';
import { formatExpiration, formatGoLayout } from './plugins/go-time.ts';
import {
  MYSQL_LEGACY_USERNAME_TEMPLATE,
  MYSQL_USERNAME_TEMPLATE,
  POSTGRES_USERNAME_TEMPLATE,
  renderUsername,
  usernameTemplateProblem,
  validateUsernameTemplate,
} from './username-template.ts';

const T0 = Date.UTC(2024, 5, 10, 6, 13, 20, 123); // 2024-06-10T06:13:20.123Z, unix 1718000000
const clock = { nowMs: () => T0 };
const run = (tpl: string, data: Record<string, unknown> = { DisplayName: 'jwt-ci-project', RoleName: 'ci-readonly' }) =>
  new GoTemplate(tpl).execute(data, clock);
const vars = { displayName: 'jwt-ci-project', roleName: 'ci-readonly', unixTime: 1718000000 };

describe('default username templates', () => {
  it('postgres: v-<display 8>-<role 8>-<20 random>-<unix>, limit 63', () => {
    const u = renderUsername(POSTGRES_USERNAME_TEMPLATE, vars, 63);
    assert.match(u, /^v-jwt-ci-p-ci-reado-[A-Za-z0-9]{20}-1718000000$/);
  });

  it('mysql: cut to 32 characters', () => {
    const u = renderUsername(MYSQL_USERNAME_TEMPLATE, vars, 32);
    assert.match(u, /^v-jwt-ci-pro-ci-readonl-[A-Za-z0-9]{8}$/);
    assert.equal(u.length, 32);
  });

  it('mysql legacy variants: v-<role 4>-<random>, 16 characters', () => {
    const u = renderUsername(MYSQL_LEGACY_USERNAME_TEMPLATE, vars, 16);
    assert.match(u, /^v-ci-r-[A-Za-z0-9]{9}$/);
    assert.equal(u.length, 16);
  });

  it('two renders differ (random part)', () => {
    assert.notEqual(renderUsername(POSTGRES_USERNAME_TEMPLATE, vars, 63), renderUsername(POSTGRES_USERNAME_TEMPLATE, vars, 63));
  });
});

describe('renderUsername', () => {
  it('cuts the result to the plugin limit in bytes without splitting characters', () => {
    assert.equal(renderUsername('{{ .RoleName }}-{{ .DisplayName }}', vars, 16), 'ci-readonly-jwt-');
    assert.equal(renderUsername('ééé', vars, 5), 'éé');
  });

  it('fails on an empty result and on execution errors', () => {
    assert.throws(() => renderUsername('{{ .DisplayName | truncate 0 }}', vars, 63), /unable to generate username: .*max length must be > 0/);
    assert.throws(() => renderUsername('{{ "" }}', vars, 63), /empty username/);
  });

  it('keeps hostile display names as data (escaping is the statements\' job)', () => {
    const hostile = { ...vars, displayName: `x"; DROP ROLE postgres; --` };
    assert.match(renderUsername('{{ .DisplayName }}', hostile, 63), /^x"; DROP ROLE postgres; --$/);
  });
});

describe('template functions', () => {
  it('random N: N characters of [A-Za-z0-9]', () => {
    assert.match(run('{{ random 20 }}'), /^[A-Za-z0-9]{20}$/);
    assert.equal(run('{{ random 0 }}'), '');
  });

  it('truncate N (piped and direct), N <= 0 fails', () => {
    assert.equal(run('{{ .RoleName | truncate 5 }}'), 'ci-re');
    assert.equal(run('{{ truncate 50 .RoleName }}'), 'ci-readonly');
    assert.throws(() => run('{{ truncate -1 "x" }}'), /max length must be > 0 but was -1/);
  });

  it('truncate_sha256 N: head plus 8 hex chars of the hash of the cut tail', () => {
    const s = 'abcdefghijklmnopqrstuvwxyz';
    const expected = s.slice(0, 12) + createHash('sha256').update(s.slice(12)).digest('hex').slice(0, 8);
    assert.equal(run(`{{ "${s}" | truncate_sha256 20 }}`), expected);
    assert.equal(run('{{ "short" | truncate_sha256 20 }}'), 'short');
    assert.throws(() => run('{{ "abc" | truncate_sha256 8 }}'), /max length must be > 8 but was 8/);
  });

  it('uppercase, lowercase, replace', () => {
    assert.equal(run('{{ .RoleName | uppercase }}'), 'CI-READONLY');
    assert.equal(run('{{ "AbC" | lowercase }}'), 'abc');
    assert.equal(run('{{ .RoleName | replace "-" "_" }}'), 'ci_readonly');
    assert.equal(run('{{ "ab" | replace "" "-" }}'), '-a-b-');
  });

  it('sha256, base64, decode_base64, hex, decode_hex', () => {
    assert.equal(run('{{ "x" | sha256 }}'), createHash('sha256').update('x').digest('hex'));
    assert.equal(run('{{ "hello" | base64 }}'), 'aGVsbG8=');
    assert.equal(run('{{ "aGVsbG8=" | decode_base64 }}'), 'hello');
    assert.equal(run('{{ "hi" | hex }}'), '6869');
    assert.equal(run('{{ "6869" | decode_hex }}'), 'hi');
    assert.throws(() => run('{{ "zz" | decode_hex }}'), /invalid byte/);
    assert.throws(() => run('{{ "@@" | decode_base64 }}'), /illegal base64/);
  });

  it('uuid', () => {
    assert.match(run('{{ uuid }}'), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('glob', () => {
    assert.equal(run('{{ if glob "ci-*" .RoleName }}yes{{ else }}no{{ end }}'), 'yes');
    assert.equal(run('{{ glob "prod-?" "prod-12" }}'), 'false');
  });

  it('unix_time, unix_time_millis, timestamp', () => {
    assert.equal(run('{{ unix_time }}'), '1718000000');
    assert.equal(run('{{ unix_time_millis }}'), '1718000000123');
    assert.equal(run('{{ timestamp "2006-01-02T15:04:05Z07:00" }}'), '2024-06-10T06:13:20Z');
    assert.equal(run('{{ timestamp "20060102150405" }}'), '20240610061320');
  });

  it('printf, print, eq/ne/lt, and/or/not, len', () => {
    assert.equal(run('{{ printf "%s-%d-%q-%v" "a" 5 "b" true }}'), 'a-5-"b"-true');
    assert.equal(run('{{ printf "%s" }}'), '%!s(MISSING)');
    assert.equal(run('{{ printf "%s" "a" "b" }}'), 'a%!(EXTRA string=b)');
    assert.equal(run('{{ print "a" "b" }}'), 'ab');
    assert.equal(run('{{ if eq .RoleName "x" "ci-readonly" }}1{{ end }}'), '1');
    assert.equal(run('{{ ne 1 2 }}{{ lt 1 2 }}'), 'truetrue');
    assert.equal(run('{{ and "a" "" }}|{{ or "" "b" }}|{{ not "" }}'), '|b|true');
    assert.equal(run('{{ len .RoleName }}'), '11');
    assert.throws(() => run('{{ eq "a" 1 }}'), /incompatible types/);
  });

  it('if / else if / else / end and trim markers', () => {
    const tpl = '{{ if (eq .Type "STS") }}sts{{ else if eq .Type "IAM" }}iam{{ else }}other{{ end }}';
    assert.equal(run(tpl, { Type: 'STS' }), 'sts');
    assert.equal(run(tpl, { Type: 'IAM' }), 'iam');
    assert.equal(run(tpl, { Type: 'x' }), 'other');
    assert.equal(run('a  {{- "b" -}}  c'), 'abc');
    assert.equal(run('a{{/* comment */}}b'), 'ab');
  });

  it('runs the AWS default template shape', () => {
    const aws =
      '{{ if (eq .Type "STS") }}{{ printf "vault-%s-%s" (unix_time) (random 20) | truncate 32 }}{{ else }}{{ printf "vault-%s-%s-%s" (printf "%s-%s" (.DisplayName) (.PolicyName) | truncate 42) (unix_time) (random 20) | truncate 64 }}{{ end }}';
    assert.match(run(aws, { Type: 'STS', DisplayName: 'd', PolicyName: 'p' }), /^vault-1718000000-[A-Za-z0-9]{15}$/);
    assert.match(run(aws, { Type: 'IAM', DisplayName: 'jwt-ci', PolicyName: 'deploy' }), /^vault-jwt-ci-deploy-1718000000-[A-Za-z0-9]{20}$/);
  });
});

describe('template errors', () => {
  it('parse errors', () => {
    assert.throws(() => new GoTemplate('{{ nope }}'), (e: unknown) => e instanceof TemplateError && e.message === 'template: template:1: function "nope" not defined');
    assert.throws(() => new GoTemplate('{{ .A '), /unclosed action/);
    assert.throws(() => new GoTemplate('{{ if .A }}x'), /unexpected EOF/);
    assert.throws(() => new GoTemplate('{{ end }}'), /unexpected \{\{end\}\}/);
    assert.throws(() => new GoTemplate('{{ range .A }}{{ end }}'), /not supported/);
    assert.throws(() => new GoTemplate('{{ $x := 1 }}'), /variables are not supported/);
    assert.throws(() => new GoTemplate('{{ "abc }}'), /unterminated quoted string|unclosed action/);
    assert.throws(() => new GoTemplate(''), /missing template/);
  });

  it('execution errors', () => {
    assert.throws(() => run('{{ .Missing }}'), /can't evaluate field Missing/);
    assert.throws(() => run('{{ "a" | "b" }}'), /can't give argument to non-function/);
    assert.throws(() => run('{{ truncate "x" "y" }}'), /expected int/);
    assert.throws(() => run('{{ uppercase 5 }}'), /expected string/);
    assert.throws(() => run('{{ random }}'), /wrong number of args/);
  });
});

describe('validateUsernameTemplate', () => {
  it('accepts the defaults and an empty template (plugin default)', () => {
    for (const t of [POSTGRES_USERNAME_TEMPLATE, MYSQL_USERNAME_TEMPLATE, MYSQL_LEGACY_USERNAME_TEMPLATE, '']) validateUsernameTemplate(t);
  });

  it('rejects bad templates with 400 and Vault wording', () => {
    const check = (tpl: string, re: RegExp) =>
      assert.throws(
        () => validateUsernameTemplate(tpl),
        (e: unknown) => e instanceof KeepError && e.status === 400 && re.test(e.message),
      );
    check('{{ nope }}', /^unable to initialize username template: unable to parse template: template: template:1: function "nope" not defined$/);
    check('{{ .RoleName | truncate 0 }}', /^invalid username template: unable to apply template: .*max length must be > 0/);
    check('{{ .PolicyName }}', /^invalid username template: .*can't evaluate field PolicyName/);
    assert.equal(usernameTemplateProblem('{{ .RoleName }}'), undefined);
  });
});

describe('Go layouts', () => {
  const d = new Date(T0);
  it('formats the common elements in UTC', () => {
    assert.equal(formatGoLayout(d, 'Mon Jan _2 15:04:05 MST 2006'), 'Mon Jun 10 06:13:20 UTC 2024');
    assert.equal(formatGoLayout(d, 'Monday January 2 3:4:5 PM 06'), 'Monday June 10 6:13:20 AM 24');
    assert.equal(formatGoLayout(d, '2006-01-02T15:04:05.000Z07:00'), '2024-06-10T06:13:20.123Z');
    assert.equal(formatGoLayout(d, '15:04:05.999999'), '06:13:20.123');
    assert.equal(formatGoLayout(d, '002'), '162');
  });

  it('formats {{expiration}} as 2006-01-02 15:04:05-0700', () => {
    assert.equal(formatExpiration(d), '2024-06-10 06:13:20+0000');
  });

  it('goSprintf pads widths', () => {
    assert.equal(goSprintf('%5s|%-3d|%03d', ['ab', 7, 7]), '   ab|7  |007');
  });
});
