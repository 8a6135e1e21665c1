import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributionMetadata, isPlatform, PLATFORMS, recognisePlatform, stableIdClaims } from './attribution.ts';
import type { Platform } from './attribution.ts';

/**
 * The `claims` of shared/fixtures/claims/<platform>.json (copied: the fixtures live outside this
 * repository). Variants are written as overlays in the tests below.
 */
const FIXTURES: Record<Platform, Record<string, unknown>> = {
  github: {
    "jti": "b4f1e7a2-3c9d-4e58-a0b6-5d2c8f1e9a37",
    "sub": "repo:keepdemo/payments-api:ref:refs/heads/main",
    "aud": "https://github.com/keepdemo",
    "ref": "refs/heads/main",
    "sha": "2f7c9e4b1a8d3f6e0c5b9a7d4e1f8c2b6a3d0e9f",
    "repository": "keepdemo/payments-api",
    "repository_owner": "keepdemo",
    "repository_owner_id": "81234567",
    "repository_id": "734500112",
    "repository_visibility": "private",
    "run_id": "11223344556",
    "run_number": "87",
    "run_attempt": "1",
    "runner_environment": "github-hosted",
    "actor": "dev-alice",
    "actor_id": "90345678",
    "workflow": "Deploy",
    "workflow_ref": "keepdemo/payments-api/.github/workflows/deploy.yml@refs/heads/main",
    "workflow_sha": "2f7c9e4b1a8d3f6e0c5b9a7d4e1f8c2b6a3d0e9f",
    "job_workflow_ref": "keepdemo/payments-api/.github/workflows/deploy.yml@refs/heads/main",
    "job_workflow_sha": "2f7c9e4b1a8d3f6e0c5b9a7d4e1f8c2b6a3d0e9f",
    "head_ref": "",
    "base_ref": "",
    "event_name": "push",
    "ref_type": "branch",
    "check_run_id": "31415926535",
    "iss": "https://token.actions.githubusercontent.com",
    "nbf": 0,
    "exp": 0,
    "iat": 0,
  },
  gitlab: {
    "namespace_id": "44001234",
    "namespace_path": "keepdemo",
    "project_id": "55000111",
    "project_path": "keepdemo/payments-api",
    "job_namespace_id": "44001234",
    "job_namespace_path": "keepdemo",
    "job_project_id": "55000111",
    "job_project_path": "keepdemo/payments-api",
    "user_id": "1200345",
    "user_login": "dev-alice",
    "user_email": "alice@keepdemo.example",
    "user_access_level": "maintainer",
    "pipeline_id": "1400000001",
    "pipeline_source": "push",
    "job_id": "8200000001",
    "ref": "main",
    "ref_type": "branch",
    "ref_path": "refs/heads/main",
    "ref_protected": "true",
    "environment": "production",
    "environment_protected": "true",
    "deployment_tier": "production",
    "environment_action": "start",
    "runner_id": 12270835,
    "runner_environment": "gitlab-hosted",
    "sha": "714c2e9f0b3d5a7c9e1f2a4b6c8d0e2f4a6b8c0d",
    "project_visibility": "private",
    "ci_config_ref_uri": "gitlab.com/keepdemo/payments-api//.gitlab-ci.yml@refs/heads/main",
    "ci_config_sha": "714c2e9f0b3d5a7c9e1f2a4b6c8d0e2f4a6b8c0d",
    "jti": "235b3a54-b797-45c7-ae9a-f72d7bc6ef5b",
    "iss": "https://gitlab.com",
    "iat": 0,
    "nbf": 0,
    "exp": 0,
    "sub": "project_path:keepdemo/payments-api:ref_type:branch:ref:main",
    "aud": "https://keep.example.com",
  },
  circleci: {
    "iss": "https://oidc.circleci.com/org/6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "sub": "org/6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/project/3a2f5b1c-7d4e-4f6a-9b8c-0d1e2f3a4b5c/user/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9/vcs-origin/github.com/keepdemo/payments-api/vcs-ref/refs/heads/main",
    "aud": "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "iat": 0,
    "exp": 0,
    "oidc.circleci.com/org-id": "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "oidc.circleci.com/project-id": "3a2f5b1c-7d4e-4f6a-9b8c-0d1e2f3a4b5c",
    "oidc.circleci.com/vcs-origin": "github.com/keepdemo/payments-api",
    "oidc.circleci.com/vcs-ref": "refs/heads/main",
    "oidc.circleci.com/context-ids": ["7b6a5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d"],
    "oidc.circleci.com/ssh-rerun": false,
    "oidc.circleci.com/pipeline-id": "9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f",
    "oidc.circleci.com/pipeline-definition-id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "oidc.circleci.com/workflow-id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
    "oidc.circleci.com/job-id": "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9",
  },
  buildkite: {
    "iss": "https://agent.buildkite.com",
    "sub": "organization:keepdemo:pipeline:payments-api:ref:refs/heads/main:commit:9f3c82a61f1e2cca4702c368cbc039b7dc9d4485:step:deploy",
    "aud": "https://buildkite.com/keepdemo",
    "iat": 0,
    "nbf": 0,
    "exp": 0,
    "organization_slug": "keepdemo",
    "pipeline_slug": "payments-api",
    "build_number": 318,
    "build_branch": "main",
    "build_commit": "9f3c82a61f1e2cca4702c368cbc039b7dc9d4485",
    "step_key": "deploy",
    "job_id": "0190a4c2-477b-4fa8-9968-496074483cee",
    "agent_id": "0190a4c2-4782-42b5-afc1-16715b10b8ff",
    "build_source": "webhook",
    "runner_environment": "self-hosted",
  },
  bitbucket: {
    "sub": "{1de489be-ce6a-42a0-a8c8-eadbf1174ac7}:{bd715740-c970-486b-b68a-b421ec2a1f8b}:{759de0c6-eaee-4eaa-b7a6-c507eec759a7}",
    "aud": "ari:cloud:bitbucket::workspace/922e118c-f34f-4226-a897-0e0afbec553d",
    "stepUuid": "{759de0c6-eaee-4eaa-b7a6-c507eec759a7}",
    "deploymentEnvironmentUuid": "{bd715740-c970-486b-b68a-b421ec2a1f8b}",
    "iss": "https://api.bitbucket.org/2.0/workspaces/keepdemo/pipelines-config/identity/oidc",
    "repositoryUuid": "{1de489be-ce6a-42a0-a8c8-eadbf1174ac7}",
    "branchName": "main",
    "exp": 0,
    "iat": 0,
    "pipelineUuid": "{c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f}",
    "workspaceUuid": "{922e118c-f34f-4226-a897-0e0afbec553d}",
  },
  azure: {
    "jti": "90b75b0a-61b6-4b71-ba6f-11107d95f4c5",
    "sub": "p://keepdemo/Payments/payments-api-ci",
    "aud": "api://AzureADTokenExchange",
    "org_id": "0ca3ddd9-f0b0-4635-a98c-5866526961b6",
    "prj_id": "271ef6f7-5998-4b0f-86fb-4b54d9129990",
    "def_id": "42",
    "rpo_id": "b6c1d2e3-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
    "rpo_uri": "https://dev.azure.com/keepdemo/Payments/_git/payments-api",
    "rpo_ver": "c291ea713801eb300054d353d279e7b02331f671",
    "rpo_ref": "refs/heads/main",
    "run_id": "1207",
    "iss": "https://vstoken.dev.azure.com/0ca3ddd9-f0b0-4635-a98c-5866526961b6",
    "nbf": 0,
    "exp": 0,
    "iat": 0,
  },
  jenkins: {
    "iss": "https://jenkins.keepdemo.example/oidc",
    "aud": "https://keep.example.com",
    "exp": 0,
    "iat": 0,
    "sub": "https://jenkins.keepdemo.example/job/payments/job/payments-api/job/main/",
    "build_number": 57,
  },
  gcb: {
    "aud": "https://keep.example.com",
    "azp": "104857612345678901234",
    "email": "keep-ci@keepdemo-prod.iam.gserviceaccount.com",
    "email_verified": true,
    "exp": 0,
    "iat": 0,
    "iss": "https://accounts.google.com",
    "sub": "104857612345678901234",
  },
  kubernetes: {
    "aud": ["https://keep.example.com"],
    "exp": 0,
    "iat": 0,
    "nbf": 0,
    "iss": "https://kubernetes.default.svc.cluster.local",
    "jti": "6f0c7d2e-1b3a-4c5d-9e8f-7a6b5c4d3e2f",
    "kubernetes.io": {"namespace": "ci-pipelines", "node": {"name": "worker-3", "uid": "3c2b1a09-8f7e-4d6c-b5a4-938271605f4e"}, "pod": {"name": "payments-deploy-run-x7k2p-fetch-secrets-pod", "uid": "900f80ed-bafe-49f0-9ae2-c5f0a3ac2cbe"}, "serviceaccount": {"name": "payments-deployer", "uid": "a709ef71-30e2-489a-bd19-ade97031b9db"}},
    "sub": "system:serviceaccount:ci-pipelines:payments-deployer",
  },
};

/** A fixture variant: shallow overlay, `_remove` deletes claims (fixture schema, spec section 12). */
function variant(p: Platform, overlay: Record<string, unknown>, remove: string[] = []): Record<string, unknown> {
  const c: Record<string, unknown> = { ...FIXTURES[p], ...overlay };
  for (const k of remove) delete c[k];
  return c;
}

// ---------------------------------------------------------------------------------------------
// recognisePlatform

test('recognises the well-known issuers of the fixtures', () => {
  const expected: Record<Platform, Platform | undefined> = {
    github: 'github',
    gitlab: 'gitlab',
    circleci: 'circleci',
    buildkite: 'buildkite',
    bitbucket: 'bitbucket',
    azure: 'azure',
    jenkins: undefined, // issuer chosen by the Jenkins admin
    gcb: undefined, // accounts.google.com signs every Google ID token
    kubernetes: undefined, // per-cluster issuer
  };
  for (const p of PLATFORMS) assert.equal(recognisePlatform(FIXTURES[p].iss as string), expected[p], p);
});

test('recognises issuer shapes and rejects look-alikes', () => {
  const cases: [string, Platform | undefined][] = [
    ['https://token.actions.githubusercontent.com/', 'github'],
    ['https://token.actions.githubusercontent.com/keepdemo-ent', 'github'], // enterprise slug
    ['https://token.actions.keepdemo.ghe.com', 'github'], // GHE.com
    ['https://ghes.keepdemo.example/_services/token', 'github'], // GitHub Enterprise Server
    ['https://oidc.circleci.com', 'circleci'], // --root-issuer
    ['https://oidc.circleci.com/org/6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', 'circleci'],
    ['https://api.bitbucket.org/2.0/workspaces/other-ws/pipelines-config/identity/oidc', 'bitbucket'],
    ['https://vstoken.dev.azure.com/0ca3ddd9-f0b0-4635-a98c-5866526961b6', 'azure'],
    ['https://gitlab.keepdemo.example', 'gitlab'],
    ['https://gitlab.com', 'gitlab'],
    ['http://token.actions.githubusercontent.com', undefined],
    ['https://token.actions.githubusercontent.com.evil.example', undefined],
    ['https://evil.example/token.actions.githubusercontent.com', undefined],
    ['https://token.actions.githubusercontent.com/a/b', undefined],
    ['https://oidc.circleci.com/org/keepdemo', undefined],
    ['https://agent.buildkite.com.evil.example', undefined],
    ['https://vstoken.dev.azure.com/keepdemo', undefined],
    ['https://code.keepdemo.example', undefined], // self-managed GitLab elsewhere: preset only
    ['https://gitlab.keepdemo.example/gitlab', undefined],
    ['gitlab.com', undefined], // legacy CI_JOB_JWT (removed in GitLab 17.0)
    ['https://accounts.google.com', undefined],
    ['https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE', undefined],
    ['https://jenkins.keepdemo.example/oidc', undefined],
    ['', undefined],
  ];
  for (const [iss, p] of cases) assert.equal(recognisePlatform(iss), p, iss);
});

test('an explicit preset or platform name wins over the issuer', () => {
  assert.equal(recognisePlatform('https://token.actions.githubusercontent.com', 'gitlab'), 'gitlab');
  assert.equal(recognisePlatform('http://127.0.0.1:8200/v1/dev-issuer/github', 'github'), 'github'); // dev issuer
  assert.equal(recognisePlatform('https://code.keepdemo.example', 'gitlab'), 'gitlab');
  assert.equal(recognisePlatform('https://kubernetes.default.svc.cluster.local', 'kubernetes'), 'kubernetes');
  assert.equal(recognisePlatform('https://jenkins.keepdemo.example/oidc', 'jenkins'), 'jenkins');
  assert.equal(recognisePlatform('https://accounts.google.com', 'gcb'), 'gcb');
  assert.equal(recognisePlatform('https://accounts.google.com', ' GCB '), 'gcb');
  // An unknown name falls back to the issuer.
  assert.equal(recognisePlatform('https://token.actions.githubusercontent.com', 'nope'), 'github');
  assert.equal(recognisePlatform('https://code.keepdemo.example', ''), undefined);
  assert.ok(isPlatform('azure') && !isPlatform('travis'));
});

// ---------------------------------------------------------------------------------------------
// attributionMetadata: exact maps per fixture

test('github', () => {
  assert.deepEqual(attributionMetadata('github', FIXTURES.github), {
    ci_platform: 'github',
    ci_repository: 'keepdemo/payments-api',
    ci_ref: 'refs/heads/main',
    ci_workflow: 'keepdemo/payments-api/.github/workflows/deploy.yml@refs/heads/main',
    ci_run_id: '11223344556',
    ci_run_attempt: '1',
    ci_sha: '2f7c9e4b1a8d3f6e0c5b9a7d4e1f8c2b6a3d0e9f',
    ci_actor: 'dev-alice',
    ci_job_url: 'https://github.com/keepdemo/payments-api/actions/runs/11223344556/attempts/1',
  });
});

test('github variants: pull request, GHES, GHE.com, development issuer, no attempt', () => {
  const pr = attributionMetadata('github', variant('github', { ref: 'refs/pull/42/merge', event_name: 'pull_request' }));
  assert.equal(pr.ci_ref, 'refs/pull/42/merge');
  const ghes = attributionMetadata('github', variant('github', { iss: 'https://ghes.keepdemo.example/_services/token' }));
  assert.equal(ghes.ci_job_url, 'https://ghes.keepdemo.example/keepdemo/payments-api/actions/runs/11223344556/attempts/1');
  const ghe = attributionMetadata('github', variant('github', { iss: 'https://token.actions.keepdemo.ghe.com' }));
  assert.equal(ghe.ci_job_url, 'https://keepdemo.ghe.com/keepdemo/payments-api/actions/runs/11223344556/attempts/1');
  // A development issuer does not say where the run lives: no URL is made up.
  const dev = attributionMetadata('github', variant('github', { iss: 'http://127.0.0.1:8200/v1/dev/github' }));
  assert.equal(dev.ci_job_url, undefined);
  assert.equal(dev.ci_repository, 'keepdemo/payments-api');
  const noAttempt = attributionMetadata('github', variant('github', {}, ['run_attempt', 'workflow_ref']));
  assert.equal(noAttempt.ci_job_url, 'https://github.com/keepdemo/payments-api/actions/runs/11223344556');
  assert.equal(noAttempt.ci_run_attempt, undefined);
  assert.equal(noAttempt.ci_workflow, 'Deploy');
  // Values that do not look like a repository and a run id give no URL.
  const odd = attributionMetadata('github', variant('github', { repository: 'a/b/c', run_id: '12x' }));
  assert.equal(odd.ci_job_url, undefined);
});

test('gitlab', () => {
  assert.deepEqual(attributionMetadata('gitlab', FIXTURES.gitlab), {
    ci_platform: 'gitlab',
    ci_repository: 'keepdemo/payments-api',
    ci_ref: 'refs/heads/main',
    ci_workflow: 'gitlab.com/keepdemo/payments-api//.gitlab-ci.yml@refs/heads/main',
    ci_run_id: '1400000001',
    ci_sha: '714c2e9f0b3d5a7c9e1f2a4b6c8d0e2f4a6b8c0d',
    ci_actor: 'dev-alice',
    ci_job_url: 'https://gitlab.com/keepdemo/payments-api/-/jobs/8200000001',
  });
});

test('gitlab variants: tag, fork merge request, self-managed with relative root, no ref_path', () => {
  const tag = variant('gitlab', { ref: 'v1.4.0', ref_type: 'tag', ref_path: 'refs/tags/v1.4.0' });
  assert.equal(attributionMetadata('gitlab', tag).ci_ref, 'refs/tags/v1.4.0');
  const fork = attributionMetadata(
    'gitlab',
    variant('gitlab', { project_id: '66000222', project_path: 'contributor-bob/payments-api', namespace_path: 'contributor-bob' }),
  );
  assert.equal(fork.ci_repository, 'contributor-bob/payments-api');
  // The job ran in the parent project.
  assert.equal(fork.ci_job_url, 'https://gitlab.com/keepdemo/payments-api/-/jobs/8200000001');
  const selfManaged = attributionMetadata('gitlab', variant('gitlab', { iss: 'https://code.keepdemo.example/gitlab' }));
  assert.equal(selfManaged.ci_job_url, 'https://code.keepdemo.example/gitlab/keepdemo/payments-api/-/jobs/8200000001');
  assert.equal(attributionMetadata('gitlab', variant('gitlab', {}, ['ref_path'])).ci_ref, 'refs/heads/main');
  const tagNoPath = variant('gitlab', { ref: 'v1.4.0', ref_type: 'tag' }, ['ref_path']);
  assert.equal(attributionMetadata('gitlab', tagNoPath).ci_ref, 'refs/tags/v1.4.0');
  // Legacy issuer without scheme: no URL.
  assert.equal(attributionMetadata('gitlab', variant('gitlab', { iss: 'gitlab.com' })).ci_job_url, undefined);
});

test('circleci', () => {
  assert.deepEqual(attributionMetadata('circleci', FIXTURES.circleci), {
    ci_platform: 'circleci',
    ci_repository: 'github.com/keepdemo/payments-api',
    ci_ref: 'refs/heads/main',
    ci_workflow: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e',
    ci_run_id: '9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f',
    ci_actor: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
  });
  const webhook = variant('circleci', {}, ['oidc.circleci.com/vcs-origin', 'oidc.circleci.com/vcs-ref']);
  assert.deepEqual(attributionMetadata('circleci', webhook), {
    ci_platform: 'circleci',
    ci_workflow: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e',
    ci_run_id: '9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f',
    ci_actor: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
  });
  const v1 = variant('circleci', {
    sub: 'org/6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/project/3a2f5b1c-7d4e-4f6a-9b8c-0d1e2f3a4b5c/user/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
  });
  assert.equal(attributionMetadata('circleci', v1).ci_actor, '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9');
});

test('buildkite', () => {
  assert.deepEqual(attributionMetadata('buildkite', FIXTURES.buildkite), {
    ci_platform: 'buildkite',
    ci_repository: 'keepdemo/payments-api',
    ci_ref: 'refs/heads/main',
    ci_run_id: '318',
    ci_sha: '9f3c82a61f1e2cca4702c368cbc039b7dc9d4485',
    ci_job_url: 'https://buildkite.com/keepdemo/payments-api/builds/318#0190a4c2-477b-4fa8-9968-496074483cee',
  });
  assert.equal(attributionMetadata('buildkite', variant('buildkite', { build_tag: 'v1.4.0' })).ci_ref, 'refs/tags/v1.4.0');
  const dev = attributionMetadata('buildkite', variant('buildkite', { iss: 'http://127.0.0.1:8200/dev/buildkite' }));
  assert.equal(dev.ci_job_url, undefined);
});

test('bitbucket', () => {
  assert.deepEqual(attributionMetadata('bitbucket', FIXTURES.bitbucket), {
    ci_platform: 'bitbucket',
    ci_repository: '{1de489be-ce6a-42a0-a8c8-eadbf1174ac7}',
    ci_ref: 'refs/heads/main',
    ci_run_id: '{c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f}',
  });
});

test('azure', () => {
  assert.deepEqual(attributionMetadata('azure', FIXTURES.azure), {
    ci_platform: 'azure',
    ci_repository: 'https://dev.azure.com/keepdemo/Payments/_git/payments-api',
    ci_ref: 'refs/heads/main',
    ci_workflow: 'keepdemo/Payments/payments-api-ci',
    ci_run_id: '1207',
    ci_sha: 'c291ea713801eb300054d353d279e7b02331f671',
    ci_job_url: 'https://dev.azure.com/keepdemo/Payments/_build/results?buildId=1207',
  });
  const serviceConnection = variant('azure', { sub: 'sc://keepdemo/Payments/keep-prod' }, [
    'org_id',
    'prj_id',
    'def_id',
    'rpo_id',
    'rpo_uri',
    'rpo_ver',
    'rpo_ref',
    'run_id',
  ]);
  assert.deepEqual(attributionMetadata('azure', serviceConnection), { ci_platform: 'azure' });
  const spaces = attributionMetadata('azure', variant('azure', { sub: 'p://keepdemo/Pay Ments/ci' }));
  assert.equal(spaces.ci_job_url, 'https://dev.azure.com/keepdemo/Pay%20Ments/_build/results?buildId=1207');
});

test('jenkins', () => {
  assert.deepEqual(attributionMetadata('jenkins', FIXTURES.jenkins), {
    ci_platform: 'jenkins',
    ci_run_id: '57',
    ci_workflow: 'payments/payments-api/main',
    ci_job_url: 'https://jenkins.keepdemo.example/job/payments/job/payments-api/job/main/57/',
  });
  const custom = variant('jenkins', { branch: 'main', git_url: 'https://github.com/keepdemo/payments-api.git' });
  assert.equal(attributionMetadata('jenkins', custom).ci_repository, 'https://github.com/keepdemo/payments-api.git');
  const outside = variant('jenkins', { sub: 'https://jenkins.keepdemo.example/' }, ['build_number']);
  assert.deepEqual(attributionMetadata('jenkins', outside), { ci_platform: 'jenkins' });
  const encoded = variant('jenkins', { sub: 'https://jenkins.keepdemo.example/job/app/job/feature%2Fx/' });
  assert.equal(attributionMetadata('jenkins', encoded).ci_workflow, 'app/feature/x');
});

test('gcb and kubernetes', () => {
  assert.deepEqual(attributionMetadata('gcb', FIXTURES.gcb), {
    ci_platform: 'gcb',
    ci_actor: 'keep-ci@keepdemo-prod.iam.gserviceaccount.com',
  });
  assert.deepEqual(attributionMetadata('gcb', variant('gcb', { email: 'alice@example.com' })), { ci_platform: 'gcb' });
  assert.deepEqual(attributionMetadata('kubernetes', FIXTURES.kubernetes), {
    ci_platform: 'kubernetes',
    ci_actor: 'system:serviceaccount:ci-pipelines:payments-deployer',
  });
});

test('values are strings only: other types, empty and overlong values are left out', () => {
  const c = variant('github', {
    repository: ['keepdemo/payments-api'],
    ref: { name: 'main' },
    sha: true,
    actor: '',
    run_id: 11223344556,
    run_attempt: 1.5,
    workflow_ref: 'x'.repeat(1025),
    workflow: null,
  });
  assert.deepEqual(attributionMetadata('github', c), { ci_platform: 'github', ci_run_id: '11223344556' });
  for (const p of PLATFORMS) {
    for (const v of Object.values(attributionMetadata(p, FIXTURES[p]))) assert.equal(typeof v, 'string', p);
    assert.deepEqual(attributionMetadata(p, {}), { ci_platform: p });
  }
});

// ---------------------------------------------------------------------------------------------
// stableIdClaims

test('stable id claims per platform', () => {
  assert.deepEqual(stableIdClaims('github'), {
    repository: 'repository_id',
    repository_owner: 'repository_owner_id',
    actor: 'actor_id',
    enterprise: 'enterprise_id',
  });
  assert.deepEqual(stableIdClaims('gitlab'), {
    project_path: 'project_id',
    namespace_path: 'namespace_id',
    job_project_path: 'job_project_id',
    job_namespace_path: 'job_namespace_id',
    user_login: 'user_id',
  });
  assert.deepEqual(stableIdClaims('circleci'), { 'oidc.circleci.com/vcs-origin': 'oidc.circleci.com/project-id' });
  assert.deepEqual(stableIdClaims('buildkite'), { organization_slug: 'organization_id', pipeline_slug: 'pipeline_id' });
  assert.deepEqual(stableIdClaims('azure'), { sub: 'def_id' });
  assert.deepEqual(stableIdClaims('gcb'), { email: 'sub' });
  assert.deepEqual(stableIdClaims('bitbucket'), {});
  assert.deepEqual(stableIdClaims('jenkins'), {});
  assert.deepEqual(stableIdClaims('kubernetes'), {});
  assert.deepEqual(stableIdClaims(undefined), {});
  // Every stable id claim named for github and gitlab exists in their fixtures.
  for (const p of ['github', 'gitlab'] as const) {
    for (const [name, id] of Object.entries(stableIdClaims(p))) {
      if (name === 'enterprise') continue; // enterprise repositories only
      assert.ok(name in FIXTURES[p] && id in FIXTURES[p], `${p}: ${name} -> ${id}`);
    }
  }
  // A fresh object each time: callers cannot change the table.
  stableIdClaims('github').repository = 'x';
  assert.equal(stableIdClaims('github').repository, 'repository_id');
});
