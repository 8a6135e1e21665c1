/**
 * node-vault (a real third-party Vault client) bound to a test server, and helpers to read its
 * errors. Note: node-vault's token-issuing calls (tokenCreate, tokenRenewSelf, ...) replace the
 * client's own token with the issued one; use a throw-away client for them (see {@link issuer}).
 */
import nodeVault from 'node-vault';
import type NodeVault from 'node-vault';

export type VaultClient = NodeVault.client;

/** A node-vault client for addr with token (and CA for https). */
export function vaultClient(addr: string, token?: string, ca?: string): VaultClient {
  return nodeVault({
    apiVersion: 'v1',
    endpoint: addr,
    ...(token !== undefined ? { token } : {}),
    ...(ca !== undefined ? { requestOptions: { ca } } : {}),
  });
}

/** A fresh client with `token`, for one token-issuing call (node-vault swaps the token after it). */
export function issuer(addr: string, token: string): VaultClient {
  return vaultClient(addr, token);
}

/** What a node-vault rejection carried: HTTP status and the message (errors[0]). */
export interface VaultFailure {
  status: number;
  message: string;
  body: unknown;
}

/** Awaits p, expecting a rejection with an HTTP answer; returns its status/message/body. */
export async function vaultFailure(p: Promise<unknown>): Promise<VaultFailure> {
  let value: unknown;
  try {
    value = await p;
  } catch (e) {
    const err = e as { message?: unknown; response?: { statusCode?: unknown; body?: unknown } };
    if (!err.response || typeof err.response.statusCode !== 'number') throw e;
    return { status: err.response.statusCode, message: String(err.message), body: err.response.body };
  }
  throw new Error(`expected the request to fail, it succeeded with ${JSON.stringify(value)}`);
}
