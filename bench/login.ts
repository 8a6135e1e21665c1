/**
 * The CI login scenario: a jwt/ auth mount trusting a static RS256 key (generated per run), a
 * role bound on the job's repository and branch, and one GitHub-shaped job token that every
 * request presents (the role does not use jti_single_use, so the token may be reused). Each
 * login persists a new Keep token in SQLite.
 *
 * Also the floor for it: jose's raw RS256 verify rate, measured in its own process on the server's
 * CPU (`node --import tsx bench/login.ts verify`), one verification in flight and 32 in flight.
 */
import { exportSPKI, generateKeyPair, importSPKI, jwtVerify, SignJWT } from 'jose';
import { api, expectStatus, dig } from './keep-api.ts';

const AUDIENCE = 'https://keep.bench.example';
const ISSUER = 'https://token.actions.githubusercontent.com';

export interface LoginPrep {
  path: string;
  body: string;
}

/** Mounts jwt/, writes the config and role, mints the job token, and checks one login. */
export async function prepareLogin(origin: string, root: string): Promise<LoginPrep> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const pem = await exportSPKI(publicKey);
  expectStatus(await api(origin, 'POST', '/v1/sys/auth/jwt', { token: root, body: { type: 'jwt' } }), 'enable jwt');
  expectStatus(
    await api(origin, 'POST', '/v1/auth/jwt/config', { token: root, body: { jwt_validation_pubkeys: [pem], bound_issuer: ISSUER } }),
    'jwt config',
  );
  expectStatus(
    await api(origin, 'POST', '/v1/auth/jwt/role/ci', {
      token: root,
      body: {
        role_type: 'jwt',
        user_claim: 'sub',
        bound_audiences: [AUDIENCE],
        bound_claims: { repository_id: '123456789', ref: 'refs/heads/main' },
        token_policies: ['default'],
        token_ttl: '10m',
      },
    }),
    'jwt role',
    [200, 204],
  );
  const now = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT({
    repository: 'acme/api',
    repository_id: '123456789',
    ref: 'refs/heads/main',
    run_id: '42',
    run_attempt: '1',
    sha: 'a'.repeat(40),
    actor: 'bench',
    workflow: 'deploy',
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'bench' })
    .setIssuer(ISSUER)
    .setSubject('repo:acme/api:ref:refs/heads/main')
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 4 * 3600)
    .sign(privateKey);
  const body = JSON.stringify({ role: 'ci', jwt });
  const r = await api(origin, 'POST', '/v1/auth/jwt/login', { body: JSON.parse(body) });
  expectStatus(r, 'check ci-login', [200]);
  if (typeof dig(r.body, 'auth', 'client_token') !== 'string') throw new Error('check ci-login: no auth.client_token');
  return { path: '/v1/auth/jwt/login', body };
}

/** jose's RS256 verify rate (per second) with `inFlight` verifications at once, for `seconds`. */
export async function joseVerifyRate(inFlight: number, seconds: number): Promise<number> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const key = await importSPKI(await exportSPKI(publicKey), 'RS256');
  const jwt = await new SignJWT({ ref: 'refs/heads/main' }).setProtectedHeader({ alg: 'RS256' }).setAudience(AUDIENCE).setExpirationTime('1h').sign(privateKey);
  const until = Date.now() + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (Date.now() < until) {
      await jwtVerify(jwt, key, { audience: AUDIENCE });
      done++;
    }
  };
  const start = Date.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return done / ((Date.now() - start) / 1000);
}

if (process.argv[2] === 'verify') {
  const seconds = Number(process.env.BENCH_VERIFY_SECONDS ?? '3');
  const one = await joseVerifyRate(1, seconds);
  const many = await joseVerifyRate(32, seconds);
  process.stdout.write(`BENCH_JOSE ${JSON.stringify({ inFlight1: Math.round(one), inFlight32: Math.round(many) })}\n`);
}
