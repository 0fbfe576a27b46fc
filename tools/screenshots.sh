#!/usr/bin/env bash
# Screenshots of every page of the Hesbynett site in headless Chromium: 390 and 1280 px wide,
# light and dark, with the banner and with the preferences open, and the banner's share of a
# phone's and a desktop's screen (banner-share.md).  Usage: bash tools/screenshots.sh [OUT_DIR]
# (default target/screenshots). Needs Chromium (tools/setup-toolchain.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/screenshots}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cargo run -q -j 2 -p samtykke-e2e --example screenshots -- "$out"
# Smaller files for committing, when the tools are there (apt install pngquant optipng).
if command -v pngquant >/dev/null && command -v optipng >/dev/null; then
  for f in "$out"/*.png; do
    pngquant --quality 60-85 --strip --force --output "$f" "$f" && optipng -quiet -o2 "$f"
  done
fi
