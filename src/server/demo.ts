/**
 * The dev server's demo (`keep server -dev -dev-demo`), a client of the public API like any
 * pipeline: a GitHub Actions job (simulated by the dev issuer) logs in with its OIDC token, reads
 * its repository's secret and nothing else; a feature-branch job is refused with the reason; a
 * replayed token is refused; the job revokes its token at the end. Without the JWT method, the
 * demo shows a policy-scoped token instead.
 */
import { KeepClient, isKeepApiError } from '../client/index.ts';
import type { SecretResponse } from '../client/index.ts';
import { IssuerClient } from '../issuer/client.ts';
import type { DemoSetup } from '../issuer/keep-setup.ts';

/** What the CI demo needs from the dev setup. */
export interface CiDemoInput {
  /** Base URL of the dev issuer. */
  issuerAddress: string;
  /** The GitHub request token (ACTIONS_ID_TOKEN_REQUEST_TOKEN). */
  requestToken: string;
  setup: DemoSetup;
}

type Print = (s: string) => void;

const PROD_SECRET = 'secret/prod/db';

export async function runDemo(address: string, rootToken: string, print: Print, ci?: CiDemoInput): Promise<void> {
  if (ci) return runCiDemo(address, rootToken, print, ci);
  return runTokenDemo(address, rootToken, print);
}

const WHAT_WIDTH = 44;

/** `  N. what   result`; a long `what` puts the result on its own line. */
function line(step: string, what: string, result: string): string {
  if (what.length >= WHAT_WIDTH) return `  ${step.padEnd(3)}${what}\n${' '.repeat(5 + WHAT_WIDTH)}${result}\n`;
  return `  ${step.padEnd(3)}${what.padEnd(WHAT_WIDTH)}${result}\n`;
}

/** Words wrapped to lines of about `width` characters, each line indented. */
function wrap(words: string[], indent: string, width = 100): string {
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur && indent.length + cur.length + 1 + w.length > width) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines.map((l) => `${indent}${l}\n`).join('');
}

/** `role demo rejected this job: claim ref does not match (KEEP_E_CLAIM_MISMATCH)` from an API error. */
export function rejectionText(e: unknown): string {
  if (!isKeepApiError(e)) return `failed: ${e instanceof Error ? e.message : String(e)}`;
  const body = typeof e.body === 'object' && e.body !== null ? (e.body as Record<string, unknown>) : {};
  const role = typeof body.role === 'string' ? body.role : undefined;
  const claim = typeof body.claim === 'string' ? body.claim : undefined;
  const code = e.reasonCode;
  let why: string;
  if (code === 'KEEP_E_CLAIM_MISMATCH' && claim) why = `claim ${claim} does not match`;
  else if (code === 'KEEP_E_CLAIM_MISSING' && claim) why = `claim ${claim} is missing`;
  else if (code === 'KEEP_E_REPLAY') why = 'this job token was already used';
  else why = refusalText(e);
  const who = role ? `role ${role} rejected this job` : 'rejected';
  return `${who}: ${why}${code ? ` (${code})` : ''}`;
}

/** `403 permission denied` (Vault's `1 error occurred:\n\t* ...` wrapper unwrapped). */
export function refusalText(e: unknown): string {
  if (!isKeepApiError(e)) return e instanceof Error ? e.message : String(e);
  const msgs = e.errors.map((m) => m.replace(/^\d+ errors? occurred:\s*/, '').replace(/^\*\s*/gm, '').replace(/\s+/g, ' ').trim());
  return `${e.status} ${msgs.join('; ')}`.trim();
}

function ciMetadata(secret: SecretResponse): string[] {
  const meta = secret.auth?.metadata ?? {};
  return Object.entries(meta)
    .filter(([k]) => k.startsWith('ci_'))
    .map(([k, v]) => `${k}=${String(v)}`);
}

/** The first failing check of an explain answer for `role`, as `ref: expected X, actual Y`. */
async function explainFailure(admin: KeepClient, mount: string, role: string, jwt: string): Promise<string | undefined> {
  const res = await admin.write(`auth/${mount}/explain`, { jwt, role });
  const roles = res?.data?.roles;
  if (!Array.isArray(roles)) return undefined;
  for (const r of roles as Array<Record<string, unknown>>) {
    const checks = Array.isArray(r.checks) ? (r.checks as Array<Record<string, unknown>>) : [];
    const bad = checks.find((c) => c.passed === false);
    if (bad) return `${String(bad.claim ?? bad.check)}: expected ${JSON.stringify(bad.expected)}, actual ${JSON.stringify(bad.actual)}`;
  }
  return undefined;
}

/** One login attempt with a throw-away client. */
async function loginOnce(address: string, setup: DemoSetup, jwt: string): Promise<SecretResponse> {
  const c = new KeepClient({ address });
  try {
    return await c.login(setup.mount, { role: setup.role, jwt }, { setToken: false });
  } finally {
    c.close();
  }
}

async function runCiDemo(address: string, rootToken: string, print: Print, ci: CiDemoInput): Promise<void> {
  const { setup } = ci;
  const admin = new KeepClient({ address, token: rootToken });
  const issuer = new IssuerClient(ci.issuerAddress);
  const job = new KeepClient({ address });
  try {
    await admin.kv.put(PROD_SECRET, { password: 'never-for-ci' });
    print('==> Demo: a GitHub Actions job logs in with its OIDC token (simulated by the dev issuer)\n\n');

    const mainToken = await issuer.actionsToken(ci.requestToken, setup.audience);
    print(line('1.', 'a job on main asks for its token', `GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=${setup.audience}`));

    const login = await job.login(setup.mount, { role: setup.role, jwt: mainToken });
    const auth = login.auth;
    print(line('2.', `keep login -method=jwt role=${setup.role}`, `policies ${JSON.stringify(auth?.policies ?? [])}, ttl ${String(auth?.lease_duration ?? '?')}s`));
    const meta = ciMetadata(login);
    if (meta.length > 0) print(wrap(['token metadata:', ...meta], '       '));

    const got = await job.kv.get(setup.secretPath);
    const keys = Object.keys((got.secret?.data?.data ?? got.secret?.data ?? {}) as Record<string, unknown>).sort();
    print(line('3.', "the job reads its repository's secret", `${setup.secretPath} (keys: ${keys.join(', ')})`));

    try {
      await job.kv.get(PROD_SECRET);
      print(line('4.', `the job tries ${PROD_SECRET}`, 'UNEXPECTED: allowed'));
    } catch (e) {
      print(line('4.', `the job tries ${PROD_SECRET}`, `refused: ${refusalText(e)}`));
    }

    const featureToken = await issuer.mint('github', { aud: setup.audience, claim_args: ['ref=refs/heads/feature-x'] });
    try {
      await loginOnce(address, setup, featureToken);
      print(line('5.', 'a job on refs/heads/feature-x logs in', 'UNEXPECTED: accepted'));
    } catch (e) {
      print(line('5.', 'a job on refs/heads/feature-x logs in', rejectionText(e)));
      const why = await explainFailure(admin, setup.mount, setup.role, featureToken).catch(() => undefined);
      if (why) print(`       operator view (keep write auth/${setup.mount}/explain jwt=...): ${why}\n`);
    }

    try {
      await loginOnce(address, setup, mainToken);
      print(line('6.', 'the main-branch token is replayed', 'UNEXPECTED: accepted'));
    } catch (e) {
      print(line('6.', 'the main-branch token is replayed', rejectionText(e)));
    }

    await job.tokens.revokeSelf();
    try {
      await job.tokens.lookupSelf();
      print(line('7.', 'the job revokes its token at the end', 'UNEXPECTED: token still valid'));
    } catch (e) {
      print(line('7.', 'the job revokes its token at the end', `lookup-self now answers ${isKeepApiError(e) ? e.status : '?'}`));
    }
    print('\n');
  } finally {
    admin.close();
    job.close();
  }
}

const TOKEN_DEMO_POLICY = `# A CI job may read the secrets of its own project, nothing else.
path "secret/data/ci/app/*" {
  capabilities = ["read"]
}
path "secret/data/ci/app" {
  capabilities = ["read"]
}
`;

/** The demo without the JWT method: a short-lived, policy-scoped token. */
async function runTokenDemo(address: string, rootToken: string, print: Print): Promise<void> {
  const admin = new KeepClient({ address, token: rootToken });
  print('==> Demo: a short-lived, policy-scoped token for a CI job\n\n');
  await admin.sys.writePolicy('ci-app', TOKEN_DEMO_POLICY);
  await admin.kv.put('secret/ci/app', { db_password: 'demo-s3cr3t', api_url: 'https://api.example.test' });
  await admin.kv.put(PROD_SECRET, { password: 'never-for-ci' });
  const created = await admin.tokens.create({ policies: ['ci-app'], ttl: '15m', display_name: 'ci-job', num_uses: 0 });
  print(line('1.', 'keep token create -policy=ci-app -ttl=15m', `policies ${JSON.stringify(created.auth?.policies)}, ttl ${String(created.auth?.lease_duration)}s`));
  const job = new KeepClient({ address, token: String(created.auth?.client_token ?? '') });
  const got = await job.kv.get('secret/ci/app');
  print(line('2.', 'the job reads secret/ci/app', `keys: ${Object.keys((got.secret?.data?.data ?? {}) as Record<string, unknown>).sort().join(', ')}`));
  try {
    await job.kv.get(PROD_SECRET);
    print(line('3.', `the job tries ${PROD_SECRET}`, 'UNEXPECTED: allowed'));
  } catch (e) {
    print(line('3.', `the job tries ${PROD_SECRET}`, `refused: ${refusalText(e)}`));
  }
  await job.tokens.revokeSelf();
  print(line('4.', 'the job revokes its token at the end', 'done'));
  print('\n');
  admin.close();
  job.close();
}
