#!/usr/bin/env bash
# Run by `keep ci exec` (pipeline.yml): DEPLOY_API_KEY is in this process's environment only.
# The agent also redacts it from the log. Never print it anyway.
set -euo pipefail
: "${DEPLOY_API_KEY:?DEPLOY_API_KEY was not given by keep ci exec}"
echo "deploying ${BUILDKITE_PIPELINE_SLUG:-the pipeline} build ${BUILDKITE_BUILD_NUMBER:-?} from ${BUILDKITE_BRANCH:-?} (${#DEPLOY_API_KEY}-character API key)"
# A real deploy: curl -fsS -H "Authorization: Bearer $DEPLOY_API_KEY" https://deploy.example.com/releases -d ...
