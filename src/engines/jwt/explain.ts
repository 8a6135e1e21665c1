/**
 * `POST explain` (Keep, sudo): a dry run of the login pipeline for one role or every role.
 * With {jwt} the signature and times are verified as at login; with {claims} the claims are
 * evaluated as given (no signature). Nothing is consumed: no replay record, no token, no login.
 * Each role gets {role, accepted, reason_code, error, checks, policies, metadata}; checks show
 * the expected and actual values (this endpoint needs sudo), and `rendered_policies` is added
 * when the backend was given a policy renderer.
 */
import { badRequest } from '../../errors.ts';
import { normalizePolicies } from '../../core/token/policies.ts';
import { definePath } from '../../framework/path.ts';
import type { LogicalResponse, PathDef, RequestContext } from '../../framework/types.ts';
import { plainClaims } from './claims.ts';
import type { TrustedIssuer } from './issuers.ts';
import type { VerifyOutcome } from './keys.ts';
import { explicitMaxTTL, loginMetadata } from './login.ts';
import { REASONS, loginError } from './reasons.ts';
import type { JwtState } from './state.ts';
import { Trace, TraceStopped } from './trace.ts';
import { runPipeline, type PipelineResult } from './validate.ts';

const explainFields = {
  jwt: { type: 'string', description: 'A JWT to check like a login would (signature and times verified).' },
  claims: { type: 'map', description: 'A claim set to check as given (no signature).' },
  role: { type: 'lowercase-string', description: 'The role to check (default: every role).' },
} as const;

type ExplainCtx = RequestContext<typeof explainFields>;

interface Shared {
  jwt?: string;
  claims?: Record<string, unknown>;
  memo: Map<TrustedIssuer, Promise<VerifyOutcome>>;
  nowMs: number;
}

async function explainRole(state: JwtState, name: string, shared: Shared): Promise<Record<string, unknown>> {
  const loaded = await state.getRole(name);
  if (!loaded) {
    const message = `role ${JSON.stringify(name)} could not be found`;
    return {
      role: name,
      accepted: false,
      reason_code: REASONS.ROLE_NOT_FOUND,
      error: message,
      checks: [{ check: 'role', claim: null, expected: name, actual: null, passed: false, reason_code: REASONS.ROLE_NOT_FOUND, message }],
      policies: [],
    };
  }
  const config = await state.getConfig();
  if (!config) throw loginError({ code: REASONS.CONFIG_MISSING, message: 'could not load configuration' }, undefined);
  const trace = new Trace('explain', name);
  let result: PipelineResult | undefined;
  try {
    result = await runPipeline({
      trace,
      config,
      trust: () => state.trust(),
      loaded,
      jwt: shared.jwt,
      claims: shared.claims,
      nowMs: shared.nowMs,
      verifyMemo: shared.memo,
    });
  } catch (e) {
    if (!(e instanceof TraceStopped)) throw e;
  }
  const role = loaded.role;
  const policies = normalizePolicies(role.token_policies, !role.token_no_default_policy);
  const out: Record<string, unknown> = {
    role: name,
    accepted: trace.first === undefined,
    reason_code: trace.first?.code ?? null,
    error: trace.first?.message ?? null,
    checks: trace.entries,
    policies,
  };
  if (result) {
    const meta = loginMetadata(name, result);
    out.metadata = meta.token;
    out.alias = result.userName ?? null;
    out.group_aliases = result.groups;
    out.explicit_max_ttl = explicitMaxTTL(role, result.exp, shared.nowMs);
    if (role.jti_single_use) out.replay = 'not checked: explain consumes nothing';
    if (state.opts.renderPolicies) out.rendered_policies = await state.opts.renderPolicies(policies, meta.token);
  }
  return out;
}

async function explain(state: JwtState, ctx: ExplainCtx): Promise<LogicalResponse> {
  const hasJwt = ctx.supplied.has('jwt') && (ctx.fields.jwt ?? '') !== '';
  const hasClaims = ctx.supplied.has('claims');
  if (hasJwt === hasClaims) throw badRequest("exactly one of 'jwt' or 'claims' must be set");
  const config = await state.getConfig();
  if (!config) throw loginError({ code: REASONS.CONFIG_MISSING, message: 'could not load configuration' }, undefined);
  const shared: Shared = {
    jwt: hasJwt ? ctx.fields.jwt : undefined,
    claims: hasClaims ? (plainClaims(ctx.fields.claims) as Record<string, unknown>) : undefined,
    memo: new Map(),
    nowMs: state.opts.now(),
  };
  const requested = ctx.fields.role ?? '';
  const names = requested !== '' ? [requested] : (await state.listRoles()).sort();
  const roles: Record<string, unknown>[] = [];
  for (const name of names) roles.push(await explainRole(state, name, shared));
  return { data: { roles } };
}

export function explainPath(state: JwtState): PathDef {
  return definePath({
    pattern: 'explain$',
    fields: explainFields,
    operations: {
      update: { handler: (ctx) => explain(state, ctx), summary: 'Explain which roles a JWT (or claim set) would log in to, and why not.' },
    },
    synopsis: 'Dry-run a JWT login (decision trace).',
    description: 'Runs the login checks for one role or every role without issuing anything. Requires sudo.',
  });
}
