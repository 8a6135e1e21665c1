import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { checkKey, checkTxOps, compareKeys } from './physical.ts';
import type { Entry, Physical, ScanOptions, TxOp } from './physical.ts';

/**
 * SQLite physical storage (`sqlite`, the embedded default), on better-sqlite3.
 *
 * - WAL journal, `synchronous=FULL` (every commit is fsynced), a busy timeout for other
 *   processes holding the write lock. One table: `kv(key TEXT PRIMARY KEY, value BLOB) WITHOUT
 *   ROWID`; keys compare with the BINARY collation, i.e. UTF-8 byte order.
 * - Group commit: put/delete/transaction calls are queued and written together in ONE SQLite
 *   transaction per event-loop turn (setImmediate). Each promise resolves only after its batch
 *   committed; if the batch fails, every promise of it rejects and nothing of it is written. A
 *   transaction() op list runs inside a SAVEPOINT, so a failing op list fails alone and the rest
 *   of the batch still commits. Malformed calls are rejected before they are queued.
 * - Reads run at once on prepared statements. Nothing is cached: several instances (or processes)
 *   on one file see each other's committed writes.
 * - Reads made in one pass of the microtask queue share one read transaction (one snapshot): the
 *   first read of the pass opens it, a process.nextTick callback (which runs once the microtask
 *   queue is empty, before any further I/O is processed) ends it, and every commit of this
 *   process ends every open one first. Starting a read transaction is the costly part of a point
 *   read in WAL mode (shared-memory read lock, two fcntl calls), so a request reading several
 *   keys pays it once. No staleness is possible: within one pass no new I/O is observed, so
 *   nothing a client can have learned after the snapshot began (another process's commit
 *   included) can reach this process before the snapshot ends.
 * - A batch first runs without savepoints; only when one of its statements fails (with the
 *   transaction still open) is it rolled back and re-run with a savepoint per call, so that the
 *   failing call fails alone as described above.
 */

type Pending =
  | { kind: 'put'; key: string; value: Buffer; resolve: () => void; reject: (e: unknown) => void; error?: unknown }
  | { kind: 'delete'; key: string; resolve: () => void; reject: (e: unknown) => void; error?: unknown }
  | { kind: 'tx'; ops: TxOp[]; resolve: () => void; reject: (e: unknown) => void; error?: unknown };

type Stmt<P extends unknown[], R = unknown> = Database.Statement<P, R>;

const BUSY_TIMEOUT_MS = 5000;
/**
 * Page cache per connection, in KiB (SQLite's default is 2 MiB). SQLite's page cache stays
 * coherent across processes (it is validated against the WAL index at every transaction start),
 * so a larger one is only memory: it keeps the hot B-tree pages of a write-heavy database from
 * being re-read (WAL frame lookup + pread) on every request.
 */
const CACHE_KIB = 32 * 1024;

/**
 * Page size of new database files. A WITHOUT ROWID row larger than about a quarter of a page
 * spills into overflow pages, which SQLite reads straight from the file (a pread per read, past
 * the page cache). Barrier-encrypted values (KV metadata with its version list, token entries)
 * are often 1-2 KiB: with 8 KiB pages they stay in their leaf page.
 */
const PAGE_SIZE = 8192;

/** Instances with a read transaction open (every commit in this process ends them first). */
const openReads = new Set<SqlitePhysical>();

function endAllReads(): void {
  for (const p of openReads) p.endRead();
}

/**
 * better-sqlite3 binds Buffers as BLOBs. The bytes are copied at call time, so a caller reusing its
 * buffer while the write waits for its batch cannot change what commits.
 */
function asBuffer(value: Uint8Array): Buffer {
  return Buffer.from(value);
}

/**
 * The smallest string greater than every string starting with `prefix` (undefined: no bound).
 * Increments the last code point; U+10FFFF is dropped and the one before it incremented.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  let p = prefix;
  while (p.length > 0) {
    const last = p.codePointAt(p.length - 1) ?? 0;
    // codePointAt on the low half of a pair returns the low surrogate: look one unit back.
    const width = last >= 0xdc00 && last <= 0xdfff && p.length >= 2 ? 2 : 1;
    const cp = p.codePointAt(p.length - width) ?? 0;
    p = p.slice(0, p.length - width);
    if (cp < 0x10ffff) {
      const next = cp === 0xd7ff ? 0xe000 : cp + 1;
      return p + String.fromCodePoint(next);
    }
  }
  return undefined;
}

export class SqlitePhysical implements Physical {
  readonly type = 'sqlite';
  private readonly db: Database.Database;
  private readonly stGet: Stmt<[string], Buffer>;
  private readonly stPut: Stmt<[string, Buffer]>;
  private readonly stDel: Stmt<[string]>;
  private readonly stKeysFrom: Stmt<[string, string], string>;
  private readonly stKeysFromOpen: Stmt<[string], string>;
  private readonly stScanGE: Stmt<[string, string, number], { key: string; value: Buffer }>;
  private readonly stScanGEOpen: Stmt<[string, number], { key: string; value: Buffer }>;
  private readonly stScanGT: Stmt<[string, string, number], { key: string; value: Buffer }>;
  private readonly stScanGTOpen: Stmt<[string, number], { key: string; value: Buffer }>;
  private readonly stBegin: Stmt<[]>;
  private readonly stBeginRead: Stmt<[]>;
  private readonly stCommit: Stmt<[]>;
  private readonly stRollback: Stmt<[]>;
  private readonly stSavepoint: Stmt<[]>;
  private readonly stRelease: Stmt<[]>;
  private readonly stRollbackTo: Stmt<[]>;
  private queue: Pending[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  private closed = false;
  /** A read transaction opened by beginRead() is open. */
  private reading = false;
  private readonly endReadTick = (): void => this.endRead();

  constructor(readonly path: string) {
    if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    this.db = db;
    try {
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      // Takes effect only when the file is created (an existing database keeps its page size).
      db.pragma(`page_size = ${PAGE_SIZE}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma(`cache_size = -${CACHE_KIB}`);
      db.exec('CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID');
      this.stGet = db.prepare<[string], Buffer>('SELECT value FROM kv WHERE key = ?').pluck();
      this.stPut = db.prepare<[string, Buffer]>(
        'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      );
      this.stDel = db.prepare<[string]>('DELETE FROM kv WHERE key = ?');
      this.stKeysFrom = db
        .prepare<[string, string], string>('SELECT key FROM kv WHERE key >= ? AND key < ? ORDER BY key')
        .pluck();
      this.stKeysFromOpen = db.prepare<[string], string>('SELECT key FROM kv WHERE key >= ? ORDER BY key').pluck();
      const scan = (cond: string) =>
        `SELECT key, value FROM kv WHERE ${cond} ORDER BY key LIMIT ?`;
      type Row = { key: string; value: Buffer };
      this.stScanGE = db.prepare<[string, string, number], Row>(scan('key >= ? AND key < ?'));
      this.stScanGEOpen = db.prepare<[string, number], Row>(scan('key >= ?'));
      this.stScanGT = db.prepare<[string, string, number], Row>(scan('key > ? AND key < ?'));
      this.stScanGTOpen = db.prepare<[string, number], Row>(scan('key > ?'));
      this.stBegin = db.prepare<[]>('BEGIN IMMEDIATE');
      this.stBeginRead = db.prepare<[]>('BEGIN DEFERRED');
      this.stCommit = db.prepare<[]>('COMMIT');
      this.stRollback = db.prepare<[]>('ROLLBACK');
      this.stSavepoint = db.prepare<[]>('SAVEPOINT keep_tx');
      this.stRelease = db.prepare<[]>('RELEASE keep_tx');
      this.stRollbackTo = db.prepare<[]>('ROLLBACK TO keep_tx');
    } catch (e) {
      db.close();
      throw e;
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.checkOpen();
    this.beginRead();
    return this.stGet.get(key);
  }

  put(key: string, value: Uint8Array): Promise<void> {
    try {
      this.checkOpen();
      checkKey(key);
      if (!(value instanceof Uint8Array)) throw new TypeError(`put ${key}: value must be bytes`);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => this.enqueue({ kind: 'put', key, value: asBuffer(value), resolve, reject }));
  }

  delete(key: string): Promise<void> {
    try {
      this.checkOpen();
      checkKey(key);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => this.enqueue({ kind: 'delete', key, resolve, reject }));
  }

  transaction(ops: TxOp[]): Promise<void> {
    try {
      this.checkOpen();
      checkTxOps(ops);
    } catch (e) {
      return Promise.reject(e);
    }
    if (ops.length === 0) return Promise.resolve();
    // Copy the list so later mutation by the caller cannot change what commits.
    const copy: TxOp[] = ops.map((op) =>
      op.op === 'put' ? { op: 'put', key: op.key, value: asBuffer(op.value) } : { op: 'delete', key: op.key },
    );
    return new Promise((resolve, reject) => this.enqueue({ kind: 'tx', ops: copy, resolve, reject }));
  }

  async list(prefix: string): Promise<string[]> {
    this.checkOpen();
    this.beginRead();
    const out: string[] = [];
    const upper = prefixUpperBound(prefix);
    let from: string | undefined = prefix;
    while (from !== undefined) {
      const it: IterableIterator<string> =
        upper === undefined ? this.stKeysFromOpen.iterate(from) : this.stKeysFrom.iterate(from, upper);
      from = undefined;
      for (const key of it) {
        const slash = key.indexOf('/', prefix.length);
        if (slash < 0) {
          if (key.length > prefix.length) out.push(key.slice(prefix.length));
          continue;
        }
        out.push(key.slice(prefix.length, slash + 1));
        // Seek past the child's subtree: every "<child>/..." key sorts below "<child>0".
        from = key.slice(0, slash) + '0';
        break; // ends the iterator (resets the statement)
      }
    }
    return out;
  }

  async scan(prefix: string, opts: ScanOptions = {}): Promise<Entry[]> {
    this.checkOpen();
    const limit = opts.limit === undefined || opts.limit === Infinity ? -1 : Math.max(0, Math.floor(opts.limit));
    if (limit === 0) return [];
    this.beginRead();
    const upper = prefixUpperBound(prefix);
    const after = opts.after;
    let rows: { key: string; value: Buffer }[];
    if (after !== undefined && compareKeys(after, prefix) >= 0) {
      if (upper !== undefined && compareKeys(after, upper) >= 0) return [];
      rows = upper === undefined ? this.stScanGTOpen.all(after, limit) : this.stScanGT.all(after, upper, limit);
    } else {
      rows = upper === undefined ? this.stScanGEOpen.all(prefix, limit) : this.stScanGE.all(prefix, upper, limit);
    }
    return rows as Entry[];
  }

  /** Flushes queued writes, then closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.scheduled = null;
    }
    this.flush();
    this.endRead();
    this.closed = true;
    this.db.close();
  }

  /** Opens the shared read transaction of this microtask pass, unless one is open. */
  private beginRead(): void {
    if (this.reading || this.db.inTransaction) return;
    this.stBeginRead.run();
    this.reading = true;
    openReads.add(this);
    process.nextTick(this.endReadTick);
  }

  /** Ends the read transaction opened by beginRead(), if any. @internal */
  endRead(): void {
    if (!this.reading) return;
    this.reading = false;
    openReads.delete(this);
    try {
      this.stCommit.run();
    } catch {
      // Ending a read-only transaction loses nothing; make sure none is left open.
      if (this.db.inTransaction) {
        try {
          this.stRollback.run();
        } catch {
          // the connection rolled back on its own
        }
      }
    }
  }

  private enqueue(p: Pending): void {
    this.queue.push(p);
    if (this.scheduled === null) this.scheduled = setImmediate(() => this.flush());
  }

  /** Writes every queued operation in one SQLite transaction, then settles their promises. */
  private flush(): void {
    this.scheduled = null;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    endAllReads();
    try {
      this.stBegin.run();
      if (!this.applyAll(batch)) {
        // A statement failed with the transaction still open: redo the batch call by call.
        this.stRollback.run();
        this.stBegin.run();
        for (const p of batch) this.apply(p);
      }
      this.stCommit.run();
    } catch (e) {
      if (this.db.inTransaction) {
        try {
          this.stRollback.run();
        } catch {
          // the connection rolled back on its own
        }
      }
      for (const p of batch) p.reject(e);
      return;
    }
    for (const p of batch) {
      if (p.error === undefined) p.resolve();
      else p.reject(p.error);
    }
  }

  /**
   * Applies the whole batch without savepoints. False when a statement failed and the transaction
   * is still open (the caller rolls back and retries call by call); an error that ended the
   * transaction propagates.
   */
  private applyAll(batch: Pending[]): boolean {
    const put = this.stPut;
    const del = this.stDel;
    try {
      for (let i = 0; i < batch.length; i++) {
        const p = batch[i];
        if (p.kind === 'put') put.run(p.key, p.value);
        else if (p.kind === 'delete') del.run(p.key);
        else {
          const ops = p.ops;
          for (let j = 0; j < ops.length; j++) {
            const op = ops[j];
            if (op.op === 'put') put.run(op.key, op.value as Buffer);
            else del.run(op.key);
          }
        }
      }
      return true;
    } catch (e) {
      if (!this.db.inTransaction) throw e;
      return false;
    }
  }

  /** Applies one queued call inside the open batch; an error that aborted the batch propagates. */
  private apply(p: Pending): void {
    if (p.kind === 'tx') {
      this.stSavepoint.run();
      try {
        for (const op of p.ops) {
          if (op.op === 'put') this.stPut.run(op.key, op.value as Buffer);
          else this.stDel.run(op.key);
        }
        this.stRelease.run();
      } catch (e) {
        if (!this.db.inTransaction) throw e;
        this.stRollbackTo.run();
        this.stRelease.run();
        p.error = e ?? new Error('transaction failed');
      }
      return;
    }
    try {
      // A single statement is atomic on its own.
      if (p.kind === 'put') this.stPut.run(p.key, p.value);
      else this.stDel.run(p.key);
    } catch (e) {
      if (!this.db.inTransaction) throw e;
      p.error = e ?? new Error('write failed');
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('storage is closed');
  }
}

/** Opens (creating if needed) a SQLite store at `path`. */
export function openSqlite(path: string): SqlitePhysical {
  return new SqlitePhysical(path);
}
