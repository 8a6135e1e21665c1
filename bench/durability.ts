/**
 * The write check: every write the load generator saw acknowledged must be stored. KV v2 counts
 * versions per key, so the sum of `current_version` over the rotating keys is the number of writes
 * that committed. It must be >= the acknowledged count; it may exceed it by the requests still in
 * flight when the load stopped (at most one per connection) plus unacknowledged ones.
 * A sample of keys is also read back (latest version present, body intact).
 */
import { api, dig, expectStatus } from './keep-api.ts';

export interface DurabilityReport {
  /** Whether the server was killed with SIGKILL and restarted before the check. */
  afterCrash: boolean;
  acknowledged: number;
  storedVersions: number;
  /** storedVersions - acknowledged (writes that committed without a counted acknowledgement). */
  extra: number;
  /** The most `extra` can legitimately be. */
  extraBound: number;
  keysChecked: number;
  sampleRead: number;
  sampleFailures: string[];
  pass: boolean;
}

async function inBatches<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn));
}

export async function verifyWrites(opts: {
  origin: string;
  token: string;
  mount: string;
  keyPrefix: string;
  keys: number;
  acknowledged: number;
  extraBound: number;
  afterCrash: boolean;
}): Promise<DurabilityReport> {
  const { origin, token, mount, keyPrefix } = opts;
  const versions = new Map<number, number>();
  const indexes = Array.from({ length: opts.keys }, (_, i) => i);
  await inBatches(indexes, 16, async (i) => {
    const r = await api(origin, 'GET', `/v1/${mount}/metadata/${keyPrefix}${i}`, { token });
    if (r.status === 404) return;
    expectStatus(r, `read metadata of ${keyPrefix}${i}`, [200]);
    const v = dig(r.body, 'data', 'current_version');
    if (typeof v !== 'number') throw new Error(`metadata of ${keyPrefix}${i}: no numeric current_version`);
    versions.set(i, v);
  });
  let stored = 0;
  for (const v of versions.values()) stored += v;

  const sample = [...versions.keys()].filter((_, j) => j % Math.max(1, Math.floor(versions.size / 25)) === 0);
  const failures: string[] = [];
  await inBatches(sample, 8, async (i) => {
    const r = await api(origin, 'GET', `/v1/${mount}/data/${keyPrefix}${i}`, { token });
    const n = dig(r.body, 'data', 'data', 'n');
    const version = dig(r.body, 'data', 'metadata', 'version');
    if (r.status !== 200) failures.push(`${keyPrefix}${i}: HTTP ${r.status}`);
    else if (typeof n !== 'string') failures.push(`${keyPrefix}${i}: body lost its data`);
    else if (version !== versions.get(i)) failures.push(`${keyPrefix}${i}: latest version ${String(version)} != current_version ${versions.get(i)}`);
  });

  const extra = stored - opts.acknowledged;
  return {
    afterCrash: opts.afterCrash,
    acknowledged: opts.acknowledged,
    storedVersions: stored,
    extra,
    extraBound: opts.extraBound,
    keysChecked: opts.keys,
    sampleRead: sample.length,
    sampleFailures: failures,
    pass: extra >= 0 && failures.length === 0,
  };
}
