/** Test doubles for engines' unit tests (never used by the server). */
import { randomBytes } from 'node:crypto';
import type { SystemView } from './types.ts';

/** A SystemView whose passwords are random base64url strings. */
export function testSystemView(): SystemView {
  return {
    generatePassword: async () => randomBytes(15).toString('base64url'),
    renderPolicies: async (policies) => policies.map((policy) => ({ policy, paths: [] })),
  };
}
