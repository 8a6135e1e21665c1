#!/usr/bin/env bash
# The deploy step of deploy.yml: the Keep action exported AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY (through GITHUB_ENV, masked in the log). Never print them.
set -euo pipefail
: "${AWS_ACCESS_KEY_ID:?AWS_ACCESS_KEY_ID was not exported by the Keep step}"
: "${AWS_SECRET_ACCESS_KEY:?AWS_SECRET_ACCESS_KEY was not exported by the Keep step}"
echo "deploying to ${AWS_REGION:-us-east-1} with an access key of ${#AWS_ACCESS_KEY_ID} characters"
# A real deploy: aws s3 sync ./site "s3://my-bucket" --delete
