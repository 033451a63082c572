#!/usr/bin/env bash
# Starts the Ceiling desktop app, after installing the system libraries it needs.
#
#   scripts/app.sh              the start screen: open files, drop them, or open the sample
#   scripts/app.sh --sample     the bundled sample incident
#   scripts/app.sh FILE...      these logs (files or folders, plain or gzip)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh" app
# --manifest-path rather than cd: relative FILE paths stay relative to where you are.
exec cargo run --locked --quiet --manifest-path "$root/Cargo.toml" -p ceiling-app -- "$@"
