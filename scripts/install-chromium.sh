#!/usr/bin/env bash
# Install Debian's chromium for the browser tests when we may (root with apt).
set -u
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null && exit 0
fi
echo "chromium is not installed: browser tests will be skipped (install Debian's 'chromium')."
[ -z "${CI:-}" ]  # in CI a missing browser is a failure
