#!/usr/bin/env bash
# moto's server mode (PyPI: moto[server], pinned in requirements.txt): a real emulator of the AWS APIs the
# EKS source calls (CloudWatch Logs), for the tests.
#   moto.sh install          the virtualenv, once (cached: KAUDIT_TOOLS_CACHE, default ~/.cache/kaudit; pip's
#                            own cache keeps a reinstall offline-fast)
#   moto.sh start STATE_DIR  starts a server on a free loopback port, waits until it answers, prints
#                            MOTO_ENDPOINT=http://127.0.0.1:PORT
#                            (with MOTO_WATCH_PID: stopped too when that process dies)
#   moto.sh stop STATE_DIR   stops it and deletes STATE_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../lib/components.sh
. "$here/../lib/components.sh"
cache="${KAUDIT_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kaudit}"
sum="$(sha256sum "$here/requirements.txt" | cut -c1-12)"
venv="$cache/moto-$sum"
python="${PYTHON:-python3}"

install() {
  if [ -f "$venv/.installed" ]; then return 0; fi
  if ! command -v "$python" >/dev/null 2>&1; then
    echo "moto.sh: needs Python >= 3.9 on PATH ($python)" >&2
    exit 1
  fi
  mkdir -p "$cache"
  rm -rf "$venv"
  "$python" -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
  # marked last: an interrupted install is never taken for a finished one
  touch "$venv/.installed"
}

start() {
  local dir="$1"
  install
  mkdir -p "$dir"
  local port
  port="$(free_port)"
  start_process "$dir" "$dir/moto.log" "${MOTO_WATCH_PID:-}" "$venv/bin/moto_server" -H 127.0.0.1 -p "$port"
  wait_ready moto_server "$dir" "$dir/moto.log" curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/data.json"
  echo "MOTO_ENDPOINT=http://127.0.0.1:$port"
}

case "${1:-}" in
  install) install ;;
  start) start "${2:?moto.sh start STATE_DIR}" ;;
  stop) stop_state "${2:?moto.sh stop STATE_DIR}" ;;
  *) echo "usage: moto.sh install | start STATE_DIR | stop STATE_DIR" >&2; exit 2 ;;
esac
