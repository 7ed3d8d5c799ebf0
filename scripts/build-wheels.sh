#!/usr/bin/env bash
# Release wheels for PyPI: one per platform, each carrying the `awsemu`
# binary and the `awsemu` Python package (pyproject.toml; maturin's `bin`
# bindings). Linux wheels are linked with zig (PyPI's `ziglang`), so one
# machine builds them all and the glibc ones run on glibc 2.17 and later
# (manylinux2014); the musl ones are static (musllinux_1_2).
#
#   scripts/build-wheels.sh [OUT]        # default OUT: target/wheels
#
# A Linux target is built when its Rust standard library is installed
# (`rustup target add aarch64-unknown-linux-gnu x86_64-unknown-linux-musl
# aarch64-unknown-linux-musl`), and skipped with a note otherwise. macOS
# wheels are built on a Mac: `maturin build --release --target universal2-apple-darwin`.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/wheels}"
python="${PYTHON:-python3}"

if ! .venv-maturin/bin/python -c "import ziglang" 2>/dev/null || [ ! -x .venv-maturin/bin/maturin ]; then
  [ -x .venv-maturin/bin/python ] || "$python" -m venv .venv-maturin
  .venv-maturin/bin/pip install --quiet --disable-pip-version-check -r python/requirements-build.txt ziglang==0.17.0
fi
export PATH="$PWD/.venv-maturin/bin:$PATH"

installed="$(rustup target list --installed 2>/dev/null || rustc -vV | sed -n 's/^host: //p')"
built=0
for spec in \
  x86_64-unknown-linux-gnu:manylinux2014 \
  aarch64-unknown-linux-gnu:manylinux2014 \
  x86_64-unknown-linux-musl:musllinux_1_2 \
  aarch64-unknown-linux-musl:musllinux_1_2; do
  target="${spec%%:*}"
  policy="${spec##*:}"
  if ! grep -qx "$target" <<<"$installed"; then
    echo "-- $target: skipped (rustup target add $target)"
    continue
  fi
  echo "== $target ($policy)"
  maturin build --release --zig --target "$target" --compatibility "$policy" --out "$out"
  built=$((built + 1))
done
echo "$built wheel(s) in $out:"
ls -l "$out"/awsemu-*.whl
