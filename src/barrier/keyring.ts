import { randomBytes } from 'node:crypto';
import { KEY_SIZE } from './aes-gcm.ts';

/**
 * The barrier keyring (spec/core.md 6.3): numbered key terms, each a random AES-256 key with its
 * install time; the active (highest) term encrypts new writes, every older term stays for reads.
 *
 * Serialised form (binary, so no key material ever lives in a JS string):
 *   version (1 byte = 1) | active term (u32 BE) | count (u16 BE) | count x term record
 *   term record = term (u32) | key (32 bytes) | install time ms (f64) | encryptions (f64)
 */

export interface KeyTerm {
  term: number;
  key: Buffer;
  /** Milliseconds since the epoch, with a sub-millisecond fraction. */
  installTime: number;
  /** Encryptions under this term (estimated: persisted whenever the keyring is written). */
  encryptions: number;
}

const FORMAT_VERSION = 1;
const HEADER = 1 + 4 + 2;
const RECORD = 4 + KEY_SIZE + 8 + 8;

/** Now, in ms since the epoch, with the sub-millisecond part the clock offers. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** RFC 3339 with nanosecond precision, trailing zeros trimmed (Go's time.RFC3339Nano). */
export function rfc3339Nano(ms: number): string {
  const whole = Math.floor(ms);
  const iso = new Date(whole).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const micros = Math.round((ms - whole) * 1000) % 1000;
  const frac = (iso.slice(20, 23) + String(micros).padStart(3, '0') + '000').replace(/0+$/, '');
  return iso.slice(0, 19) + (frac ? '.' + frac : '') + 'Z';
}

export class Keyring {
  private readonly terms = new Map<number, KeyTerm>();
  private active: KeyTerm;

  private constructor(terms: KeyTerm[], activeTerm: number) {
    for (const t of terms) this.terms.set(t.term, t);
    const active = this.terms.get(activeTerm);
    if (!active) throw new Error(`keyring has no active term ${activeTerm}`);
    this.active = active;
  }

  /** A new keyring with term 1. */
  static create(now = preciseNow()): Keyring {
    return new Keyring([{ term: 1, key: randomBytes(KEY_SIZE), installTime: now, encryptions: 0 }], 1);
  }

  static deserialize(data: Uint8Array): Keyring {
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (buf.length < HEADER || buf[0] !== FORMAT_VERSION) throw new Error('keyring: unknown format');
    const activeTerm = buf.readUInt32BE(1);
    const count = buf.readUInt16BE(5);
    if (count === 0 || buf.length !== HEADER + count * RECORD) throw new Error('keyring: malformed');
    const terms: KeyTerm[] = [];
    for (let i = 0, at = HEADER; i < count; i++, at += RECORD) {
      const key = Buffer.alloc(KEY_SIZE);
      buf.copy(key, 0, at + 4, at + 4 + KEY_SIZE);
      terms.push({
        term: buf.readUInt32BE(at),
        key,
        installTime: buf.readDoubleBE(at + 4 + KEY_SIZE),
        encryptions: buf.readDoubleBE(at + 4 + KEY_SIZE + 8),
      });
    }
    return new Keyring(terms, activeTerm);
  }

  /** The binary form (contains keys: encrypt it, and wipe it once written). */
  serialize(): Buffer {
    const out = Buffer.alloc(HEADER + this.terms.size * RECORD);
    out[0] = FORMAT_VERSION;
    out.writeUInt32BE(this.active.term, 1);
    out.writeUInt16BE(this.terms.size, 5);
    let at = HEADER;
    for (const t of [...this.terms.values()].sort((a, b) => a.term - b.term)) {
      out.writeUInt32BE(t.term, at);
      t.key.copy(out, at + 4);
      out.writeDoubleBE(t.installTime, at + 4 + KEY_SIZE);
      out.writeDoubleBE(t.encryptions, at + 4 + KEY_SIZE + 8);
      at += RECORD;
    }
    return out;
  }

  get activeTerm(): KeyTerm {
    return this.active;
  }

  /** The key of a term, or undefined. */
  key(term: number): Buffer | undefined {
    return this.terms.get(term)?.key;
  }

  has(term: number): boolean {
    return this.terms.has(term);
  }

  get size(): number {
    return this.terms.size;
  }

  /** Counts one encryption under the active term. */
  countEncryption(): void {
    this.active.encryptions++;
  }

  /**
   * A copy with a new random key at term = active + 1, made active (this keyring is unchanged,
   * so a failed write of the new keyring leaves the old one in force).
   */
  rotated(now = preciseNow()): Keyring {
    const terms: KeyTerm[] = [...this.terms.values()].map((t) => ({ ...t, key: Buffer.from(t.key) }));
    const next: KeyTerm = { term: this.active.term + 1, key: randomBytes(KEY_SIZE), installTime: now, encryptions: 0 };
    terms.push(next);
    return new Keyring(terms, next.term);
  }

  /** Zeroes every key. The keyring is unusable afterwards. */
  wipe(): void {
    for (const t of this.terms.values()) t.key.fill(0);
    this.terms.clear();
  }
}
