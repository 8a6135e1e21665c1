/**
 * The GitHub Action's inputs, read the way `@actions/core` reads them: `INPUT_<NAME>` with the
 * name upper-cased and spaces turned into `_`, trimmed; a missing input is ''. Names and
 * defaults follow hashicorp/vault-action where the meaning is the same.
 */

/** The environment the runner gives a step. */
export type StepEnv = Record<string, string | undefined>;

/** How the action authenticates. */
export type ActionMethod = 'jwt' | 'token';

/** The action's inputs after defaults and validation. */
export interface ActionInputs {
  /** Keep's address (vault-action `url`). */
  url: string;
  method: ActionMethod;
  /** JWT role ('' lets the mount's default_role apply). */
  role: string;
  /** Auth mount path (vault-action `path`), default `jwt`. */
  path: string;
  /** A Keep token, for `method: token`. */
  token: string;
  /** Audience of the GitHub job token ('' = GitHub's default). */
  jwtGithubAudience: string;
  /** vault-action `secrets` syntax. */
  secrets: string;
  exportEnv: boolean;
  exportToken: boolean;
  ignoreNotFound: boolean;
  /** Revoke the token in the post step (only a token this action obtained by logging in). */
  revoke: boolean;
  /** CA bundle: PEM text, or base64 of it (vault-action `caCertificate`). */
  caCertificate: string;
}

/** A bad or missing input (the message names it). */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** `core.getInput(name)`: the trimmed value of `INPUT_<NAME>`, '' when unset. */
export function getInput(env: StepEnv, name: string): string {
  const v = env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`];
  return (v ?? '').trim();
}

/** vault-action's booleans: `exportEnv` is true unless exactly `false`; the others false unless exactly `true`. */
function flag(env: StepEnv, name: string, dflt: boolean): boolean {
  const v = getInput(env, name);
  if (v === '') return dflt;
  return dflt ? v !== 'false' : v === 'true';
}

/** PEM text from the `caCertificate` input (PEM as is, or base64-encoded PEM as vault-action takes it). */
function caText(raw: string): string {
  if (raw === '' || raw.includes('-----BEGIN')) return raw;
  const decoded = Buffer.from(raw, 'base64').toString('utf8');
  if (!decoded.includes('-----BEGIN')) throw new InputError('Input caCertificate is neither PEM nor base64-encoded PEM');
  return decoded;
}

/**
 * Reads and checks the inputs.
 * @throws InputError for a missing `url`, an unknown `method`, `method: token` without `token`,
 *   or an unreadable `caCertificate`.
 */
export function readInputs(env: StepEnv): ActionInputs {
  const url = getInput(env, 'url');
  if (url === '') throw new InputError('Input required and not supplied: url');
  const token = getInput(env, 'token');
  const methodRaw = getInput(env, 'method').toLowerCase();
  const method = methodRaw === '' ? (token !== '' ? 'token' : 'jwt') : methodRaw;
  if (method !== 'jwt' && method !== 'token') {
    throw new InputError(`Input method "${methodRaw}" is not supported by Keep's action; use "jwt" (GitHub's job token) or "token"`);
  }
  if (method === 'token' && token === '') throw new InputError('Input token is required with method "token"');
  return {
    url,
    method,
    role: getInput(env, 'role'),
    path: getInput(env, 'path').replace(/^\/+|\/+$/g, '') || 'jwt',
    token,
    jwtGithubAudience: getInput(env, 'jwtGithubAudience'),
    secrets: getInput(env, 'secrets'),
    exportEnv: flag(env, 'exportEnv', true),
    exportToken: flag(env, 'exportToken', false),
    ignoreNotFound: flag(env, 'ignoreNotFound', false),
    revoke: flag(env, 'revoke', true),
    caCertificate: caText(getInput(env, 'caCertificate')),
  };
}
