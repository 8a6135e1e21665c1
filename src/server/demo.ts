/**
 * The dev server's demo (`keep server -dev -dev-demo`): what a pipeline's token can and cannot do,
 * shown end to end through the public API with Keep's own client.
 */
import { KeepClient, isKeepApiError } from '../client/index.ts';

const POLICY = `# A CI job may read the secrets of its own project, nothing else.
path "secret/data/ci/app/*" {
  capabilities = ["read"]
}
path "secret/data/ci/app" {
  capabilities = ["read"]
}
`;

export async function runDemo(address: string, rootToken: string, print: (s: string) => void): Promise<void> {
  const admin = new KeepClient({ address, token: rootToken });
  print('==> Demo: a short-lived, policy-scoped token for a CI job\n\n');

  await admin.sys.writePolicy('ci-app', POLICY);
  print('  1. keep policy write ci-app            read on secret/data/ci/app and below\n');

  const put = await admin.kv.put('secret/ci/app', { db_password: 'demo-s3cr3t', api_url: 'https://api.example.test' });
  print(`  2. keep kv put secret/ci/app ...        version ${String(put.secret?.data?.version ?? "?")}\n`);
  await admin.kv.put('secret/prod/db', { password: 'never-for-ci' });
  print('     keep kv put secret/prod/db ...       (a secret the job must not see)\n');

  const created = await admin.tokens.create({ policies: ['ci-app'], ttl: '15m', display_name: 'ci-job', num_uses: 0 });
  const jobToken = String(created.auth?.client_token ?? '');
  print(`  3. keep token create -policy=ci-app -ttl=15m   policies ${JSON.stringify(created.auth?.policies)}, ttl ${String(created.auth?.lease_duration)}s\n`);

  const job = new KeepClient({ address, token: jobToken });
  const got = await job.kv.get('secret/ci/app');
  const data = (got.secret?.data?.data ?? {}) as Record<string, unknown>;
  print(`  4. the job reads secret/ci/app          keys: ${Object.keys(data).sort().join(', ')}\n`);

  try {
    await job.kv.get('secret/prod/db');
    print('  5. the job read secret/prod/db          UNEXPECTED: allowed\n');
  } catch (e) {
    const reason = isKeepApiError(e) ? `${e.status} ${e.errors.join(' ').replace(/\s+/g, ' ').trim()}` : (e as Error).message;
    print(`  5. the job tries secret/prod/db         refused: ${reason}\n`);
  }

  await job.tokens.revokeSelf();
  try {
    await job.tokens.lookupSelf();
    print('  6. after revoke-self                    UNEXPECTED: token still valid\n');
  } catch (e) {
    print(`  6. the job revokes its token at the end  lookup-self now answers ${isKeepApiError(e) ? e.status : '?'}\n`);
  }
  print('\n');
}
