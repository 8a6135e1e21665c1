/**
 * Storage layout and record helpers of the identity store (see store.ts for the key map).
 */
import type { Entity, EntityAlias } from '../contracts.ts';
import type { ViewTxOp } from '../../framework/types.ts';
import { KeepError } from '../../errors.ts';

/** Login refused because the entity is disabled (Vault answers a plain `permission denied`). */
export const entityDisabled = () => new KeepError('KEEP_E_ENTITY_DISABLED', 403, 'permission denied');

export function seg(s: string): string {
  return s.replace(/%/g, '%25').replace(/\//g, '%2F');
}

export const entityKey = (id: string) => `entity/${id}`;
export const nameKey = (name: string) => `entity-name/${seg(name.toLowerCase())}`;
export const aliasKey = (id: string) => `alias/${id}`;
export const factorKey = (accessor: string, name: string) => `alias-factor/${seg(accessor)}/${seg(name.toLowerCase())}`;
export const memberPrefix = (entityId: string) => `entity-alias/${entityId}/`;
export const memberKey = (entityId: string, aliasId: string) => `${memberPrefix(entityId)}${aliasId}`;

export function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && b[k] === a[k]);
}

export function dedupe(list: string[]): string[] {
  return [...new Set(list.map((p) => p.trim()).filter((p) => p !== ''))];
}

export const cloneEntity = (e: Entity): Entity => ({ ...e, metadata: { ...e.metadata }, policies: [...e.policies] });
export const cloneAlias = (a: EntityAlias): EntityAlias => ({ ...a, metadata: { ...a.metadata } });

export function entityOps(e: Entity): ViewTxOp[] {
  return [
    { op: 'put', key: entityKey(e.id), value: { json: e } },
    { op: 'put', key: nameKey(e.name), value: { json: { id: e.id } } },
  ];
}

export function aliasOps(a: EntityAlias): ViewTxOp[] {
  return [
    { op: 'put', key: aliasKey(a.id), value: { json: a } },
    { op: 'put', key: factorKey(a.mountAccessor, a.name), value: { json: { id: a.id } } },
    { op: 'put', key: memberKey(a.canonicalId, a.id), value: { json: { id: a.id } } },
  ];
}

export function aliasDeleteOps(a: EntityAlias): ViewTxOp[] {
  return [
    { op: 'delete', key: aliasKey(a.id) },
    { op: 'delete', key: factorKey(a.mountAccessor, a.name) },
    { op: 'delete', key: memberKey(a.canonicalId, a.id) },
  ];
}
