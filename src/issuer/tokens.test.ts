import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFixture, PLATFORMS } from './platforms.ts';
import { MintError, applyClaimArgs, buildClaims, coerceClaimValue } from './tokens.ts';

const ISS = 'http://127.0.0.1:8300/github';
const NOW = 1_800_000_000;

test('coerceClaimValue keeps the type of an existing claim', () => {
  assert.equal(coerceClaimValue('run_attempt', '1', '2'), '2');
  assert.equal(coerceClaimValue('build_number', 318, '7'), 7);
  assert.equal(coerceClaimValue('ssh-rerun', false, 'true'), true);
  assert.deepEqual(coerceClaimValue('context-ids', ['a'], 'b'), ['b']);
  assert.deepEqual(coerceClaimValue('context-ids', ['a'], '["b","c"]'), ['b', 'c']);
  assert.deepEqual(coerceClaimValue('kubernetes.io', { a: 1 }, '{"namespace":"x"}'), { namespace: 'x' });
  // A claim that was null (Buildkite's step_key) or absent is JSON-typed when it parses.
  assert.equal(coerceClaimValue('step_key', null, 'deploy'), 'deploy');
  assert.equal(coerceClaimValue('new', undefined, '42'), 42);
  assert.equal(coerceClaimValue('new', undefined, 'true'), true);
  assert.equal(coerceClaimValue('new', undefined, 'refs/heads/x'), 'refs/heads/x');
});

test('coerceClaimValue rejects text that does not fit the claim type', () => {
  assert.throws(() => coerceClaimValue('build_number', 318, 'abc'), (e: unknown) => e instanceof MintError && /build_number.*is a number/.test(e.message));
  assert.throws(() => coerceClaimValue('build_number', 318, ''), MintError);
  assert.throws(() => coerceClaimValue('ssh-rerun', false, 'yes'), /is a boolean/);
  assert.throws(() => coerceClaimValue('kubernetes.io', { a: 1 }, 'plain'), /is an object/);
});

test('applyClaimArgs: k=v, k:=json, and malformed arguments', () => {
  const c: Record<string, unknown> = { run_attempt: '1', build_number: 3 };
  assert.deepEqual(applyClaimArgs(c, ['run_attempt=2', 'build_number:="318"', 'x:=[1,2]', 'agent_tag:queue=default']), ['run_attempt', 'build_number', 'x', 'agent_tag:queue']);
  assert.deepEqual(c, { run_attempt: '2', build_number: '318', x: [1, 2], 'agent_tag:queue': 'default' });
  assert.throws(() => applyClaimArgs({}, ['novalue']), /format must be name=value/);
  assert.throws(() => applyClaimArgs({}, ['=v']), /format must be name=value/);
  assert.throws(() => applyClaimArgs({}, ['x:={bad']), /must be JSON/);
});

test('buildClaims fills iss, iat, nbf (with the platform skew), exp and a fresh jti', () => {
  const f = loadFixture('github');
  const c = buildClaims('github', f, ISS, { now: NOW });
  assert.equal(c.iss, ISS);
  assert.equal(c.iat, NOW);
  assert.equal(c.nbf, NOW - 600);
  assert.equal(c.exp, NOW + 300);
  assert.equal(c.aud, 'https://github.com/keepdemo');
  assert.match(String(c.jti), /^[0-9a-f-]{36}$/);
  assert.notEqual(c.jti, f.claims.jti);
  const again = buildClaims('github', f, ISS, { now: NOW });
  assert.notEqual(again.jti, c.jti);
  // The fixture itself is untouched.
  assert.equal(f.claims.iat, 0);
});

test('buildClaims per platform: lifetimes, nbf only where the platform sends it, no invented jti', () => {
  for (const p of PLATFORMS) {
    const f = loadFixture(p);
    const c = buildClaims(p, f, `http://x/${p}`, { now: NOW });
    assert.equal(c.iss, `http://x/${p}`, p);
    assert.equal(c.iat, NOW, p);
    assert.equal(c.exp, NOW + f.lifetime_seconds, p);
    assert.equal('nbf' in c, 'nbf' in f.claims, `${p} nbf presence`);
    if ('nbf' in c) assert.equal(c.nbf, NOW - (f.nbf_skew_seconds ?? 0), p);
    assert.equal('jti' in c, 'jti' in f.claims, `${p} jti presence`);
  }
  assert.equal(buildClaims('gitlab', loadFixture('gitlab'), ISS, { now: NOW }).nbf, NOW - 5);
  assert.equal(typeof buildClaims('buildkite', loadFixture('buildkite'), ISS, { now: NOW }).build_number, 'number');
});

test('buildClaims: aud override keeps a list a list; several audiences give a list', () => {
  assert.equal(buildClaims('github', loadFixture('github'), ISS, { aud: 'https://keep.example.com' }).aud, 'https://keep.example.com');
  assert.deepEqual(buildClaims('kubernetes', loadFixture('kubernetes'), ISS, { aud: 'a' }).aud, ['a']);
  assert.deepEqual(buildClaims('github', loadFixture('github'), ISS, { aud: ['a', 'b'] }).aud, ['a', 'b']);
});

test('buildClaims: overrides keep fixture types; removals; ttl; explicit time claims win', () => {
  const c = buildClaims('github', loadFixture('github'), ISS, { now: NOW, claimArgs: ['run_attempt=2', 'extra=7'], remove: ['check_run_id', 'nbf'], ttl: '10m' });
  assert.equal(c.run_attempt, '2');
  assert.equal(c.extra, 7);
  assert.equal('check_run_id' in c, false);
  assert.equal('nbf' in c, false);
  assert.equal(c.exp, NOW + 600);
  const expired = buildClaims('github', loadFixture('github'), ISS, { now: NOW, ttl: '-5m' });
  assert.equal(expired.exp, NOW - 300);
  const fixed = buildClaims('github', loadFixture('github'), ISS, { now: NOW, claims: { exp: 5, iss: 'https://elsewhere', jti: 'same' } });
  assert.equal(fixed.exp, 5);
  assert.equal(fixed.iss, 'https://elsewhere');
  assert.equal(fixed.jti, 'same');
  assert.throws(() => buildClaims('github', loadFixture('github'), ISS, { ttl: 'soon' }), /invalid ttl/);
});

test('buildClaims: GitHub sub and ref_type follow an overridden ref; an explicit sub wins', () => {
  const f = loadFixture('github');
  const feature = buildClaims('github', f, ISS, { claimArgs: ['ref=refs/heads/feature-x'] });
  assert.equal(feature.sub, 'repo:keepdemo/payments-api:ref:refs/heads/feature-x');
  assert.equal(feature.ref_type, 'branch');
  const tag = buildClaims('github', f, ISS, { claimArgs: ['ref=refs/tags/v2'] });
  assert.equal(tag.ref_type, 'tag');
  assert.equal(tag.sub, 'repo:keepdemo/payments-api:ref:refs/tags/v2');
  const env = buildClaims('github', f, ISS, { claimArgs: ['environment=prod:eu'] });
  assert.equal(env.sub, 'repo:keepdemo/payments-api:environment:prod%3Aeu');
  const explicit = buildClaims('github', f, ISS, { claimArgs: ['ref=refs/heads/x', 'sub=custom'] });
  assert.equal(explicit.sub, 'custom');
  // A custom sub template (not the default shape) is left alone.
  const custom = buildClaims('github', f, ISS, { variant: 'custom_sub_template_repo_context_job_workflow_ref', claimArgs: ['ref=refs/heads/x'] });
  assert.match(String(custom.sub), /job_workflow_ref:/);
});

test('buildClaims: GitLab and Buildkite derived claims follow the branch', () => {
  const gl = buildClaims('gitlab', loadFixture('gitlab'), ISS, { claimArgs: ['ref=feature-x'] });
  assert.equal(gl.ref_path, 'refs/heads/feature-x');
  assert.equal(gl.sub, 'project_path:keepdemo/payments-api:ref_type:branch:ref:feature-x');
  const bk = buildClaims('buildkite', loadFixture('buildkite'), ISS, { claimArgs: ['build_branch=feature-x'] });
  assert.match(String(bk.sub), /:ref:refs\/heads\/feature-x:commit:/);
});

test('buildClaims: variants overlay and remove claims; unknown variant lists the valid ones', () => {
  const pr = buildClaims('github', loadFixture('github'), ISS, { variant: 'pull_request' });
  assert.equal(pr.event_name, 'pull_request');
  assert.equal(pr.sub, 'repo:keepdemo/payments-api:pull_request');
  const sc = buildClaims('azure', loadFixture('azure'), ISS, { variant: 'service_connection_token' });
  assert.equal('rpo_ref' in sc, false);
  assert.equal('_remove' in sc, false);
  assert.throws(() => buildClaims('github', loadFixture('github'), ISS, { variant: 'nope' }), /unknown variant "nope".*pull_request/);
});
