/**
 * A keyed async mutex: `run(key, fn)` runs `fn` after every earlier `run` on the same key has
 * settled. Different keys never wait on each other. Entries are dropped when their queue drains,
 * so the map holds only keys with work in flight.
 *
 * It also tells whether a key's work has finished since a mark (mark() / unchangedSince()), so
 * that a value read outside the lock may be reused inside it when no holder can have changed it
 * meanwhile. The release history is bounded: a key whose last release was forgotten counts as
 * changed since any mark older than the newest forgotten release.
 */
const RELEASE_MEMORY = 4096;

export class KeyLock {
  private readonly tails = new Map<string, Promise<void>>();
  /** Number of releases so far (any key). */
  private releases = 0;
  /** key -> the release number of its latest release, oldest first. */
  private readonly lastRelease = new Map<string, number>();
  /** The highest release number dropped from lastRelease. */
  private forgottenUpTo = 0;

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous ? previous.then(() => mine) : mine;
    this.tails.set(key, tail);
    if (previous) await previous;
    try {
      return await fn();
    } finally {
      this.noteRelease(key);
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** A mark to take BEFORE reading something that only holders of a key's lock change. */
  mark(): number {
    return this.releases;
  }

  /**
   * True when no run() on `key` has finished since `mark` was taken. Called while holding the
   * key's lock, a true answer means no holder can have changed what was read after the mark.
   */
  unchangedSince(key: string, mark: number): boolean {
    return (this.lastRelease.get(key) ?? this.forgottenUpTo) <= mark;
  }

  /** Number of keys with queued or running work (for tests). */
  get size(): number {
    return this.tails.size;
  }

  private noteRelease(key: string): void {
    const n = ++this.releases;
    this.lastRelease.delete(key);
    this.lastRelease.set(key, n);
    if (this.lastRelease.size > RELEASE_MEMORY) {
      for (const [oldest, at] of this.lastRelease) {
        this.forgottenUpTo = at;
        this.lastRelease.delete(oldest);
        break;
      }
    }
  }
}
