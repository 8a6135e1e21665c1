/**
 * The one request pipeline (spec/core.md 1.8), in this order for every request:
 * relative-path check -> mount -> token (use counted) -> existence check -> ACL (+ sudo)
 * -> audit(request) -> engine -> lease or token issue -> wrapping -> audit(response).
 */
import { randomUUID } from 'node:crypto';
import { badRequest, forbidden, invalidToken, noRoute, permissionDenied, relativePath } from '../errors.ts';
import { prepare, type Prepared } from '../framework/dispatch.ts';
import { envelopeObject } from '../framework/envelope.ts';
import type { CallerInfo, CoreResult, LogicalResponse, Operation } from '../framework/types.ts';
import type { AuditEntryInput } from './audit.ts';
import type { ACL, CheckedToken, LogicalHttpRequest, TokenEntry } from './contracts.ts';
import type { Core, Unsealed } from './core.ts';

const EMPTY_META: Record<string, string> = Object.freeze({}) as Record<string, string>;

function callerOf(entry: TokenEntry): CallerInfo {
  return {
    accessor: entry.accessor,
    policies: entry.policies,
    entityId: entry.entityId,
    displayName: entry.displayName,
    metadata: entry.meta ?? EMPTY_META,
    root: entry.policies.length === 1 && entry.policies[0] === 'root',
    sudo: false,
    cubbyholeId: entry.cubbyholeId,
    tokenHash: entry.hash,
  };
}

function hasRelativeSegment(path: string): boolean {
  return path.includes('..') || path === '.' || path.startsWith('./') || path.includes('/./') || path.endsWith('/.');
}

function smallerNonZero(a: number, b: number | undefined): number {
  if (!b) return a;
  if (!a) return b;
  return Math.min(a, b);
}

export async function runPipeline(core: Core, s: Unsealed, req: LogicalHttpRequest): Promise<CoreResult> {
  const requestId = randomUUID();
  const path = req.path;
  let operation: Operation = req.operation;
  if (hasRelativeSegment(path)) throw relativePath();

  let data = req.data;
  let clientToken = req.clientToken;
  // Unwrapping with the wrapping token itself as the request token: the token is the subject of
  // the request, not its credential (it would otherwise be consumed by its own single use).
  let selfUnwrap = false;
  if (path === 'sys/wrapping/unwrap' && data.token === undefined && clientToken !== '') {
    data = { ...data, token: clientToken };
    clientToken = '';
    selfUnwrap = true;
  }

  const route = s.router.match(path);
  const relPath = route ? (path.length >= route.prefix.length ? path.slice(route.prefix.length) : '') : '';
  const unauthenticated = selfUnwrap || (route ? route.compiled.isUnauthenticated(relPath) : false);

  let checked: CheckedToken | undefined;
  let caller: CallerInfo | undefined;
  let acl: ACL | undefined;
  if (unauthenticated) {
    // A token sent along is looked up (never consumed, never rejected) so that handlers that
    // check it themselves (sys/internal/ui/mounts/<path>) can.
    if (clientToken !== '') {
      const entry = await s.tokens.lookup(clientToken);
      if (entry) caller = callerOf(entry);
    }
  } else {
    if (clientToken === '') throw forbidden('permission denied');
    checked = await s.tokens.check(clientToken, req.remoteAddress);
    if (!checked) throw invalidToken();
    caller = callerOf(checked.entry);
    acl = await s.services.aclFor(checked.entry);
  }

  if (!route) {
    if (acl && !acl.isRoot && !acl.allowOperation({ path, operation, data, wrapTTL: req.wrapTTL }).allowed) {
      throw permissionDenied();
    }
    throw noRoute(path);
  }

  // `GET <path>?help=1` (vault path-help): always allowed for a valid token (spec/core.md 3.4).
  if (operation === 'read' && (data.help === '1' || data.help === 'true')) {
    const help = await s.services.help(path);
    return {
      requestId,
      mountType: route.entry.type,
      path,
      operation: 'help',
      response: { raw: { status: 200, body: help } },
      leaseId: '',
      leaseDuration: 0,
      renewable: false,
      auth: null,
      wrapInfo: null,
    };
  }

  const audit: AuditEntryInput = {
    requestId,
    operation,
    path,
    mountType: route.entry.type,
    mountAccessor: route.entry.accessor,
    remoteAddress: req.remoteAddress,
    tokenAccessor: caller?.accessor ?? '',
    policies: caller?.policies ?? [],
    metadata: caller?.metadata ?? EMPTY_META,
    data,
  };

  let prepared: Prepared | undefined;
  let routeError: unknown;
  try {
    prepared = prepare(route.compiled, {
      requestId,
      operation,
      path: relPath,
      fullPath: path,
      raw: data,
      storage: route.storage,
      mount: route.mount,
      caller,
      clientToken: route.entry.type === 'token' || route.entry.type === 'system' ? clientToken : '',
      remoteAddress: req.remoteAddress,
      wrapTTL: req.wrapTTL,
      headers: req.headers,
    });
  } catch (e) {
    routeError = e;
  }

  if (operation === 'update' && prepared?.hasExistenceCheck && prepared.supports('create')) {
    operation = (await prepared.exists()) ? 'update' : 'create';
    audit.operation = operation;
  }

  if (acl && caller) {
    const decision = acl.allowOperation({ path, operation, data, wrapTTL: req.wrapTTL });
    if (!decision.allowed) throw permissionDenied();
    caller.sudo = decision.rootPrivs;
    if (!decision.rootPrivs && route.compiled.isRootProtected(relPath)) throw permissionDenied();
  }
  if (routeError !== undefined || !prepared) throw routeError;

  if (core.audit.enabled) await core.audit.logRequest(audit);

  const response = await prepared.execute(operation);

  const result: CoreResult = {
    requestId,
    mountType: route.entry.type,
    path,
    operation,
    response,
    leaseId: '',
    leaseDuration: 0,
    renewable: false,
    auth: null,
    wrapInfo: null,
  };

  if (response) await finishResponse(s, result, response, route, checked);

  const wrapTTL = smallerNonZero(req.wrapTTL, response?.wrapTTL);
  if (wrapTTL > 0 && result.response && !result.response.raw && !emptyList(result)) {
    const accessor = (typeof result.auth?.accessor === 'string' && result.auth.accessor) || result.response.wrappedAccessor;
    result.wrapInfo = await s.wrapping.wrap(envelopeObject(result), wrapTTL, path, accessor || undefined);
  }

  if (checked?.finalUse) await s.tokens.revokeTree(checked.entry.hash);

  if (core.audit.enabled) await core.audit.logResponse(audit, result);
  return result;
}

function emptyList(result: CoreResult): boolean {
  if (result.operation !== 'list') return false;
  const keys = result.response?.data?.keys;
  return !Array.isArray(keys) || keys.length === 0;
}

async function finishResponse(
  s: Unsealed,
  result: CoreResult,
  response: LogicalResponse,
  route: NonNullable<ReturnType<Unsealed['router']['match']>>,
  checked: CheckedToken | undefined,
): Promise<void> {
  if (!response.secret && !response.auth) {
    // Nothing to register or issue (reads, writes, lookups): copy what the engine reported.
    if (response.leaseDuration !== undefined) result.leaseDuration = response.leaseDuration;
    if (response.leaseId !== undefined) result.leaseId = response.leaseId;
    if (response.renewable !== undefined) result.renewable = response.renewable;
    if (response.authBlock) result.auth = response.authBlock;
    if (response.warnings) result.response = { ...response, warnings: response.warnings.length > 0 ? [...response.warnings] : undefined };
    return;
  }
  const warnings = response.warnings ? [...response.warnings] : [];
  const ttls = s.mounts.effectiveTTLs(route.entry);

  if (response.secret) {
    const reg = await s.expiration.registerSecret({
      path: result.path,
      tokenHash: checked?.entry.hash ?? '',
      secret: response.secret,
      data: response.data ?? {},
      mountAccessor: route.entry.accessor,
      mountDefaultTTL: ttls.defaultTTL,
      mountMaxTTL: ttls.maxTTL,
    });
    if (checked?.finalUse) {
      await s.expiration.revoke(reg.leaseId, true);
      throw badRequest('Secret cannot be returned; token had one use left, so leased credentials were immediately revoked.');
    }
    result.leaseId = reg.leaseId;
    result.leaseDuration = reg.ttl;
    result.renewable = response.secret.renewable;
    warnings.push(...reg.warnings);
  }
  if (response.leaseDuration !== undefined) result.leaseDuration = response.leaseDuration;
  if (response.leaseId !== undefined) result.leaseId = response.leaseId;
  if (response.renewable !== undefined) result.renewable = response.renewable;

  if (response.auth) {
    const auth = response.auth;
    let entityId = '';
    let identityPolicies: string[] = [];
    if (auth.alias) {
      const entity = await s.identity.loginAlias({
        mountAccessor: route.entry.accessor,
        mountType: route.entry.type,
        mountPath: route.prefix,
        name: auth.alias.name,
        metadata: auth.alias.metadata,
      });
      entityId = entity.id;
      identityPolicies = entity.policies;
    }
    const issued = await s.tokens.issueForLogin({
      auth,
      path: result.path,
      mountAccessor: route.entry.accessor,
      mountPath: route.prefix,
      mountType: route.entry.type,
      mountDefaultTTL: ttls.defaultTTL,
      mountMaxTTL: ttls.maxTTL,
      mountTokenType: route.entry.config.token_type ?? 'default-service',
      entityId,
      identityPolicies,
    });
    result.auth = issued.authBlock;
    warnings.push(...issued.warnings);
  }
  if (response.authBlock) result.auth = response.authBlock;

  if (warnings.length > 0 || response.warnings) {
    result.response = { ...response, warnings: warnings.length > 0 ? warnings : undefined };
  }
}
