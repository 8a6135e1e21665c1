/**
 * `auth/token/` endpoints (spec/auth.md 1.3). Reach it as `client.tokens`.
 */
import type { KeepClient } from './client.ts';
import type { SecretResponse, TokenCreateRequest } from './types.ts';

function required(secret: SecretResponse | null, what: string): SecretResponse {
  if (!secret) throw new Error(`empty answer from ${what}`);
  return secret;
}

function withIncrement(body: Record<string, unknown>, increment?: string | number): Record<string, unknown> {
  if (increment !== undefined && increment !== '') body.increment = increment;
  return body;
}

/** The token store API. */
export class TokenApi {
  constructor(private readonly client: KeepClient) {}

  /**
   * Creates a token: `auth/token/create`, `auth/token/create-orphan` (`orphan: true`) or
   * `auth/token/create/<role>` (`role`). The answer's `auth.client_token` is the new token.
   */
  async create(req: TokenCreateRequest = {}, options: { role?: string; orphan?: boolean; wrapTTL?: string | number } = {}): Promise<SecretResponse> {
    let path = 'auth/token/create';
    if (options.role) path = `auth/token/create/${options.role}`;
    else if (options.orphan) path = 'auth/token/create-orphan';
    const secret = await this.client.write(path, { ...req }, { wrapTTL: options.wrapTTL });
    return required(secret, path);
  }

  /** `GET auth/token/lookup-self`. */
  async lookupSelf(): Promise<SecretResponse> {
    return required(await this.client.read('auth/token/lookup-self'), 'auth/token/lookup-self');
  }

  /** `POST auth/token/lookup` for another token. */
  async lookup(token: string): Promise<SecretResponse> {
    return required(await this.client.write('auth/token/lookup', { token }, { retries: 0 }), 'auth/token/lookup');
  }

  /** `POST auth/token/lookup-accessor`. */
  async lookupAccessor(accessor: string): Promise<SecretResponse> {
    return required(await this.client.write('auth/token/lookup-accessor', { accessor }), 'auth/token/lookup-accessor');
  }

  /** `POST auth/token/renew-self`. */
  async renewSelf(increment?: string | number): Promise<SecretResponse> {
    return required(await this.client.write('auth/token/renew-self', withIncrement({}, increment)), 'auth/token/renew-self');
  }

  /** `POST auth/token/renew`. */
  async renew(token: string, increment?: string | number): Promise<SecretResponse> {
    return required(await this.client.write('auth/token/renew', withIncrement({ token }, increment)), 'auth/token/renew');
  }

  /** `POST auth/token/renew-accessor`. */
  async renewAccessor(accessor: string, increment?: string | number): Promise<SecretResponse> {
    return required(await this.client.write('auth/token/renew-accessor', withIncrement({ accessor }, increment)), 'auth/token/renew-accessor');
  }

  /** `POST auth/token/revoke-self`. */
  async revokeSelf(): Promise<void> {
    await this.client.write('auth/token/revoke-self', {});
  }

  /** `POST auth/token/revoke` (the token and its children). */
  async revoke(token: string): Promise<void> {
    await this.client.write('auth/token/revoke', { token });
  }

  /** `POST auth/token/revoke-orphan` (sudo; children become orphans). */
  async revokeOrphan(token: string): Promise<void> {
    await this.client.write('auth/token/revoke-orphan', { token });
  }

  /** `POST auth/token/revoke-accessor`. */
  async revokeAccessor(accessor: string): Promise<void> {
    await this.client.write('auth/token/revoke-accessor', { accessor });
  }
}
