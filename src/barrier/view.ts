import type { Entry, ScanOptions, TxOp } from '../storage/physical.ts';
import type { Barrier } from './barrier.ts';
import type { StorageView, ViewTxOp } from './storage-view.ts';

function jsonBytes(value: unknown): Buffer {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('value cannot be stored as JSON');
  return Buffer.from(text, 'utf8');
}

/**
 * A prefix of the barrier (one per mount: "logical/<uuid>/", "auth/<uuid>/", or a core area such
 * as "sys/token/"). Keys given to and returned by a view are relative to its prefix; values are
 * encrypted with the FULL storage key as AAD, so a view cannot read another view's entries even
 * if they were copied over. `scan`'s `after` is a key relative to this view, like the keys it
 * returns, so a page's last key continues the scan.
 */
export class BarrierView implements StorageView {
  constructor(
    private readonly barrier: Barrier,
    readonly prefix: string,
  ) {
    if (prefix !== '' && !prefix.endsWith('/')) throw new Error(`storage view prefix must end in '/': ${prefix}`);
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.barrier.get(this.prefix + key);
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return this.barrier.put(this.prefix + key, value);
  }

  delete(key: string): Promise<void> {
    return this.barrier.delete(this.prefix + key);
  }

  list(prefix: string): Promise<string[]> {
    return this.barrier.list(this.prefix + prefix);
  }

  async scan(prefix: string, opts?: ScanOptions): Promise<Entry[]> {
    const full: ScanOptions | undefined =
      opts?.after === undefined ? opts : { after: this.prefix + opts.after, limit: opts.limit };
    const entries = await this.barrier.scan(this.prefix + prefix, full);
    const cut = this.prefix.length;
    for (let i = 0; i < entries.length; i++) entries[i].key = entries[i].key.slice(cut);
    return entries;
  }

  async transaction(ops: ViewTxOp[]): Promise<void> {
    const full: TxOp[] = new Array(ops.length);
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      const key = this.prefix + op.key;
      if (op.op === 'delete') full[i] = { op: 'delete', key };
      else full[i] = { op: 'put', key, value: op.value instanceof Uint8Array ? op.value : jsonBytes(op.value.json) };
    }
    return this.barrier.transaction(full);
  }

  async getJSON<T>(key: string): Promise<T | undefined> {
    const value = await this.barrier.get(this.prefix + key);
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value.toString('utf8')) as T;
    } finally {
      value.fill(0);
    }
  }

  async putJSON(key: string, value: unknown): Promise<void> {
    return this.barrier.put(this.prefix + key, jsonBytes(value));
  }

  sub(prefix: string): StorageView {
    if (!prefix.endsWith('/')) throw new Error(`storage view prefix must end in '/': ${prefix}`);
    return new BarrierView(this.barrier, this.prefix + prefix);
  }
}
