#!/usr/bin/env bash
# Runs every test of Ceiling, after installing what the tests need (scripts/setup.sh test):
# formatting, lints, unit and golden tests, the CLI on generated incidents, the cloud tests
# against a local moto server, and the GUI tests of the real app under Xvfb.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
venv="$(scripts/setup.sh test | tail -n 1)"
export CEILING_MOTO_SERVER="$venv/bin/moto_server"

echo "== cargo fmt --check"
cargo fmt --all --check
echo "== cargo clippy"
# test-dialogs: the GUI tests' way around the native dialogs (src-tauri/Cargo.toml)
cargo clippy --locked --workspace --all-targets --features ceiling-app/test-dialogs -- -D warnings
echo "== cargo test"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# the fuzz corpora and crashes replay on stable in ceiling-engine's tests/fuzz_corpus.rs
cargo test --locked --workspace --features ceiling-app/test-dialogs 2>&1 | tee "$log"
# cargo ends on the last crate's doc-tests, often "0 passed"; the closing line counts them all.
awk '/^test result:/ { passed += $4; failed += $6 } END { printf "tests: %d passed, %d failed\n", passed, failed }' "$log"
