/**
 * A keyed async mutex: `run(key, fn)` runs `fn` after every earlier `run` on the same key has
 * settled. Different keys never wait on each other. Entries are dropped when their queue drains,
 * so the map holds only keys with work in flight.
 */
export class KeyLock {
  private readonly tails = new Map<string, Promise<void>>();

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
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Number of keys with queued or running work (for tests). */
  get size(): number {
    return this.tails.size;
  }
}
