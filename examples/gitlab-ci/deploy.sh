#!/usr/bin/env bash
# Run by `keep ci exec` (the .keep-exec job of .gitlab-ci.yml): REGISTRY_PASSWORD and
# DB_ADMIN_PASSWORD are in this process's environment only, and so is the job's Keep token
# (KEEP_EXPORT_TOKEN: "true"), which writes the application's new database credentials back.
# Keep revokes the token when this script ends. Never print a secret: GitLab cannot mask values
# read at run time.
set -euo pipefail
: "${REGISTRY_PASSWORD:?REGISTRY_PASSWORD was not given by keep ci exec}"
: "${DB_ADMIN_PASSWORD:?DB_ADMIN_PASSWORD was not given by keep ci exec}"
: "${KEEP_TOKEN:?KEEP_TOKEN was not given (KEEP_EXPORT_TOKEN)}"

echo "deploying ${CI_PROJECT_PATH:-the project} from ${CI_COMMIT_REF_NAME:-?}"
# A real deploy: docker login -u ci --password-stdin registry.example.com <<<"$REGISTRY_PASSWORD"; helm upgrade ...

# The application's database user gets a fresh password (a real job would run, as the admin,
# ALTER ROLE payments_app PASSWORD '...'), stored back in Keep for the application to read.
app_password="$(node -e 'process.stdout.write(require("node:crypto").randomBytes(24).toString("base64url"))')"
# The value goes through stdin (password=-), never on a command line.
printf '%s' "$app_password" | keep kv put secret/payments/prod/db username=payments_app password=- >/dev/null
echo "database credentials for payments_app written to secret/payments/prod/db"
