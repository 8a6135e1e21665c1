import type { Entry, ScanOptions } from '../storage/physical.ts';

/** A storage view: a prefix of the barrier. Values are encrypted with the full path as AAD. */
export interface StorageView {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<string[]>;
  /** Keys returned are relative to this view. */
  scan(prefix: string, opts?: ScanOptions): Promise<Entry[]>;
  transaction(ops: ViewTxOp[]): Promise<void>;
  getJSON<T>(key: string): Promise<T | undefined>;
  putJSON(key: string, value: unknown): Promise<void>;
  /** A view of a sub-prefix (which must end in '/'). */
  sub(prefix: string): StorageView;
}

export type ViewTxOp = { op: 'put'; key: string; value: Uint8Array | { json: unknown } } | { op: 'delete'; key: string };

