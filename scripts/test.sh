#!/usr/bin/env bash
# The project's test command: unit tests, then the real-SDK suites against a
# real awsemu process (aws-sdk-rust, then boto3 + the AWS CLI).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== build awsemu"
cargo build -p awsemu
export AWSEMU_BIN="$PWD/target/debug/awsemu"

echo "== unit tests (emulator, codegen)"
cargo test -p awsemu -p awsemu-codegen

echo "== aws-sdk-rust suite (sdk-tests)"
cargo test -p sdk-tests

echo "== boto3 / AWS CLI suite (sdk-tests/python)"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r sdk-tests/python/requirements.txt
# The AWS CLI must come from the same venv as boto3.
PATH="$PWD/.venv/bin:$PATH" .venv/bin/python -m pytest sdk-tests/python -q -p no:cacheprovider

echo "== JavaScript SDK v3 suite (sdk-tests/js)"
(cd sdk-tests/js && npm ci --no-audit --no-fund --loglevel=error && npm test)
