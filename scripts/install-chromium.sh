#!/usr/bin/env bash
# Install Debian's chromium for the browser tests, and a Chinese font so that
# pages (and their screenshots) show Chinese rather than boxes, when we may (root
# with apt).
set -u
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium and a Chinese font for the browser tests..."
  apt-get update -qq >/dev/null \
    && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null && exit 0
fi
echo "chromium or a Chinese font is missing: browser tests may be skipped or show boxes (install Debian's chromium and fonts-wqy-microhei)."
[ -z "${CI:-}" ]  # in CI a missing browser is a failure
