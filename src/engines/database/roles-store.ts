/**
 * Dynamic roles (`role/<name>`) and static roles (`static-role/<name>`) in the mount's storage,
 * and the shapes their reads return (spec/dynamic.md 2.6, 2.9).
 */
import { badRequest } from '../../errors.ts';
import { rfc3339Nano } from '../../framework/time.ts';
import type { StorageView } from '../../framework/types.ts';
import type { Statements } from './plugin.ts';

export const ROLE_PREFIX = 'role/';
export const STATIC_ROLE_PREFIX = 'static-role/';

export const CREDENTIAL_TYPES = ['password', 'rsa_private_key', 'client_certificate'] as const;

export interface DynamicRole {
  db_name: string;
  creation_statements: string[];
  revocation_statements: string[];
  rollback_statements: string[];
  renew_statements: string[];
  /** Seconds; 0 = the mount's. */
  default_ttl: number;
  max_ttl: number;
  credential_type: string;
  credential_config: Record<string, string>;
}

export interface StaticRole {
  db_name: string;
  username: string;
  /** The current password (set by Keep's rotations only). */
  password: string;
  /** Seconds; 0 when the role uses a schedule. */
  rotation_period: number;
  /** 5-field cron; '' when the role uses a period. */
  rotation_schedule: string;
  /** Seconds; 0 = none. */
  rotation_window: number;
  rotation_statements: string[];
  credential_type: string;
  credential_config: Record<string, string>;
  /** Unix ms of the last rotation by Keep (0 = never). */
  last_vault_rotation: number;
  /** Unix ms when the next rotation is due. */
  next_vault_rotation: number;
}

/** 400 `invalid credential_type "x"` for unknown types. */
export function checkCredentialType(t: string): void {
  if (!(CREDENTIAL_TYPES as readonly string[]).includes(t)) throw badRequest(`invalid credential_type ${JSON.stringify(t)}`);
}

/** Keys each credential type accepts in `credential_config` (spec/dynamic.md 2.15). */
const CREDENTIAL_CONFIG_KEYS: Record<string, readonly string[]> = {
  password: ['password_policy'],
  rsa_private_key: ['key_bits', 'format'],
  client_certificate: ['common_name_template', 'ca_cert', 'ca_private_key', 'key_type', 'key_bits', 'signature_bits'],
};

/** 400 `credential_config validation failed: ...` for keys the credential type does not know. */
export function checkCredentialConfig(type: string, cfg: Record<string, string>): void {
  const known = CREDENTIAL_CONFIG_KEYS[type] ?? [];
  const unknown = Object.keys(cfg)
    .filter((k) => !known.includes(k))
    .sort();
  if (unknown.length > 0) throw badRequest(`credential_config validation failed: invalid keys: ${unknown.join(', ')}`);
}

/** The password policy for a role's passwords: the role's own, else the connection's. */
export function passwordPolicyOf(credentialConfig: Record<string, string>, connectionPolicy: string): string {
  return credentialConfig.password_policy || connectionPolicy;
}

export function roleStatements(role: DynamicRole): Statements {
  return {
    creation: [...role.creation_statements],
    revocation: [...role.revocation_statements],
    rollback: [...role.rollback_statements],
    renew: [...role.renew_statements],
    rotation: [],
  };
}

export function dynamicRoleReadData(role: DynamicRole): Record<string, unknown> {
  const data: Record<string, unknown> = {
    db_name: role.db_name,
    creation_statements: [...role.creation_statements],
    revocation_statements: [...role.revocation_statements],
    rollback_statements: [...role.rollback_statements],
    renew_statements: [...role.renew_statements],
    default_ttl: role.default_ttl,
    max_ttl: role.max_ttl,
    credential_type: role.credential_type,
  };
  if (Object.keys(role.credential_config).length > 0) data.credential_config = { ...role.credential_config };
  return data;
}

/** Period or schedule fields as both reads print them. */
function scheduleData(role: StaticRole): Record<string, unknown> {
  if (role.rotation_schedule !== '') {
    const out: Record<string, unknown> = { rotation_schedule: role.rotation_schedule };
    if (role.rotation_window > 0) out.rotation_window = role.rotation_window;
    return out;
  }
  return { rotation_period: role.rotation_period };
}

export function staticRoleReadData(role: StaticRole): Record<string, unknown> {
  const data: Record<string, unknown> = {
    db_name: role.db_name,
    username: role.username,
    credential_type: role.credential_type,
    rotation_statements: [...role.rotation_statements],
    ...scheduleData(role),
  };
  if (role.last_vault_rotation > 0) data.last_vault_rotation = rfc3339Nano(role.last_vault_rotation);
  if (Object.keys(role.credential_config).length > 0) data.credential_config = { ...role.credential_config };
  return data;
}

/** `GET static-creds/:name` data; `ttl` = whole seconds until the next rotation (>= 0). */
export function staticCredsData(role: StaticRole, nowMs: number): Record<string, unknown> {
  return {
    username: role.username,
    password: role.password,
    last_vault_rotation: rfc3339Nano(role.last_vault_rotation),
    ...scheduleData(role),
    ttl: Math.max(0, Math.round((role.next_vault_rotation - nowMs) / 1000)),
  };
}

export class RoleStore {
  constructor(private readonly storage: StorageView) {}

  getDynamic(name: string): Promise<DynamicRole | undefined> {
    return this.storage.getJSON<DynamicRole>(ROLE_PREFIX + name);
  }

  putDynamic(name: string, role: DynamicRole): Promise<void> {
    return this.storage.putJSON(ROLE_PREFIX + name, role);
  }

  deleteDynamic(name: string): Promise<void> {
    return this.storage.delete(ROLE_PREFIX + name);
  }

  async listDynamic(): Promise<string[]> {
    return names(await this.storage.list(ROLE_PREFIX));
  }

  getStatic(name: string): Promise<StaticRole | undefined> {
    return this.storage.getJSON<StaticRole>(STATIC_ROLE_PREFIX + name);
  }

  putStatic(name: string, role: StaticRole): Promise<void> {
    return this.storage.putJSON(STATIC_ROLE_PREFIX + name, role);
  }

  deleteStatic(name: string): Promise<void> {
    return this.storage.delete(STATIC_ROLE_PREFIX + name);
  }

  async listStatic(): Promise<string[]> {
    return names(await this.storage.list(STATIC_ROLE_PREFIX));
  }
}

function names(keys: string[]): string[] {
  return keys.filter((k) => !k.endsWith('/')).sort();
}
