/**
 * Keep as the benchmark runs it: `node bin/keep server -config=<file>` in its own process, on
 * durable SQLite storage with a static seal (a random key passed through the environment), then
 * initialised, a KV v2 mount, a policy, a token, and the seeded secret.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { api, dig, expectStatus, waitForHealth } from './keep-api.ts';
import type { Child } from './procs.ts';
import { hasExited, spawnChild } from './procs.ts';

export const MOUNT = 'secret';
export const READ_KEY = 'bench/read';
export const WRITE_WARM_PREFIX = 'bench/warm/';
export const WRITE_RUN_PREFIX = 'bench/run/';
const POLICY_NAME = 'bench';
const POLICY = `
path "${MOUNT}/data/bench/*" {
  capabilities = ["create", "read", "update"]
}
path "${MOUNT}/metadata/bench/*" {
  capabilities = ["read", "list"]
}
`;

export interface KeepLaunch {
  repoRoot: string;
  dataDir: string;
  port: number;
  /** 64 hex characters; passed as KEEP_BENCH_SEAL_KEY, never written to disk. */
  sealKeyHex: string;
  cpus?: string;
  logFile: string;
  /** When set, the CPU-profile preload is loaded and writes here. */
  profileDir?: string;
}

export interface KeepProcess {
  child: Child;
  origin: string;
}

/** A free TCP port on 127.0.0.1 (bound then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export function newSealKey(): string {
  return randomBytes(32).toString('hex');
}

function hclString(s: string): string {
  return JSON.stringify(s);
}

/** Writes the server config file into dataDir and returns its path. */
export function writeConfig(l: KeepLaunch): string {
  const file = join(l.dataDir, 'keep-bench.hcl');
  const text = [
    `storage "sqlite" {`,
    `  path = ${hclString(join(l.dataDir, 'keep.db'))}`,
    `}`,
    `listener "tcp" {`,
    `  address     = "127.0.0.1:${l.port}"`,
    `  tls_disable = true`,
    `}`,
    `seal "static" {`,
    `  current_key_id = "bench"`,
    `  current_key    = "env://KEEP_BENCH_SEAL_KEY"`,
    `}`,
    '',
  ].join('\n');
  writeFileSync(file, text);
  return file;
}

/** Starts the server process and waits until it answers sys/health (any status). */
export async function startKeep(l: KeepLaunch): Promise<KeepProcess> {
  const config = writeConfig(l);
  const nodeArgs: string[] = [];
  const env: NodeJS.ProcessEnv = { ...process.env, KEEP_BENCH_SEAL_KEY: l.sealKeyHex };
  if (l.profileDir) {
    nodeArgs.push('--import', pathToFileURL(join(l.repoRoot, 'bench', 'cpu-profile-preload.mjs')).href);
    env.BENCH_PROFILE_DIR = l.profileDir;
  }
  const child = spawnChild('keep server', process.execPath, [...nodeArgs, join(l.repoRoot, 'bin', 'keep'), 'server', `-config=${config}`], {
    cpus: l.cpus,
    env,
    cwd: l.repoRoot,
    logFile: l.logFile,
  });
  const origin = `http://127.0.0.1:${l.port}`;
  try {
    await waitForHealth(origin, () => true, 60_000, () => !hasExited(child));
  } catch (e) {
    throw new Error(`Keep did not start: ${(e as Error).message}\n${child.tail.join('\n')}`);
  }
  return { child, origin };
}

/** Initialises a fresh server (static seal: no key shares) and returns the root token. */
export async function initKeep(origin: string): Promise<string> {
  const r = await api(origin, 'PUT', '/v1/sys/init', { body: {} });
  expectStatus(r, 'PUT sys/init', [200]);
  const token = dig(r.body, 'root_token');
  if (typeof token !== 'string' || token === '') throw new Error('PUT sys/init: no root_token in the reply');
  await waitUnsealed(origin);
  return token;
}

/** Waits until sys/health says active and unsealed (200). */
export async function waitUnsealed(origin: string, timeoutMs = 30_000): Promise<void> {
  await waitForHealth(origin, (s) => s === 200, timeoutMs);
}

export interface Prepared {
  /** Token used by the load phases (policy-bound child token, or root). */
  token: string;
  readPath: string;
  secretBytes: number;
}

/**
 * Mounts KV v2 at secret/, writes the bench policy, creates the load token, seeds the secret read
 * by kv-read, and checks once that each scenario's request succeeds with that token.
 */
export async function prepareKeep(origin: string, root: string, tokenKind: 'policy' | 'root'): Promise<Prepared> {
  expectStatus(await api(origin, 'POST', `/v1/sys/mounts/${MOUNT}`, { token: root, body: { type: 'kv', options: { version: '2' } } }), 'mount KV v2');
  let token = root;
  if (tokenKind === 'policy') {
    expectStatus(await api(origin, 'PUT', `/v1/sys/policies/acl/${POLICY_NAME}`, { token: root, body: { policy: POLICY } }), 'write policy');
    const t = await api(origin, 'POST', '/v1/auth/token/create', { token: root, body: { policies: [POLICY_NAME], ttl: '4h', display_name: 'bench' } });
    expectStatus(t, 'create token', [200]);
    const ct = dig(t.body, 'auth', 'client_token');
    if (typeof ct !== 'string' || ct === '') throw new Error('create token: no auth.client_token in the reply');
    token = ct;
  }
  const secret = { username: 'ci-deployer', password: randomBytes(18).toString('base64url') };
  const readPath = `/v1/${MOUNT}/data/${READ_KEY}`;
  expectStatus(await api(origin, 'POST', readPath, { token, body: { data: secret } }), 'seed secret');

  const read = await api(origin, 'GET', readPath, { token });
  expectStatus(read, 'check kv-read', [200]);
  if (dig(read.body, 'data', 'data', 'username') !== secret.username) throw new Error('check kv-read: the seeded secret did not come back');
  expectStatus(await api(origin, 'GET', '/v1/auth/token/lookup-self', { token }), 'check token-lookup-self', [200]);
  expectStatus(
    await api(origin, 'POST', `/v1/${MOUNT}/data/bench/check`, { token, body: { data: { n: 'check' } } }),
    'check kv-write',
    [200, 204],
  );
  return { token, readPath, secretBytes: JSON.stringify(secret).length };
}
