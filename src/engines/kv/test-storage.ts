/**
 * Test helper: a StorageView over in-memory physical storage (no encryption), with a count of
 * `get` calls so tests can check how many storage reads a request costs.
 */
import type { Entry, ScanOptions } from '../../storage/physical.ts';
import { MemoryPhysical } from '../../storage/memory.ts';
import type { StorageView, ViewTxOp } from '../../framework/types.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class MemoryView implements StorageView {
  readonly counters: { gets: number };
  /** Test hook run before each `get` (to interleave other work with a request). */
  beforeGet?: (key: string) => Promise<void>;

  constructor(
    readonly physical: MemoryPhysical = new MemoryPhysical(),
    readonly prefix = '',
    counters?: { gets: number },
  ) {
    this.counters = counters ?? { gets: 0 };
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.counters.gets++;
    if (this.beforeGet) await this.beforeGet(key);
    return this.physical.get(this.prefix + key);
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return this.physical.put(this.prefix + key, value);
  }

  delete(key: string): Promise<void> {
    return this.physical.delete(this.prefix + key);
  }

  list(prefix: string): Promise<string[]> {
    return this.physical.list(this.prefix + prefix);
  }

  async scan(prefix: string, opts: ScanOptions = {}): Promise<Entry[]> {
    const after = opts.after === undefined ? undefined : this.prefix + opts.after;
    const entries = await this.physical.scan(this.prefix + prefix, { after, limit: opts.limit });
    return entries.map((e) => ({ key: e.key.slice(this.prefix.length), value: e.value }));
  }

  transaction(ops: ViewTxOp[]): Promise<void> {
    return this.physical.transaction(
      ops.map((op) =>
        op.op === 'delete'
          ? { op: 'delete' as const, key: this.prefix + op.key }
          : {
              op: 'put' as const,
              key: this.prefix + op.key,
              value: op.value instanceof Uint8Array ? op.value : encoder.encode(JSON.stringify(op.value.json)),
            },
      ),
    );
  }

  async getJSON<T>(key: string): Promise<T | undefined> {
    const bytes = await this.get(key);
    return bytes === undefined ? undefined : (JSON.parse(decoder.decode(bytes)) as T);
  }

  putJSON(key: string, value: unknown): Promise<void> {
    return this.put(key, encoder.encode(JSON.stringify(value)));
  }

  sub(prefix: string): StorageView {
    if (!prefix.endsWith('/')) throw new Error('sub-prefix must end in /');
    return new MemoryView(this.physical, this.prefix + prefix, this.counters);
  }

  /** Every key under this view (tests). */
  async keys(): Promise<string[]> {
    return (await this.scan('')).map((e) => e.key);
  }
}
