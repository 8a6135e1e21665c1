#!/usr/bin/env bash
# Server side of examples/buildkite/pipeline.yml, as `keep` commands: trust Buildkite's job
# tokens on auth/jwt, and let only the prod branch of one pipeline read its deploy secret.
#
#   KEEP_ADDR=https://keep.example.com KEEP_TOKEN=<admin token> \
#   BUILDKITE_ORGANIZATION_SLUG=keepdemo BUILDKITE_PIPELINE_SLUG=payments-api ./setup.sh
#
# Buildkite's issuer is shared by every organization: the role must bind the organization.
# Safe to run again.
set -euo pipefail

: "${BUILDKITE_ORGANIZATION_SLUG:?set BUILDKITE_ORGANIZATION_SLUG}"
: "${BUILDKITE_PIPELINE_SLUG:?set BUILDKITE_PIPELINE_SLUG}"
ISSUER="${KEEP_OIDC_ISSUER:-https://agent.buildkite.com}"   # tests: the dev issuer's <base>/buildkite
AUDIENCE="${KEEP_AUDIENCE:-https://keep.example.com}"       # the pipeline's -audience
BRANCH="${KEEP_DEPLOY_BRANCH:-prod}"

# 1. The JWT auth method, trusting Buildkite's agent issuer.
if ! keep auth list -format=json | grep -F '"jwt/"' >/dev/null; then keep auth enable jwt; fi
keep write auth/jwt/config - <<JSON
{"issuers": [{"issuer": "$ISSUER", "oidc_discovery_url": "$ISSUER", "preset": "buildkite"}]}
JSON

# 2. What the deploy step may read.
keep policy write payments-deploy - <<'HCL'
path "secret/data/payments/prod/deploy" {
  capabilities = ["read"]
}
HCL

# 3. The role: this organization and pipeline, the prod branch, our audience.
keep write auth/jwt/role/deploy - <<JSON
{
  "role_type": "jwt",
  "user_claim": "sub",
  "bound_audiences": ["$AUDIENCE"],
  "bound_claims": {
    "organization_slug": "$BUILDKITE_ORGANIZATION_SLUG",
    "pipeline_slug": "$BUILDKITE_PIPELINE_SLUG",
    "build_branch": "$BRANCH"
  },
  "token_policies": ["payments-deploy"],
  "token_ttl": "15m",
  "token_max_ttl": "1h"
}
JSON

# 4. The secret (example value; put the real one here).
keep kv put secret/payments/prod/deploy api_key=bk-deploy-example-51c0 >/dev/null
echo "Buildkite: role deploy reads secret/payments/prod/deploy for $BUILDKITE_ORGANIZATION_SLUG/$BUILDKITE_PIPELINE_SLUG on $BRANCH"
