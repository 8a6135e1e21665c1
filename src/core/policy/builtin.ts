/**
 * Keep's built-in policies (spec/core.md 3.9). The rules match Vault's; the text is Keep's own.
 */

export const DEFAULT_POLICY_NAME = 'default';
export const RESPONSE_WRAPPING_POLICY_NAME = 'response-wrapping';
export const ROOT_POLICY_NAME = 'root';
export const CONTROL_GROUP_POLICY_NAME = 'control-group';

/** Names that can never be written (nor deleted). */
export const IMMUTABLE_POLICIES: ReadonlySet<string> = new Set([ROOT_POLICY_NAME, RESPONSE_WRAPPING_POLICY_NAME, CONTROL_GROUP_POLICY_NAME]);

export const DEFAULT_POLICY = `# Keep's default policy.
#
# Every token gets this policy unless it was created with no_default_policy. It is written once,
# at the first unseal, and never overwritten afterwards: edit it to suit your installation, but
# keep what your pipelines rely on (token self-service and response wrapping).

# A token may inspect itself.
path "auth/token/lookup-self" {
  capabilities = ["read"]
}

# ...extend its own lifetime...
path "auth/token/renew-self" {
  capabilities = ["update"]
}

# ...and give itself up when a job is done.
path "auth/token/revoke-self" {
  capabilities = ["update"]
}

# A token may ask what it is allowed to do.
path "sys/capabilities-self" {
  capabilities = ["update"]
}

# The identity entity behind the token, looked up by id or by name.
path "identity/entity/id/{{identity.entity.id}}" {
  capabilities = ["read"]
}

path "identity/entity/name/{{identity.entity.name}}" {
  capabilities = ["read"]
}

# The merged policy as the web UI shows it.
path "sys/internal/ui/resultant-acl" {
  capabilities = ["read"]
}

# Renewing leases the token owns (sys/renew is the older spelling).
path "sys/renew" {
  capabilities = ["update"]
}

path "sys/leases/renew" {
  capabilities = ["update"]
}

# Looking up a lease's expiry.
path "sys/leases/lookup" {
  capabilities = ["update"]
}

# Every token has a private cubbyhole; only that token can reach it.
path "cubbyhole/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

# Response wrapping: wrap data, inspect a wrapping token, unwrap.
path "sys/wrapping/wrap" {
  capabilities = ["update"]
}

path "sys/wrapping/lookup" {
  capabilities = ["update"]
}

path "sys/wrapping/unwrap" {
  capabilities = ["update"]
}

# Hashing helpers.
path "sys/tools/hash" {
  capabilities = ["update"]
}

path "sys/tools/hash/*" {
  capabilities = ["update"]
}

# Control-group requests (an Enterprise feature; harmless here).
path "sys/control-group/request" {
  capabilities = ["update"]
}

# OIDC provider authorization endpoint.
path "identity/oidc/provider/+/authorize" {
  capabilities = ["read", "update"]
}
`;

export const RESPONSE_WRAPPING_POLICY = `# Keep's response-wrapping policy: carried by wrapping tokens only. It is rewritten at every
# unseal and cannot be changed, deleted or assigned.

# The wrapped response lives in the wrapping token's cubbyhole.
path "cubbyhole/response" {
  capabilities = ["create", "read"]
}

# A wrapping token may unwrap itself.
path "sys/wrapping/unwrap" {
  capabilities = ["update"]
}
`;
