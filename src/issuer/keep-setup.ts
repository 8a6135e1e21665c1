/**
 * Configures a Keep server, through its public API, to trust the dev issuer's GitHub platform:
 * a `jwt/` auth mount whose `issuers` entry uses the github preset with the dev issuer's URL
 * overriding issuer and discovery (so attribution still recognises GitHub), a templated policy
 * `ci-demo`, a role `demo` bound to the fixture's repository (name and id) on main, and a demo
 * secret under that repository's path.
 */
import type { KeepClient } from '../client/index.ts';
import { loadFixture } from './platforms.ts';

/** The audience the demo role expects (a job requests it: vault-action `jwtGithubAudience`). */
export const DEMO_AUDIENCE = 'https://keep.example.com';
/** Mount path of the demo's JWT auth method (without `auth/`). */
export const DEMO_MOUNT = 'jwt';
/** The demo role. */
export const DEMO_ROLE = 'demo';
/** The demo policy. */
export const DEMO_POLICY = 'ci-demo';

/** What the setup produced (names the demo and the banner show). */
export interface DemoSetup {
  mount: string;
  role: string;
  policy: string;
  audience: string;
  /** The GitHub repository the role binds (from the fixture), e.g. `keepdemo/payments-api`. */
  repository: string;
  /** KV path of the demo secret (without `data/`), e.g. `secret/ci/keepdemo/payments-api/deploy` (written only with `writeSecret`). */
  secretPath: string;
  /** Warnings the role write returned (Keep's role lint). */
  warnings: string[];
}

/** The policy text: read under the logged-in job's own repository (from its attribution metadata). */
export function demoPolicy(kvV1: boolean): string {
  const prefix = kvV1 ? 'secret/ci' : 'secret/data/ci';
  return (
    '# A CI job reads the secrets of its own repository, and nothing else.\n' +
    `path "${prefix}/{{token.metadata.ci_repository}}/*" {\n  capabilities = ["read"]\n}\n`
  );
}

/**
 * Mounts and configures `auth/jwt/`, writes the policy and the role, and (with `writeSecret`)
 * the demo secret. Plain `-dev` leaves secret/ empty, as Vault's dev server does.
 * @param admin a client holding a root (or sufficiently privileged) token
 * @param githubIssuerUrl the dev issuer's github issuer URL (`<base>/github`)
 */
export async function configureDemo(admin: KeepClient, githubIssuerUrl: string, opts: { kvV1?: boolean; writeSecret?: boolean } = {}): Promise<DemoSetup> {
  const claims = loadFixture('github').claims;
  const repository = String(claims.repository);
  const repositoryId = String(claims.repository_id);
  const secretPath = `secret/ci/${repository}/deploy`;
  await admin.sys.enableAuth(DEMO_MOUNT, { type: 'jwt', description: 'CI job login (trusts the dev issuer as GitHub Actions)' });
  await admin.write(`auth/${DEMO_MOUNT}/config`, {
    issuers: [{ issuer: githubIssuerUrl, oidc_discovery_url: githubIssuerUrl, preset: 'github' }],
  });
  await admin.sys.writePolicy(DEMO_POLICY, demoPolicy(opts.kvV1 === true));
  const roleAnswer = await admin.write(`auth/${DEMO_MOUNT}/role/${DEMO_ROLE}`, {
    role_type: 'jwt',
    user_claim: 'sub',
    bound_audiences: [DEMO_AUDIENCE],
    // repository_id too: the rename-proof id (Keep warns about a role binding only the name).
    bound_claims: { repository, repository_id: repositoryId, ref: 'refs/heads/main' },
    token_policies: [DEMO_POLICY],
    token_ttl: '10m',
    jti_single_use: true,
  });
  if (opts.writeSecret) await admin.kv.put(secretPath, { db_password: 'demo-s3cr3t', api_url: 'https://payments.example.test' });
  const warnings = Array.isArray(roleAnswer?.warnings) ? roleAnswer.warnings.map(String) : [];
  return { mount: DEMO_MOUNT, role: DEMO_ROLE, policy: DEMO_POLICY, audience: DEMO_AUDIENCE, repository, secretPath, warnings };
}
