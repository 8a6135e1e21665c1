/** Test helper: a KV v2 mount with a settable clock. */
import { createKvV2Backend } from './backend.ts';
import { harness, testMount, type Harness } from '../test-harness.ts';

export interface V2Harness extends Harness {
  clock: { now: number };
}

export const T0 = Date.UTC(2025, 1, 3, 10, 11, 12, 123);

export async function v2(): Promise<V2Harness> {
  const clock = { now: T0 };
  const h = await harness((ctx) => createKvV2Backend(ctx, { now: () => clock.now }), testMount('secret/', 'kv', { version: '2' }));
  return { ...h, clock };
}
