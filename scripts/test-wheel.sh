#!/usr/bin/env bash
# The Python wheel, tested as a user gets it: build it with maturin, install
# it into a fresh virtual environment, and run the pytest plugin's suites
# with that environment's `python -m pytest` from a folder outside the
# source tree, so that the plugin, the `awsemu` package and the binary all
# come from the installed wheel (AWSEMU_BIN is unset).
#
#   scripts/test-wheel.sh                # dev-profile wheel (quick; what CI runs)
#   WHEEL_PROFILE=release scripts/test-wheel.sh
#   WHEEL=path/to/awsemu-*.whl scripts/test-wheel.sh   # test a wheel built elsewhere
#   scripts/test-wheel.sh --build-only DIR             # only build it, into DIR
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

python="${PYTHON:-python3}"
profile="${WHEEL_PROFILE:-dev}"
work="$(mktemp -d "${TMPDIR:-/tmp}/awsemu-wheel.XXXXXX")"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

pip_quiet=(--quiet --disable-pip-version-check)

build_only=""
if [ "${1:-}" = "--build-only" ]; then
  build_only="${2:?--build-only needs a folder}"
fi

if [ -z "${WHEEL:-}" ]; then
  echo "== wheel: maturin build --profile $profile"
  # maturin itself lives in its own venv, kept between runs.
  if [ ! -x .venv-maturin/bin/maturin ]; then
    "$python" -m venv .venv-maturin
    .venv-maturin/bin/pip install "${pip_quiet[@]}" -r python/requirements-build.txt
  fi
  out="${build_only:-$work/dist}"
  .venv-maturin/bin/maturin build --profile "$profile" --out "$out" 2>&1 \
    | { grep -v '^ *Compiling\|^ *Downloaded\|^ *Downloading' || true; }
  WHEEL="$(ls -t "$out"/awsemu-*.whl | head -1)"
fi
[ -f "$WHEEL" ] || { echo "no wheel built" >&2; exit 1; }
echo "   $(basename "$WHEEL"): $(du -k "$WHEEL" | cut -f1) KiB"
if [ -n "$build_only" ]; then
  exit 0
fi

echo "== fresh venv: pip install the wheel, pytest, pytest-xdist, boto3"
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install "${pip_quiet[@]}" -r python/requirements-test.txt
"$work/venv/bin/pip" install "${pip_quiet[@]}" --no-deps "$WHEEL"

# The suites, copied out of the source tree (the example's scenarios too).
mkdir -p "$work/run"
cp -rL python/tests/example python/tests/plugin "$work/run/"
cd "$work/run"
unset AWSEMU_BIN AWSEMU_URL
py="$work/venv/bin/python"
"$py" - <<'EOF'
import awsemu, os
assert os.sep + "site-packages" + os.sep in awsemu.__file__, awsemu.__file__
print("   awsemu package:", os.path.dirname(awsemu.__file__))
print("   awsemu binary: ", awsemu.find_binary())
EOF

echo "== example suite (only the plugin's fixtures)"
"$py" -m pytest example -q -p no:cacheprovider
echo "== example suite under pytest-xdist (-n 2)"
"$py" -m pytest example -q -p no:cacheprovider -n 2
echo "== plugin tests (pytester)"
"$py" -m pytest plugin -q -p no:cacheprovider
