#!/usr/bin/env bash
# Installs what Ceiling needs on Debian or Ubuntu, and only what is missing.
#
#   scripts/setup.sh app    system libraries to build and run the desktop app
#   scripts/setup.sh test   the above, plus what the tests drive: Xvfb, WebKitWebDriver,
#                           tauri-driver, Python with moto (a local AWS endpoint)
#
# Safe to run again: each step checks first. Prints the path of the moto venv on the last
# line when asked for "test", so callers can export it.
set -euo pipefail

what=${1:-app}
case "$what" in app|test) ;; *) echo "usage: $0 app|test" >&2; exit 2 ;; esac

app_packages=(libwebkit2gtk-4.1-dev build-essential pkg-config)
test_packages=(xvfb xauth webkit2gtk-driver python3 python3-venv poppler-utils)

missing=()
want=("${app_packages[@]}")
[ "$what" = test ] && want+=("${test_packages[@]}")
for pkg in "${want[@]}"; do
  # python3 may come from elsewhere (pyenv); only ask apt for it when no usable one exists
  if [ "$pkg" = python3 ] || [ "$pkg" = python3-venv ]; then
    if command -v python3 >/dev/null && python3 -c 'import venv, ensurepip' 2>/dev/null; then
      continue
    fi
  fi
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "setup: installing with apt: ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

[ "$what" = test ] || exit 0

# The test command checks formatting and lints.
for component in rustfmt clippy; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    echo "setup: adding the $component component with rustup" >&2
    rustup component add "$component" >&2
  fi
done

# tauri-driver speaks WebDriver to the test and drives WebKitWebDriver; pinned to Tauri 2.
if ! command -v tauri-driver >/dev/null || ! tauri-driver --help >/dev/null 2>&1; then
  echo "setup: installing tauri-driver 2 with cargo" >&2
  cargo install tauri-driver --locked --version '^2' >&2
fi

# moto server is the local CloudWatch Logs endpoint of the cloud tests. Its venv lives in the
# user's cache so that clean clones reuse it; it is rebuilt whenever it does not work.
venv="${XDG_CACHE_HOME:-$HOME/.cache}/ceiling/moto-venv"
if ! "$venv/bin/python" -c 'import moto.server' 2>/dev/null; then
  echo "setup: installing moto[server] into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check 'moto[server]>=5,<6' >&2
fi
echo "$venv"
