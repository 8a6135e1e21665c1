/** What the KV v2 handlers of one mount share: the config cache, the per-key lock, a clock. */
import { KeyLock } from '../key-lock.ts';
import { ConfigCache } from './store.ts';

export interface V2State {
  config: ConfigCache;
  lock: KeyLock;
  /** Milliseconds since the epoch (injectable for tests). */
  now(): number;
}

export function newV2State(now: () => number = Date.now): V2State {
  return { config: new ConfigCache(), lock: new KeyLock(), now };
}
