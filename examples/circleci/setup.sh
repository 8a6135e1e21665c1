#!/usr/bin/env bash
# Server side of examples/circleci/config.yml, as `keep` commands: trust the CircleCI
# organization's job tokens on auth/jwt, and let only the prod branch read prod secrets: the
# role binds the literal claim `oidc.circleci.com/vcs-ref` to refs/heads/prod.
#
#   KEEP_ADDR=https://keep.example.com KEEP_TOKEN=<admin token> \
#   CIRCLECI_ORG_ID=<organization id> CIRCLECI_PROJECT_ID=<project id> ./setup.sh
#
# Both ids are UUIDs (Organization Settings > Overview, Project Settings > Overview). Safe to run again.
set -euo pipefail

: "${CIRCLECI_ORG_ID:?set CIRCLECI_ORG_ID to the CircleCI organization id}"
: "${CIRCLECI_PROJECT_ID:?set CIRCLECI_PROJECT_ID to the CircleCI project id}"
ISSUER="${KEEP_OIDC_ISSUER:-https://oidc.circleci.com/org/$CIRCLECI_ORG_ID}"   # tests: the dev issuer's <base>/circleci
BRANCH="${KEEP_DEPLOY_BRANCH:-prod}"

# 1. The JWT auth method, trusting this organization's issuer (one issuer per CircleCI org).
if ! keep auth list -format=json | grep -F '"jwt/"' >/dev/null; then keep auth enable jwt; fi
keep write auth/jwt/config - <<JSON
{"issuers": [{"issuer": "$ISSUER", "oidc_discovery_url": "$ISSUER", "preset": "circleci", "org_id": "$CIRCLECI_ORG_ID"}]}
JSON

# 2. Prod secrets, readable only through the prod role.
keep policy write prod-secrets - <<'HCL'
path "secret/data/prod/*" {
  capabilities = ["read"]
}
HCL

# 3. The role. CIRCLE_OIDC_TOKEN_V2's audience is the organization id. Claim names containing
#    "." and "/" are literal top-level names. ssh-rerun is a real boolean: an SSH rerun is refused.
keep write auth/jwt/role/prod-deploy - <<JSON
{
  "role_type": "jwt",
  "user_claim": "sub",
  "bound_audiences": ["$CIRCLECI_ORG_ID"],
  "bound_claims": {
    "oidc.circleci.com/project-id": "$CIRCLECI_PROJECT_ID",
    "oidc.circleci.com/vcs-ref": "refs/heads/$BRANCH",
    "oidc.circleci.com/ssh-rerun": false
  },
  "token_policies": ["prod-secrets"],
  "token_ttl": "15m",
  "token_max_ttl": "1h"
}
JSON

# 4. The prod secrets (example values; put real ones here).
keep kv put secret/prod/payments db_password=prod-db-Pa55word api_key=pk_live_example_4242 >/dev/null
echo "CircleCI: role prod-deploy reads secret/prod/* from project $CIRCLECI_PROJECT_ID on refs/heads/$BRANCH"
