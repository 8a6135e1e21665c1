#!/usr/bin/env bash
# Server side of examples/jenkins/Jenkinsfile, as `keep` commands: trust the Jenkins
# controller's OpenID Connect provider (oidc-provider plugin) on auth/jwt, and let only the prod
# branch job of the multibranch pipeline read its deploy secret.
#
#   KEEP_ADDR=https://keep.example.com KEEP_TOKEN=<admin token> \
#   JENKINS_URL=https://jenkins.example.com/ \
#   JENKINS_PROD_JOB_URL=https://jenkins.example.com/job/payments/job/payments-api/job/prod/ ./setup.sh
#
# The plugin's tokens carry sub = the job's URL (${JOB_URL}) and the audience configured on the
# "OpenID Connect id token" credential. Safe to run again.
set -euo pipefail

: "${JENKINS_URL:?set JENKINS_URL to the root URL of the controller, ending in /}"
: "${JENKINS_PROD_JOB_URL:?set JENKINS_PROD_JOB_URL to the URL of the prod branch job}"
ISSUER="${KEEP_OIDC_ISSUER:-${JENKINS_URL%/}/oidc}"      # tests: the dev issuer's <base>/jenkins
AUDIENCE="${KEEP_AUDIENCE:-https://keep.example.com}"   # the credential's audience

# 1. The JWT auth method, trusting the controller's issuer (no preset: Vault's own fields).
if ! keep auth list -format=json | grep -F '"jwt/"' >/dev/null; then keep auth enable jwt; fi
keep write auth/jwt/config oidc_discovery_url="$ISSUER" bound_issuer="$ISSUER"

# 2. What the deploy stage may read.
keep policy write payments-deploy - <<'HCL'
path "secret/data/payments/prod/deploy" {
  capabilities = ["read"]
}
HCL

# 3. The role: the prod branch job (its URL is the token's sub), our audience.
keep write auth/jwt/role/deploy - <<JSON
{
  "role_type": "jwt",
  "user_claim": "sub",
  "bound_audiences": ["$AUDIENCE"],
  "bound_claims": {"sub": "$JENKINS_PROD_JOB_URL"},
  "token_policies": ["payments-deploy"],
  "token_ttl": "15m",
  "token_max_ttl": "1h"
}
JSON

# 4. The secret (example value; put the real one here).
keep kv put secret/payments/prod/deploy api_key=jenkins-deploy-example-0b77 >/dev/null
echo "Jenkins: role deploy reads secret/payments/prod/deploy for $JENKINS_PROD_JOB_URL"
