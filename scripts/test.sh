#!/usr/bin/env bash
# The project's test command: unit tests, then the real-SDK suites against
# real awsemu processes. The aws-sdk-rust suite (long to compile) runs in the
# background while boto3 + the AWS CLI + Ansible, the JavaScript SDK and the
# Python wheel's pytest plugin run; each suite starts its own servers, so
# they are independent.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== build awsemu"
cargo build -p awsemu
export AWSEMU_BIN="$PWD/target/debug/awsemu"

echo "== unit tests (emulator, codegen), property and model-based tests"
cargo test -p awsemu -p awsemu-codegen

echo "== the Python wheel (maturin; its dev profile reuses the debug build: seconds)"
# Built now, before the background suite holds the build folder's lock.
wheel_dir="$(mktemp -d)"
scripts/test-wheel.sh --build-only "$wheel_dir"

echo "== soak: 64 clients for 30 s against the debug build"
cargo build -p awsemu-load --bin awsemu-soak
target/debug/awsemu-soak --secs 30 --awsemu "$AWSEMU_BIN"

rust_log="$(mktemp)"
echo "== aws-sdk-rust suite (sdk-tests): started in the background"
cargo test -p sdk-tests >"$rust_log" 2>&1 &
rust_pid=$!
# If this script stops early, stop the background suite too.
trap 'kill "$rust_pid" 2>/dev/null || true' EXIT

echo "== boto3 / AWS CLI suite (sdk-tests/python)"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r sdk-tests/python/requirements.txt
# The AWS CLI must come from the same venv as boto3.
PATH="$PWD/.venv/bin:$PATH" .venv/bin/python -m pytest sdk-tests/python -q -p no:cacheprovider

echo "== JavaScript SDK v3 suite (sdk-tests/js)"
(cd sdk-tests/js && npm ci --no-audit --no-fund --loglevel=error && npm test)

echo "== the Python wheel and its pytest plugin (scripts/test-wheel.sh)"
WHEEL="$(ls "$wheel_dir"/awsemu-*.whl)" scripts/test-wheel.sh
rm -rf "$wheel_dir"

echo "== aws-sdk-rust suite (sdk-tests): its output"
rust_status=0
wait "$rust_pid" || rust_status=$?
trap - EXIT
cat "$rust_log"
rm -f "$rust_log"
exit "$rust_status"
