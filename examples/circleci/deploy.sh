#!/usr/bin/env bash
# The deploy step of config.yml: keep/secrets appended `export` lines to $BASH_ENV, which bash
# reads at the start of every later step. Never print the values (CircleCI cannot mask them).
set -euo pipefail
: "${DB_PASSWORD:?DB_PASSWORD was not exported by keep/secrets}"
: "${PAYMENTS_API_KEY:?PAYMENTS_API_KEY was not exported by keep/secrets}"
echo "deploying ${CIRCLE_PROJECT_REPONAME:-the app} from ${CIRCLE_BRANCH:-?} with prod credentials (${#DB_PASSWORD}-character database password)"
# A real deploy: ./scripts/migrate.sh && ./scripts/release.sh
