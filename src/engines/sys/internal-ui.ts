/**
 * sys/internal/ui/mounts[/<path>] (spec/core.md 2.13). Both routes are unauthenticated: the
 * handlers look at the token themselves (the CLI uses the second one to detect KV v2).
 */
import type { ACL, MountEntry, MountKind, SystemServices } from '../../core/contracts.ts';
import { forbidden, invalidToken } from '../../errors.ts';
import { definePath } from '../../framework/path.ts';
import type { PathDef, RequestContext } from '../../framework/types.ts';
import { fullMountPath, mountInfo } from './mount-info.ts';
import { callerACL, sanitizePath } from './util.ts';

function preflightDenied(path: string) {
  return forbidden(`preflight capability check returned 403, please ensure client's policies grant access to path "${path}"`);
}

async function entityDisabled(services: SystemServices, entityId: string): Promise<boolean> {
  if (!entityId) return false;
  const entity = await services.identity.getEntity(entityId);
  return entity?.disabled === true;
}

function listed(entry: MountEntry, kind: MountKind, acl: ACL | undefined): Record<string, unknown> | undefined {
  if (acl) {
    const reachable = entry.config.listing_visibility === 'unauth' || acl.hasAccessUnder(fullMountPath(entry, kind));
    return reachable ? mountInfo(entry, kind) : undefined;
  }
  if (entry.config.listing_visibility !== 'unauth') return undefined;
  return { type: entry.type, description: entry.description, options: entry.options && Object.keys(entry.options).length > 0 ? { ...entry.options } : null };
}

async function listMounts(services: SystemServices, ctx: RequestContext) {
  let acl: ACL | undefined;
  if (ctx.clientToken || ctx.caller) {
    const found = await callerACL(services, ctx);
    if (!found) throw invalidToken();
    acl = found.acl;
  }
  const secret: Record<string, unknown> = {};
  const auth: Record<string, unknown> = {};
  for (const entry of services.mounts.list('secret')) {
    const info = listed(entry, 'secret', acl);
    if (info) secret[entry.path] = info;
  }
  for (const entry of services.mounts.list('auth')) {
    const info = listed(entry, 'auth', acl);
    if (info) auth[entry.path] = info;
  }
  return { data: { secret, auth } };
}

async function readMount(services: SystemServices, ctx: RequestContext<{ path: { type: 'string' } }>) {
  const path = sanitizePath(ctx.fields.path ?? '');
  const match = services.mounts.match(path);
  if (!match) throw preflightDenied(path);
  const found = await callerACL(services, ctx);
  if (!found) throw preflightDenied(path);
  if (await entityDisabled(services, found.entry.entityId)) throw preflightDenied(path);
  const mountPath = fullMountPath(match.entry, match.kind);
  if (!found.acl.hasAccessUnder(mountPath)) throw preflightDenied(path);
  return { data: { ...mountInfo(match.entry, match.kind), path: mountPath } };
}

export function internalUiPaths(services: SystemServices): PathDef[] {
  return [
    definePath({
      pattern: 'internal/ui/mounts/?',
      fields: {},
      synopsis: 'Mounts visible to the caller (for UIs and the CLI).',
      operations: {
        read: { summary: 'List the mounts the caller can reach.', handler: (ctx) => listMounts(services, ctx) },
      },
    }),
    definePath({
      pattern: 'internal/ui/mounts/(?<path>.+)',
      fields: { path: { type: 'string', description: 'Any path inside a mount, or auth/<mount>.' } },
      synopsis: 'The mount of a path, if the caller can reach it.',
      operations: {
        read: { summary: 'Read the mount containing a path.', handler: (ctx) => readMount(services, ctx) },
      },
    }),
  ];
}
