#!/usr/bin/env bash
# Chromium from Debian's package (pinned below), for the console's browser tests, which drive it headless
# through playwright-core (never a browser that a test tool downloads itself).
#   chromium.sh install   the package, unless dpkg has that version
#   chromium.sh path      installs it if needed, then prints CHROMIUM_PATH=/usr/bin/chromium
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../lib/components.sh
. "$here/../lib/components.sh"
packages=(chromium=156.0.8078.129-1~deb12u1)
binary=/usr/bin/chromium

case "${1:-}" in
  install) debian_install "${packages[@]}" ;;
  path) debian_install "${packages[@]}" && [ -x "$binary" ] && echo "CHROMIUM_PATH=$binary" ;;
  *) echo "usage: chromium.sh install | path" >&2; exit 2 ;;
esac
