#!/usr/bin/env bash
# Renders ceiling.svg into the PNG sizes Tauri uses (RGBA, as tauri-codegen requires).
# Needs rsvg-convert (Debian: librsvg2-bin). The PNGs are committed; run this after editing
# the SVG.
set -euo pipefail
cd "$(dirname "$0")"
render() { rsvg-convert --width "$1" --height "$1" --format png ceiling.svg --output "$2"; }
render 32 32x32.png
render 128 128x128.png
render 256 128x128@2x.png
render 512 icon.png
