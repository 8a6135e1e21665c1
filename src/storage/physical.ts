/**
 * The physical storage contract. Every backend (memory, SQLite, later PostgreSQL) implements it
 * and passes the shared contract suite in `contract-suite.ts`.
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

// ---------------------------------------------------------------------------------------------
// Shared key rules for every backend (added with the memory/SQLite backends).

/**
 * Compares two keys in UTF-8 byte order (= Unicode code point order), which is SQLite's BINARY
 * collation and PostgreSQL's `COLLATE "C"`. JavaScript's `<` compares UTF-16 code units, which
 * differs for characters above U+FFFF versus U+E000..U+FFFF; this fixes that up without allocating.
 */
export function compareKeys(a: string, b: string): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        // Surrogates (code points >= U+10000) sort after U+E000..U+FFFF in code point order.
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

// A lone surrogate cannot be encoded in UTF-8 (it would collapse to U+FFFD in a backend).
const LONE_SURROGATE = /[\ud800-\udfff]/u;

/** Throws unless `key` is a usable storage key: a non-empty, well-formed string. */
export function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) throw new TypeError('storage key must be a non-empty string');
  if (LONE_SURROGATE.test(key)) throw new TypeError('storage key must be well-formed Unicode');
}

/** Throws unless every operation of a transaction is well formed (nothing is applied then). */
export function checkTxOps(ops: unknown): asserts ops is TxOp[] {
  if (!Array.isArray(ops)) throw new TypeError('transaction operations must be an array');
  for (const op of ops as unknown[]) {
    if (typeof op !== 'object' || op === null) throw new TypeError('transaction operation must be an object');
    const o = op as { op?: unknown; key?: unknown; value?: unknown };
    checkKey(o.key);
    if (o.op === 'put') {
      if (!(o.value instanceof Uint8Array)) throw new TypeError(`transaction put of ${o.key}: value must be bytes`);
    } else if (o.op !== 'delete') {
      throw new TypeError(`unknown transaction operation ${String(o.op)}`);
    }
  }
}
