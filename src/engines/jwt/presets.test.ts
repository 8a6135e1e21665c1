import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeepError } from '../../errors.ts';
import { PRESET_NAMES, isLoopbackHost, presetParamWarnings, resolvePreset } from './presets.ts';
import type { PresetParams } from './presets.ts';

/** issuer and discovery_url of the shared claim fixtures (shared/fixtures/claims/<name>.json). */
const FIXTURES: Record<string, { issuer: string; discovery_url: string }> = {
  'github-actions': {
    issuer: 'https://token.actions.githubusercontent.com',
    discovery_url: 'https://token.actions.githubusercontent.com/.well-known/openid-configuration',
  },
  'gitlab-ci': { issuer: 'https://gitlab.com', discovery_url: 'https://gitlab.com/.well-known/openid-configuration' },
  circleci: {
    issuer: 'https://oidc.circleci.com/org/6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    discovery_url: 'https://oidc.circleci.com/org/6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/.well-known/openid-configuration',
  },
  buildkite: {
    issuer: 'https://agent.buildkite.com',
    discovery_url: 'https://agent.buildkite.com/.well-known/openid-configuration',
  },
  'bitbucket-pipelines': {
    issuer: 'https://api.bitbucket.org/2.0/workspaces/keepdemo/pipelines-config/identity/oidc',
    discovery_url:
      'https://api.bitbucket.org/2.0/workspaces/keepdemo/pipelines-config/identity/oidc/.well-known/openid-configuration',
  },
};
const fixture = (name: string) => FIXTURES[name];

function rejects(p: PresetParams, message: string | RegExp, field: string) {
  assert.throws(
    () => resolvePreset(p),
    (e: unknown) => {
      assert.ok(e instanceof KeepError);
      assert.equal(e.status, 400);
      if (typeof message === 'string') assert.equal(e.message, message);
      else assert.match(e.message, message);
      assert.deepEqual(e.extra, { field });
      return true;
    },
  );
}

/** The discovery URL a preset implies (Vault's oidc_discovery_url + the well-known path). */
const discoveryDoc = (base: string) => `${base}/.well-known/openid-configuration`;

test('github and buildkite need no parameter', () => {
  assert.deepEqual(resolvePreset({ preset: 'github' }), {
    platform: 'github',
    issuer: 'https://token.actions.githubusercontent.com',
    oidc_discovery_url: 'https://token.actions.githubusercontent.com',
  });
  assert.deepEqual(resolvePreset({ preset: 'buildkite' }), {
    platform: 'buildkite',
    issuer: 'https://agent.buildkite.com',
    oidc_discovery_url: 'https://agent.buildkite.com',
  });
});

test('presets agree with the claim fixtures (issuer and discovery URL)', () => {
  const cases: [PresetParams, string][] = [
    [{ preset: 'github' }, 'github-actions'],
    [{ preset: 'gitlab', gitlab_url: 'https://gitlab.com' }, 'gitlab-ci'],
    [{ preset: 'circleci', org_id: '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' }, 'circleci'],
    [{ preset: 'buildkite' }, 'buildkite'],
    [{ preset: 'bitbucket', workspace: 'keepdemo' }, 'bitbucket-pipelines'],
  ];
  for (const [params, name] of cases) {
    const f = fixture(name);
    const facts = resolvePreset(params);
    assert.equal(facts.issuer, f.issuer, name);
    assert.equal(discoveryDoc(facts.oidc_discovery_url as string), f.discovery_url, name);
    assert.equal(facts.jwks_url, undefined, name);
  }
});

test('gitlab: issuer is gitlab_url without trailing slash', () => {
  assert.deepEqual(resolvePreset({ preset: 'gitlab', gitlab_url: 'https://gitlab.example.com/' }), {
    platform: 'gitlab',
    issuer: 'https://gitlab.example.com',
    oidc_discovery_url: 'https://gitlab.example.com',
  });
  assert.equal(resolvePreset({ preset: 'gitlab', gitlab_url: 'https://example.com/gitlab//' }).issuer, 'https://example.com/gitlab');
  assert.equal(resolvePreset({ preset: 'gitlab', gitlab_url: 'https://gitlab.example.com:8443' }).issuer, 'https://gitlab.example.com:8443');
  assert.equal(resolvePreset({ preset: 'gitlab', gitlab_url: 'http://127.0.0.1:8929' }).issuer, 'http://127.0.0.1:8929');
  assert.equal(resolvePreset({ preset: 'gitlab', gitlab_url: 'http://localhost:8929/' }).issuer, 'http://localhost:8929');
  assert.equal(resolvePreset({ preset: 'gitlab', gitlab_url: 'http://[::1]:8929' }).issuer, 'http://[::1]:8929');
});

test('gitlab: gitlab_url is required and must be https (http only on loopback)', () => {
  rejects({ preset: 'gitlab' }, 'preset "gitlab" requires gitlab_url', 'gitlab_url');
  rejects({ preset: 'gitlab', gitlab_url: '  ' }, 'preset "gitlab" requires gitlab_url', 'gitlab_url');
  const https = /^preset "gitlab": gitlab_url must be an https URL \(http only for loopback hosts\), got "/;
  rejects({ preset: 'gitlab', gitlab_url: 'http://gitlab.example.com' }, https, 'gitlab_url');
  rejects({ preset: 'gitlab', gitlab_url: 'gitlab.example.com' }, https, 'gitlab_url');
  rejects({ preset: 'gitlab', gitlab_url: 'ftp://gitlab.example.com' }, https, 'gitlab_url');
  rejects({ preset: 'gitlab', gitlab_url: 'https://user:pw@gitlab.example.com' }, https, 'gitlab_url');
  rejects({ preset: 'gitlab', gitlab_url: 'https://gitlab.example.com/?x=1' }, https, 'gitlab_url');
  rejects({ preset: 'gitlab', gitlab_url: 'https://gitlab.example.com/#top' }, https, 'gitlab_url');
  rejects({ preset: 'gitlab', gitlab_url: 'http://127.0.0.1.example.com' }, https, 'gitlab_url');
});

test('circleci: org_id is required and must be a UUID', () => {
  assert.deepEqual(resolvePreset({ preset: 'circleci', org_id: '6F1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D' }), {
    platform: 'circleci',
    issuer: 'https://oidc.circleci.com/org/6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    oidc_discovery_url: 'https://oidc.circleci.com/org/6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  });
  rejects({ preset: 'circleci' }, 'preset "circleci" requires org_id', 'org_id');
  rejects({ preset: 'circleci', org_id: '' }, 'preset "circleci" requires org_id', 'org_id');
  rejects(
    { preset: 'circleci', org_id: 'keepdemo' },
    'preset "circleci": org_id must be a UUID (the CircleCI organization id), got "keepdemo"',
    'org_id',
  );
  rejects({ preset: 'circleci', org_id: '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/../x' }, /org_id must be a UUID/, 'org_id');
});

test('bitbucket: workspace is required and must be a slug', () => {
  assert.deepEqual(resolvePreset({ preset: 'bitbucket', workspace: 'keepdemo' }), {
    platform: 'bitbucket',
    issuer: 'https://api.bitbucket.org/2.0/workspaces/keepdemo/pipelines-config/identity/oidc',
    oidc_discovery_url: 'https://api.bitbucket.org/2.0/workspaces/keepdemo/pipelines-config/identity/oidc',
  });
  rejects({ preset: 'bitbucket' }, 'preset "bitbucket" requires workspace', 'workspace');
  rejects({ preset: 'bitbucket', workspace: 'a/b' }, /^preset "bitbucket": workspace must be the workspace slug/, 'workspace');
  rejects({ preset: 'bitbucket', workspace: '{922e118c-f34f}' }, /workspace must be the workspace slug/, 'workspace');
});

test('unknown preset lists the known ones', () => {
  rejects(
    { preset: 'jenkins' },
    'unknown preset "jenkins"; known presets: github, gitlab, circleci, buildkite, bitbucket',
    'preset',
  );
  rejects({ preset: '' }, /^unknown preset ""; known presets: /, 'preset');
  rejects({ preset: 'GitHub' }, /^unknown preset "GitHub"/, 'preset');
  assert.deepEqual([...PRESET_NAMES], ['github', 'gitlab', 'circleci', 'buildkite', 'bitbucket']);
});

test('parameters a preset does not use are ignored, with a warning available', () => {
  assert.equal(resolvePreset({ preset: 'github', org_id: 'x', gitlab_url: 'nope' }).issuer, 'https://token.actions.githubusercontent.com');
  assert.deepEqual(presetParamWarnings({ preset: 'github', org_id: 'x', workspace: '' }), ['preset "github" does not use org_id; it was ignored']);
  assert.deepEqual(presetParamWarnings({ preset: 'gitlab', gitlab_url: 'https://gitlab.com' }), []);
  assert.deepEqual(presetParamWarnings({ preset: 'nope', org_id: 'x' }), []);
});

test('loopback hosts', () => {
  for (const h of ['localhost', 'LOCALHOST', 'api.localhost', '127.0.0.1', '127.1.2.3', '[::1]']) assert.ok(isLoopbackHost(h), h);
  for (const h of ['example.com', '10.0.0.1', '127.0.0.1.nip.io', 'localhost.example.com', '[::2]']) assert.ok(!isLoopbackHost(h), h);
});
