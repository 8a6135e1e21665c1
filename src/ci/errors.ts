/**
 * Errors of `keep ci`: one class with the exit code the command ends with, and the texts that
 * explain a refused login or a failed request without ever quoting a secret.
 */
import { KeepApiError, KeepConnectionError } from '../client/errors.ts';

/** Exit code for a problem on the job's side (missing token variable, bad spec, bad flag). */
export const CI_EXIT_LOCAL = 1;
/** Exit code for a refusal or failure of the server (rejected login, permission denied, unreachable). */
export const CI_EXIT_REMOTE = 2;

/** A failure of `keep ci`, with the exit code to end with and the server's reason code when there is one. */
export class CiError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = CI_EXIT_LOCAL,
    readonly reasonCode?: string,
  ) {
    super(message);
    this.name = 'CiError';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The server's messages without Vault's `1 error occurred:` wrapper, on one line. */
export function serverMessages(e: KeepApiError): string {
  const msgs = e.errors
    .map((m) => m.replace(/^\d+ errors? occurred:\s*/, '').replace(/^\s*\*\s*/gm, '').replace(/\s+/g, ' ').trim())
    .filter((m) => m !== '');
  return msgs.length > 0 ? msgs.join('; ') : `HTTP ${e.status}`;
}

/** Why a login was refused, in words, from the reason code and the claim the server named. */
function reasonPhrase(code: string | undefined, claim: string | undefined, e: KeepApiError): string {
  switch (code) {
    case 'KEEP_E_CLAIM_MISMATCH':
      return claim ? `claim ${claim} does not match` : serverMessages(e);
    case 'KEEP_E_CLAIM_MISSING':
      return claim ? `claim ${claim} is missing from the job token` : serverMessages(e);
    case 'KEEP_E_CLAIM_TYPE':
      return claim ? `claim ${claim} has the wrong type` : serverMessages(e);
    case 'KEEP_E_AUDIENCE':
      return 'the job token\'s audience is not one the role accepts (see -audience)';
    case 'KEEP_E_EXPIRED':
      return 'the job token has expired';
    case 'KEEP_E_NOT_YET_VALID':
      return 'the job token is not valid yet (clock skew?)';
    case 'KEEP_E_REPLAY':
      return 'this job token was already used (the role allows each token once)';
    case 'KEEP_E_SUBJECT':
      return 'the job token\'s subject (sub) does not match';
    case 'KEEP_E_CONDITION':
      return `the role's claims condition is not met${claim ? ` (claim ${claim})` : ''}`;
    default:
      return serverMessages(e);
  }
}

/**
 * `role deploy rejected this job: claim ref does not match (KEEP_E_CLAIM_MISMATCH)`, from a login
 * refusal's `role`, `claim` and `reason_code` (the role given on the command line when the server
 * named none).
 */
export function rejectionText(e: KeepApiError, role?: string): string {
  const body = isObject(e.body) ? e.body : {};
  const who = typeof body.role === 'string' && body.role !== '' ? body.role : role;
  const claim = typeof body.claim === 'string' ? body.claim : undefined;
  const code = e.reasonCode;
  const head = who ? `role ${who} rejected this job` : 'the login was rejected';
  return `${head}: ${reasonPhrase(code, claim, e)}${code ? ` (${code})` : ''}`;
}

/** A CiError for a refused login. */
export function loginRejected(e: KeepApiError, role?: string): CiError {
  return new CiError(rejectionText(e, role), CI_EXIT_REMOTE, e.reasonCode);
}

/** A CiError for any failed request: `<doing>: <server messages>` or `<doing>: cannot reach <addr> (<code>)`. */
export function requestFailed(doing: string, e: unknown): CiError {
  if (e instanceof CiError) return e;
  if (e instanceof KeepApiError) return new CiError(`${doing}: ${serverMessages(e)} (HTTP ${e.status})`, CI_EXIT_REMOTE, e.reasonCode);
  if (e instanceof KeepConnectionError) {
    return new CiError(`${doing}: cannot reach ${e.url} (${e.code ?? e.message})`, CI_EXIT_REMOTE);
  }
  return new CiError(`${doing}: ${e instanceof Error ? e.message : String(e)}`, CI_EXIT_LOCAL);
}
