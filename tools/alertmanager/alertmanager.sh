#!/usr/bin/env bash
# Prometheus Alertmanager from Debian's package (prometheus-alertmanager, pinned below), for the notify
# service's tests, installed with apt-get without starting its service (tools/lib/components.sh).
#   alertmanager.sh install          the package, unless dpkg has that version
#   alertmanager.sh start STATE_DIR  starts one on a free loopback port with a config that keeps every alert
#                                    (one receiver, no notification), waits until ready, prints
#                                    ALERTMANAGER_URL=http://127.0.0.1:PORT (with ALERTMANAGER_WATCH_PID:
#                                    stopped too when that process dies; ALERTMANAGER_PORT: that port)
#   alertmanager.sh stop STATE_DIR   stops it and deletes STATE_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../lib/components.sh
. "$here/../lib/components.sh"
packages=(prometheus-alertmanager=0.25.0-1+b4)
binary=/usr/bin/prometheus-alertmanager

start() {
  local state="$1" port cluster_port
  debian_install "${packages[@]}"
  mkdir -p "$state/data"
  # ALERTMANAGER_PORT: a given port (an outage test brings it back where it was)
  port="${ALERTMANAGER_PORT:-$(free_port)}"
  cat >"$state/alertmanager.yml" <<YAML
route:
  receiver: keep
  group_by: ['...']
receivers:
  - name: keep
YAML
  # --cluster.listen-address= : no gossip port (a single instance)
  start_process "$state" "$state/alertmanager.log" "${ALERTMANAGER_WATCH_PID:-}" "$binary" --config.file="$state/alertmanager.yml" \
    --storage.path="$state/data" --web.listen-address="127.0.0.1:$port" --cluster.listen-address=
  wait_ready alertmanager "$state" "$state/alertmanager.log" curl -fsS -o /dev/null "http://127.0.0.1:$port/-/ready"
  echo "ALERTMANAGER_URL=http://127.0.0.1:$port"
}

case "${1:-}" in
  install) debian_install "${packages[@]}" ;;
  start) start "${2:?alertmanager.sh start STATE_DIR}" ;;
  stop) stop_state "${2:?alertmanager.sh stop STATE_DIR}" ;;
  *) echo "usage: alertmanager.sh install | start STATE_DIR | stop STATE_DIR" >&2; exit 2 ;;
esac
