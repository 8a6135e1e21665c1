import { checkKey, checkTxOps, compareKeys } from './physical.ts';
import type { Entry, Physical, ScanOptions, TxOp } from './physical.ts';

/**
 * In-memory physical storage (`inmem`, the dev server's backend). Keys are held in one array kept
 * sorted in UTF-8 byte order (the same order as SQLite's BINARY collation) beside a Map of values.
 * Values are copied on write; a value returned by `get`/`scan` must not be mutated by the caller.
 */
export class MemoryPhysical implements Physical {
  readonly type = 'inmem';
  private readonly values = new Map<string, Uint8Array>();
  private readonly keys: string[] = [];
  private closed = false;

  async get(key: string): Promise<Uint8Array | undefined> {
    this.checkOpen();
    return this.values.get(key);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.checkOpen();
    checkKey(key);
    if (!(value instanceof Uint8Array)) throw new TypeError(`put ${key}: value must be bytes`);
    this.set(key, value);
  }

  async delete(key: string): Promise<void> {
    this.checkOpen();
    this.remove(key);
  }

  async list(prefix: string): Promise<string[]> {
    this.checkOpen();
    const out: string[] = [];
    const keys = this.keys;
    let i = this.lowerBound(prefix);
    while (i < keys.length) {
      const key = keys[i];
      if (!key.startsWith(prefix)) break;
      const slash = key.indexOf('/', prefix.length);
      if (slash < 0) {
        if (key.length > prefix.length) out.push(key.slice(prefix.length));
        i++;
      } else {
        out.push(key.slice(prefix.length, slash + 1));
        // Skip the whole subtree: every key under "<child>/" sorts below "<child>0" ('0' follows '/').
        i = this.lowerBound(key.slice(0, slash) + '0', i + 1);
      }
    }
    return out;
  }

  async scan(prefix: string, opts: ScanOptions = {}): Promise<Entry[]> {
    this.checkOpen();
    const limit = opts.limit ?? Infinity;
    const out: Entry[] = [];
    if (limit <= 0) return out;
    const keys = this.keys;
    let i: number;
    if (opts.after !== undefined && compareKeys(opts.after, prefix) >= 0) {
      i = this.lowerBound(opts.after);
      if (i < keys.length && keys[i] === opts.after) i++;
    } else {
      i = this.lowerBound(prefix);
    }
    for (; i < keys.length && out.length < limit; i++) {
      const key = keys[i];
      if (!key.startsWith(prefix)) break;
      out.push({ key, value: this.values.get(key) as Uint8Array });
    }
    return out;
  }

  async transaction(ops: TxOp[]): Promise<void> {
    this.checkOpen();
    checkTxOps(ops); // all checks first: a rejected transaction applies nothing
    for (const op of ops) {
      if (op.op === 'put') this.set(op.key, op.value);
      else this.remove(op.key);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Number of keys held (tests, metrics). */
  get size(): number {
    return this.keys.length;
  }

  private set(key: string, value: Uint8Array): void {
    if (!this.values.has(key)) {
      const i = this.lowerBound(key);
      this.keys.splice(i, 0, key);
    }
    this.values.set(key, value.slice());
  }

  private remove(key: string): void {
    if (!this.values.delete(key)) return;
    const i = this.lowerBound(key);
    this.keys.splice(i, 1);
  }

  /** Index of the first key >= `key`, searching from `from`. */
  private lowerBound(key: string, from = 0): number {
    const keys = this.keys;
    let lo = from;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(keys[mid], key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('storage is closed');
  }
}
