#!/usr/bin/env bash
# Run by `keep ci exec` (Jenkinsfile): DEPLOY_API_KEY is in this process's environment only.
# Jenkins masks bound credentials, not values read at run time: never print it.
set -euo pipefail
: "${DEPLOY_API_KEY:?DEPLOY_API_KEY was not given by keep ci exec}"
echo "deploying ${JOB_NAME:-the job} #${BUILD_NUMBER:-?} (${#DEPLOY_API_KEY}-character API key)"
# A real deploy: ./scripts/release.sh
