#!/usr/bin/env sh
# Install Chromium for the browser tests (tests/web/test_browser.py, test_embed.py).
# Idempotent: does nothing when /usr/bin/chromium exists. Playwright cannot download its
# own browsers here, so the tests launch this system Chromium (override with $CHROMIUM).
set -eu

if [ -x /usr/bin/chromium ]; then
    echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

$SUDO apt-get update
$SUDO apt-get install -y chromium
/usr/bin/chromium --version
