/**
 * The physical storage contract. Every backend (memory, SQLite, later PostgreSQL) implements it
 * and passes the shared contract suite in `contract.test-suite.ts`.
 *
 * Keys are '/'-separated paths; they are never secret (the barrier encrypts values, not keys).
 * Values are opaque bytes. Nothing here may assume a single process: every call goes to the
 * backend; a backend may cache only what it can invalidate.
 */
export interface Entry {
  key: string;
  value: Uint8Array;
}

export type TxOp = { op: 'put'; key: string; value: Uint8Array } | { op: 'delete'; key: string };

export interface ScanOptions {
  /** Only keys strictly greater than this one (a full key, not relative to the prefix). */
  after?: string;
  /** At most this many entries. */
  limit?: number;
}

export interface Physical {
  /** `inmem`, `sqlite`, ... as reported by sys/seal-status `storage_type`. */
  readonly type: string;
  get(key: string): Promise<Uint8Array | undefined>;
  /** Durable when the promise resolves. */
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Direct children of `prefix` (which is '' or ends in '/'), relative to it, sorted; a child
   * that has descendants is listed once with a trailing '/'. A key can be both `a` and `a/`.
   */
  list(prefix: string): Promise<string[]>;
  /** Full keys starting with `prefix`, in key (byte) order, after `after`, at most `limit`. */
  scan(prefix: string, opts?: ScanOptions): Promise<Entry[]>;
  /** All operations apply atomically and durably, or none does. */
  transaction(ops: TxOp[]): Promise<void>;
  close(): Promise<void>;
}
