import sortedBtree from 'sorted-btree';
import { checkKey, checkTxOps, compareKeys } from './physical.ts';
import type { Entry, Physical, ScanOptions, TxOp } from './physical.ts';

// sorted-btree is CommonJS: its class is the `default` property of the module object.
const BTree = sortedBtree.default;

/**
 * In-memory physical storage (`inmem`, the dev server's backend). Keys live in a B+ tree ordered
 * by UTF-8 bytes (the same order as SQLite's BINARY collation), so a put, delete or seek is
 * O(log n) even with millions of keys (leases, tokens).
 * Values are copied on write; a value returned by `get`/`scan` must not be mutated by the caller.
 */
export class MemoryPhysical implements Physical {
  readonly type = 'inmem';
  private readonly tree = new BTree<string, Uint8Array>(undefined, compareKeys);
  private closed = false;

  async get(key: string): Promise<Uint8Array | undefined> {
    this.checkOpen();
    return this.tree.get(key);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.checkOpen();
    checkKey(key);
    if (!(value instanceof Uint8Array)) throw new TypeError(`put ${key}: value must be bytes`);
    this.tree.set(key, value.slice());
  }

  async delete(key: string): Promise<void> {
    this.checkOpen();
    this.tree.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    this.checkOpen();
    const out: string[] = [];
    let key = this.ceiling(prefix);
    while (key !== undefined && key.startsWith(prefix)) {
      const slash = key.indexOf('/', prefix.length);
      if (slash < 0) {
        if (key.length > prefix.length) out.push(key.slice(prefix.length));
        key = this.tree.nextHigherKey(key);
      } else {
        out.push(key.slice(prefix.length, slash + 1));
        // Skip the whole subtree: every key under "<child>/" sorts below "<child>0" ('0' follows '/').
        key = this.ceiling(key.slice(0, slash) + '0');
      }
    }
    return out;
  }

  async scan(prefix: string, opts: ScanOptions = {}): Promise<Entry[]> {
    this.checkOpen();
    const limit = opts.limit ?? Infinity;
    const out: Entry[] = [];
    if (limit <= 0) return out;
    let key: string | undefined;
    if (opts.after !== undefined && compareKeys(opts.after, prefix) >= 0) key = this.tree.nextHigherKey(opts.after);
    else key = this.ceiling(prefix);
    while (key !== undefined && key.startsWith(prefix) && out.length < limit) {
      out.push({ key, value: this.tree.get(key) as Uint8Array });
      key = this.tree.nextHigherKey(key);
    }
    return out;
  }

  async transaction(ops: TxOp[]): Promise<void> {
    this.checkOpen();
    checkTxOps(ops); // all checks first: a rejected transaction applies nothing
    for (const op of ops) {
      if (op.op === 'put') this.tree.set(op.key, op.value.slice());
      else this.tree.delete(op.key);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Number of keys held (tests, metrics). */
  get size(): number {
    return this.tree.size;
  }

  /** The smallest key >= `key`. */
  private ceiling(key: string): string | undefined {
    return this.tree.has(key) ? key : this.tree.nextHigherKey(key);
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('storage is closed');
  }
}
