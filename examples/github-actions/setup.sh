#!/usr/bin/env bash
# Server side of examples/github-actions/deploy.yml, as `keep` commands: trust GitHub's job
# tokens on auth/jwt, and let only the prod branch of one repository read secret/aws.
#
#   KEEP_ADDR=https://keep.example.com KEEP_TOKEN=<admin token> \
#   GITHUB_REPOSITORY=keepdemo/payments-api GITHUB_REPOSITORY_ID=734500112 ./setup.sh
#
# GITHUB_REPOSITORY_ID is the repository's numeric id (`gh api repos/OWNER/REPO --jq .id`): it
# survives renames and transfers, the name does not. Safe to run again.
set -euo pipefail

: "${GITHUB_REPOSITORY:?set GITHUB_REPOSITORY to owner/repo}"
: "${GITHUB_REPOSITORY_ID:?set GITHUB_REPOSITORY_ID to the repository id}"
ISSUER="${KEEP_OIDC_ISSUER:-https://token.actions.githubusercontent.com}"   # tests: the dev issuer's <base>/github
AUDIENCE="${KEEP_AUDIENCE:-https://keep.example.com}"                       # the workflow's jwtGithubAudience
BRANCH="${KEEP_DEPLOY_BRANCH:-prod}"

# 1. The JWT auth method, trusting GitHub Actions (the github preset names the platform).
if ! keep auth list -format=json | grep -F '"jwt/"' >/dev/null; then keep auth enable jwt; fi
keep write auth/jwt/config - <<JSON
{"issuers": [{"issuer": "$ISSUER", "oidc_discovery_url": "$ISSUER", "preset": "github"}]}
JSON

# 2. What a deploy job may read.
keep policy write aws-deploy - <<'HCL'
path "secret/data/aws" {
  capabilities = ["read"]
}
HCL

# 3. The role: this repository, on the prod branch, asking for our audience.
keep write auth/jwt/role/deploy-prod - <<JSON
{
  "role_type": "jwt",
  "user_claim": "sub",
  "bound_audiences": ["$AUDIENCE"],
  "bound_claims": {
    "repository": "$GITHUB_REPOSITORY",
    "repository_id": "$GITHUB_REPOSITORY_ID",
    "ref": "refs/heads/$BRANCH"
  },
  "token_policies": ["aws-deploy"],
  "token_ttl": "15m",
  "token_max_ttl": "1h"
}
JSON

# 4. The secret (AWS's documented example keys; put real ones here).
keep kv put secret/aws accessKey=AKIAIOSFODNN7EXAMPLE secretKey=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY >/dev/null
echo "GitHub Actions: role deploy-prod reads secret/aws from $GITHUB_REPOSITORY on refs/heads/$BRANCH"
