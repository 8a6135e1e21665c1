/**
 * Test support: a plain (unencrypted) StorageView over an in-memory sorted store, counting calls,
 * with a switch that makes the next transactions fail. Used by the unit tests of core/expiration,
 * core/wrapping and core/identity; not part of the server.
 *
 * The store batches insertions (merged into the sorted key array at the next scan or list) and
 * deletes lazily, so hundreds of thousands of keys stay cheap; src/storage/memory.ts splices its
 * key array on every write, which is too slow for the 100k-lease tests.
 */
import { compareKeys } from '../../storage/physical.ts';
import type { Entry, ScanOptions } from '../../storage/physical.ts';
import type { StorageView, ViewTxOp } from '../../framework/types.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class SortedStore {
  private readonly values = new Map<string, Uint8Array>();
  /** Sorted, without duplicates; may hold deleted keys (skipped, compacted now and then). */
  private sorted: string[] = [];
  private inSorted = new Set<string>();
  private pending: string[] = [];
  private dead = 0;

  get size(): number {
    return this.values.size;
  }

  get(key: string): Uint8Array | undefined {
    return this.values.get(key);
  }

  set(key: string, value: Uint8Array): void {
    if (!this.values.has(key)) {
      if (this.inSorted.has(key)) this.dead--;
      else this.pending.push(key);
    }
    this.values.set(key, value.slice());
  }

  delete(key: string): void {
    if (this.values.delete(key) && this.inSorted.has(key)) this.dead++;
  }

  scan(prefix: string, opts: ScanOptions = {}): Entry[] {
    this.settle();
    const limit = opts.limit ?? Infinity;
    const out: Entry[] = [];
    let i: number;
    if (opts.after !== undefined && compareKeys(opts.after, prefix) >= 0) {
      i = this.lowerBound(opts.after);
      if (this.sorted[i] === opts.after) i++;
    } else {
      i = this.lowerBound(prefix);
    }
    for (; i < this.sorted.length && out.length < limit; i++) {
      const key = this.sorted[i];
      if (!key.startsWith(prefix)) break;
      const value = this.values.get(key);
      if (value) out.push({ key, value });
    }
    return out;
  }

  list(prefix: string): string[] {
    this.settle();
    const out: string[] = [];
    let i = this.lowerBound(prefix);
    while (i < this.sorted.length) {
      const key = this.sorted[i];
      if (!key.startsWith(prefix)) break;
      if (!this.values.has(key)) {
        i++;
        continue;
      }
      const slash = key.indexOf('/', prefix.length);
      if (slash < 0) {
        if (key.length > prefix.length) out.push(key.slice(prefix.length));
        i++;
      } else {
        const child = key.slice(prefix.length, slash + 1);
        if (out[out.length - 1] !== child) out.push(child);
        i = this.lowerBound(key.slice(0, slash) + '0');
      }
    }
    return out;
  }

  private settle(): void {
    if (this.pending.length > 0) {
      const add = [...new Set(this.pending)].filter((k) => this.values.has(k) && !this.inSorted.has(k)).sort(compareKeys);
      this.pending = [];
      const merged: string[] = [];
      let a = 0;
      let b = 0;
      while (a < this.sorted.length || b < add.length) {
        if (b >= add.length || (a < this.sorted.length && compareKeys(this.sorted[a], add[b]) < 0)) merged.push(this.sorted[a++]);
        else merged.push(add[b++]);
      }
      for (const k of add) this.inSorted.add(k);
      this.sorted = merged;
    }
    if (this.dead > 1000 && this.dead * 4 > this.sorted.length) {
      this.sorted = this.sorted.filter((k) => this.values.has(k));
      this.inSorted = new Set(this.sorted);
      this.dead = 0;
    }
  }

  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.sorted[mid], key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export interface ViewStats {
  get: number;
  put: number;
  delete: number;
  list: number;
  scan: number;
  /** Entries returned by scans. */
  scanned: number;
  transaction: number;
}

export class TestView implements StorageView {
  readonly stats: ViewStats;
  private readonly shared: { failTransactions: number };

  constructor(
    readonly store: SortedStore = new SortedStore(),
    private readonly prefix = '',
    parent?: TestView,
  ) {
    this.stats = parent?.stats ?? { get: 0, put: 0, delete: 0, list: 0, scan: 0, scanned: 0, transaction: 0 };
    this.shared = parent?.shared ?? { failTransactions: 0 };
  }

  /** Number of upcoming transactions (through this view or a sub-view) to reject. */
  get failTransactions(): number {
    return this.shared.failTransactions;
  }

  set failTransactions(n: number) {
    this.shared.failTransactions = n;
  }

  resetStats(): void {
    for (const k of Object.keys(this.stats) as Array<keyof ViewStats>) this.stats[k] = 0;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.stats.get++;
    return this.store.get(this.prefix + key);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.stats.put++;
    this.store.set(this.prefix + key, value);
  }

  async delete(key: string): Promise<void> {
    this.stats.delete++;
    this.store.delete(this.prefix + key);
  }

  async list(prefix: string): Promise<string[]> {
    this.stats.list++;
    return this.store.list(this.prefix + prefix);
  }

  /** `after` is a key of this view, like the keys returned. */
  async scan(prefix: string, opts: ScanOptions = {}): Promise<Entry[]> {
    this.stats.scan++;
    const full: ScanOptions = { ...opts };
    if (opts.after !== undefined) full.after = this.prefix + opts.after;
    const out = this.store.scan(this.prefix + prefix, full);
    this.stats.scanned += out.length;
    return out.map((e) => ({ key: e.key.slice(this.prefix.length), value: e.value }));
  }

  async transaction(ops: ViewTxOp[]): Promise<void> {
    this.stats.transaction++;
    if (this.shared.failTransactions > 0) {
      this.shared.failTransactions--;
      throw new Error('injected storage failure');
    }
    const encoded = ops.map((o) =>
      o.op === 'delete' ? o : { ...o, value: o.value instanceof Uint8Array ? o.value : encoder.encode(JSON.stringify(o.value.json)) },
    );
    for (const o of encoded) {
      if (o.op === 'delete') this.store.delete(this.prefix + o.key);
      else this.store.set(this.prefix + o.key, o.value);
    }
  }

  async getJSON<T>(key: string): Promise<T | undefined> {
    const v = await this.get(key);
    return v === undefined ? undefined : (JSON.parse(decoder.decode(v)) as T);
  }

  async putJSON(key: string, value: unknown): Promise<void> {
    await this.put(key, encoder.encode(JSON.stringify(value)));
  }

  sub(prefix: string): TestView {
    if (!prefix.endsWith('/')) throw new Error('sub-view prefix must end in /');
    return new TestView(this.store, this.prefix + prefix, this);
  }
}

export const silentLogger = {
  debug(): void {},
  info(): void {},
  warn(): void {},
  error(): void {},
};
