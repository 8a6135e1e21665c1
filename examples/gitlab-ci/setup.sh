#!/usr/bin/env bash
# Server side of examples/gitlab-ci/.gitlab-ci.yml, as `keep` commands: trust the GitLab
# instance's ID tokens on auth/jwt, and let the deploy job of one project's prod branch read its
# deploy secrets and write the database secret back.
#
#   KEEP_ADDR=https://keep.example.com KEEP_TOKEN=<admin token> GITLAB_PROJECT_ID=55000111 ./setup.sh
#
# GITLAB_PROJECT_ID is the numeric project id (Settings > General): unlike the path it survives
# renames and transfers. GITLAB_URL defaults to https://gitlab.com. Safe to run again.
set -euo pipefail

: "${GITLAB_PROJECT_ID:?set GITLAB_PROJECT_ID to the GitLab project id}"
GITLAB_URL="${GITLAB_URL:-https://gitlab.com}"
ISSUER="${KEEP_OIDC_ISSUER:-$GITLAB_URL}"                 # tests: the dev issuer's <base>/gitlab
AUDIENCE="${KEEP_AUDIENCE:-https://keep.example.com}"    # the job's id_tokens aud (KEEP_AUDIENCE)
BRANCH="${KEEP_DEPLOY_BRANCH:-prod}"

# 1. The JWT auth method, trusting the GitLab instance (its URL is the tokens' iss).
if ! keep auth list -format=json | grep -F '"jwt/"' >/dev/null; then keep auth enable jwt; fi
keep write auth/jwt/config - <<JSON
{"issuers": [{"issuer": "$ISSUER", "oidc_discovery_url": "$ISSUER", "preset": "gitlab", "gitlab_url": "$ISSUER"}]}
JSON

# 2. The deploy job reads its secrets and writes the database secret back.
keep policy write payments-deploy - <<'HCL'
path "secret/data/payments/prod/deploy" {
  capabilities = ["read"]
}
path "secret/data/payments/prod/db" {
  capabilities = ["create", "update", "read"]
}
HCL

# 3. The role: this project, the prod branch (protected), our audience.
keep write auth/jwt/role/deploy - <<JSON
{
  "role_type": "jwt",
  "user_claim": "sub",
  "bound_audiences": ["$AUDIENCE"],
  "bound_claims": {
    "project_id": "$GITLAB_PROJECT_ID",
    "ref_type": "branch",
    "ref": "$BRANCH",
    "ref_protected": "true"
  },
  "token_policies": ["payments-deploy"],
  "token_ttl": "15m",
  "token_max_ttl": "1h"
}
JSON

# 4. The deploy secrets (example values; put real ones here).
keep kv put secret/payments/prod/deploy registry_password=registry-example-7d1f db_admin_password=db-admin-example-93ab >/dev/null
echo "GitLab CI: role deploy reads secret/payments/prod/deploy and writes secret/payments/prod/db for project $GITLAB_PROJECT_ID on $BRANCH"
