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

free_port() {
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  local dir="$1"
  install
  mkdir -p "$dir"
  local port
  port="$(free_port)"
  nohup "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$dir/moto.log" 2>&1 &
  echo $! >"$dir/pid"
  if [ -n "${MOTO_WATCH_PID:-}" ]; then
    # stops the server when the process that started it dies without stopping it
    local server=$!
    nohup bash -c "while kill -0 $MOTO_WATCH_PID 2>/dev/null && kill -0 $server 2>/dev/null; do sleep 2; done; kill $server 2>/dev/null" >/dev/null 2>&1 &
  fi
  for _ in $(seq 1 150); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/data.json" 2>/dev/null; then
      echo "MOTO_ENDPOINT=http://127.0.0.1:$port"
      return 0
    fi
    if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      echo "moto.sh: moto_server exited; its log:" >&2
      cat "$dir/moto.log" >&2
      exit 1
    fi
    sleep 0.2
  done
  echo "moto.sh: moto_server did not answer within 30 s; its log:" >&2
  cat "$dir/moto.log" >&2
  stop "$dir"
  exit 1
}

stop() {
  local dir="$1"
  if [ -f "$dir/pid" ]; then
    local pid
    pid="$(cat "$dir/pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  install) install ;;
  start) start "${2:?moto.sh start STATE_DIR}" ;;
  stop) stop "${2:?moto.sh stop STATE_DIR}" ;;
  *) echo "usage: moto.sh install | start STATE_DIR | stop STATE_DIR" >&2; exit 2 ;;
esac
