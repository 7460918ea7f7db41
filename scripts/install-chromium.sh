#!/usr/bin/env bash
# Install what the browser and document tests look with, when we may (root with
# apt): Debian's chromium, a Chinese font so that pages and their screenshots show
# Chinese rather than boxes, and poppler's pdftoppm to render a PDF page to an image.
set -u
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium, a Chinese font and pdftoppm for the browser tests..."
  apt-get update -qq >/dev/null \
    && apt-get install -y -qq chromium fonts-wqy-microhei poppler-utils >/dev/null && exit 0
fi
echo "chromium or a Chinese font is missing: browser tests may be skipped or show boxes (install Debian's chromium and fonts-wqy-microhei)."
[ -z "${CI:-}" ]  # in CI a missing browser is a failure
