#!/usr/bin/env bash
# Install Debian's Chromium for the browser test (tests/test_book.py).
#
# Playwright drives this browser through executable_path=/usr/bin/chromium;
# `playwright install` (a browser download from a CDN) is never used: it fails
# on machines that only reach the package registries.
# Does nothing when Chromium is already there. Needs root and apt-get; where
# those are missing it says so and exits 1 (the Makefile ignores the failure
# and the browser test skips with the reason).
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    echo "browser_deps: /usr/bin/chromium is installed ($(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown'))"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "browser_deps: no apt-get on this machine; install Chromium at /usr/bin/chromium by hand" >&2
    exit 1
fi
if [ "$(id -u)" != 0 ]; then
    echo "browser_deps: not root, so Chromium cannot be installed with apt-get; run: sudo apt-get install -y chromium" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "browser_deps: installed $(/usr/bin/chromium --version)"
