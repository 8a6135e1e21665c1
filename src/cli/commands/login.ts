/**
 * `keep login [-method=token] [TOKEN|-]`, or `keep login -method=<m> [-path=<p>] k=v...` for any
 * auth method whose login is `POST auth/<path>/login` (userpass-style methods put the username
 * in the path: `auth/<path>/login/<username>`).
 */
import { isKeepApiError } from '../../client/errors.ts';
import type { SecretResponse } from '../../client/types.ts';
import { EXIT_OK, FIELD_FLAG, FORMAT_FLAG, expectArgs } from '../context.ts';
import type { CommandContext } from '../context.ts';
import { UsageError } from '../flags.ts';
import { secretTable, warningsText } from '../format.ts';
import { parseKvArgs } from '../kvargs.ts';
import type { Command } from '../registry.ts';
import { writeTokenFile } from '../token-file.ts';

/** Methods whose login path carries the username (`login/<username>`). */
const USERNAME_IN_PATH = new Set(['userpass', 'ldap', 'okta', 'radius']);

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function strList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Builds a login-shaped answer from a token lookup (what `login TOKEN` shows). */
export function secretFromLookup(token: string, lookup: SecretResponse): SecretResponse {
  const d = lookup.data ?? {};
  const tokenPolicies = strList(d.policies);
  const identityPolicies = strList(d.identity_policies);
  const meta = typeof d.meta === 'object' && d.meta !== null ? (d.meta as Record<string, string>) : null;
  return {
    request_id: lookup.request_id,
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: null,
    wrap_info: null,
    warnings: lookup.warnings,
    auth: {
      client_token: token,
      accessor: str(d.accessor),
      policies: [...new Set([...tokenPolicies, ...identityPolicies])].sort(),
      token_policies: tokenPolicies,
      identity_policies: identityPolicies,
      metadata: meta,
      lease_duration: typeof d.ttl === 'number' ? d.ttl : 0,
      renewable: d.renewable === true,
      entity_id: str(d.entity_id),
      token_type: str(d.type),
      orphan: d.orphan === true,
    },
  };
}

async function tokenLogin(ctx: CommandContext, args: string[]): Promise<SecretResponse> {
  expectArgs(args, 0, 1);
  let token = args[0];
  if (token?.startsWith('token=')) token = token.slice('token='.length);
  if (token === '-') token = (await ctx.io.readStdin()).trim();
  else if (token === undefined) token = (await ctx.io.readLine('Token (will be hidden): ')).trim();
  if (!token) throw new UsageError('A token must be passed to auth. Please view the help for more information.');
  const client = await ctx.client();
  client.setToken(token);
  const lookup = await client.tokens.lookupSelf();
  return secretFromLookup(token, lookup);
}

async function methodLogin(ctx: CommandContext, method: string, args: string[]): Promise<SecretResponse> {
  const mount = (ctx.flags.str('path') || method).replace(/^\/+|\/+$/g, '').replace(/^auth\//, '');
  const body = await parseKvArgs(args, ctx.io);
  // A JWT read from a file or stdin (`jwt=@file`, `jwt=-`) usually ends with a newline.
  if (typeof body.jwt === 'string') body.jwt = body.jwt.trim();
  let loginPath = 'login';
  if (USERNAME_IN_PATH.has(method) && typeof body.username === 'string') {
    loginPath = `login/${encodeURIComponent(body.username)}`;
    delete body.username;
  }
  const client = await ctx.client();
  const res = await client.request('POST', `auth/${mount}/${loginPath}`, { body, noToken: true, wrapTTL: ctx.wrapTTL });
  const secret = res.body as SecretResponse | null;
  if (!secret || typeof secret !== 'object') throw new Error('the server returned an empty answer');
  return secret;
}

/** `Reason: KEEP_E_CLAIM_MISMATCH (role "demo", claim "ref")` for a rejected login that carries Keep's reason fields. */
export function reasonLine(e: unknown): string | undefined {
  if (!isKeepApiError(e) || !e.reasonCode) return undefined;
  const body = typeof e.body === 'object' && e.body !== null ? (e.body as Record<string, unknown>) : {};
  const parts: string[] = [];
  if (typeof body.role === 'string') parts.push(`role "${body.role}"`);
  if (typeof body.claim === 'string') parts.push(`claim "${body.claim}"`);
  return `Reason: ${e.reasonCode}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

const login: Command = {
  name: 'login',
  synopsis: 'Authenticate and store the token in the token helper file',
  usage: '[options] [TOKEN | - | K=V...]',
  help:
    'With -method=token (default), checks TOKEN (or stdin with "-", or a prompt) via lookup-self.\n' +
    'With another method, sends K=V pairs to POST auth/<path>/login. The token is stored in\n' +
    '~/.keep-token (KEEP_TOKEN_FILE overrides) unless -no-store.',
  flags: [
    FORMAT_FLAG,
    FIELD_FLAG,
    { name: 'method', type: 'string', usage: 'Auth method type.', default: 'token' },
    { name: 'path', type: 'string', usage: 'Mount path of the auth method (default: the method name).' },
    { name: 'no-store', type: 'bool', usage: 'Do not store the token.' },
    { name: 'no-print', type: 'bool', usage: 'Print nothing on success.' },
    { name: 'token-only', type: 'bool', usage: 'Print only the token and do not store it (-field=token -no-store).' },
  ],
  async run(ctx, args) {
    const method = ctx.flags.str('method') || 'token';
    let secret: SecretResponse;
    try {
      secret = method === 'token' ? await tokenLogin(ctx, args) : await methodLogin(ctx, method, args);
    } catch (e) {
      const code = ctx.fail('Error authenticating', e);
      const reason = reasonLine(e);
      if (reason) ctx.err(reason);
      return code;
    }
    if (secret.wrap_info) return ctx.printSecret(secret);
    const token = secret.auth?.client_token;
    if (!token) {
      ctx.err('Error authenticating: the server returned no token');
      return 2;
    }
    const tokenOnly = ctx.flags.bool('token-only');
    const store = !ctx.flags.bool('no-store') && !tokenOnly;
    if (store) {
      try {
        await writeTokenFile(ctx.tokenFile, token);
      } catch (e) {
        ctx.err(`Error storing token: ${(e as Error).message}`);
        return 2;
      }
    }
    if (tokenOnly) return ctx.printField(secret, 'token');
    const field = ctx.flags.str('field');
    if (field) return ctx.printField(secret, field);
    if (ctx.flags.bool('no-print')) return EXIT_OK;
    if (ctx.format !== 'table') return ctx.printSecret(secret);
    const w = warningsText(secret.warnings);
    if (w) ctx.err(w);
    ctx.out(
      store
        ? 'Success! You are now authenticated. The token information displayed below\n' +
            'is already stored in the token helper. You do NOT need to run "keep login"\n' +
            'again. Future requests will automatically use this token.\n'
        : 'Success! You are now authenticated. The token information displayed below\n' +
            'is NOT stored in the token helper. Set KEEP_TOKEN to use it in later commands.\n',
    );
    ctx.out(secretTable(secret));
    return EXIT_OK;
  },
};

export const loginCommands: Command[] = [login];
