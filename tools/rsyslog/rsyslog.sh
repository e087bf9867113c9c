#!/usr/bin/env bash
# rsyslog from Debian's packages (rsyslog, rsyslog-gnutls, pinned below), a syslog receiver for the notify
# service's tests: installed with apt-get without starting its service (tools/lib/components.sh), run
# as a process of its own with a configuration of its own.
#   rsyslog.sh install          the packages, unless dpkg has those versions
#   rsyslog.sh start STATE_DIR  makes a CA and a server certificate (openssl), starts rsyslogd with an RFC
#                               5424 TCP listener and a TLS one on free loopback ports, each message written
#                               as received (one a line) to STATE_DIR/messages.log; prints
#                               RSYSLOG_TCP=127.0.0.1:PORT, RSYSLOG_TLS=127.0.0.1:PORT, RSYSLOG_CA_FILE=…,
#                               RSYSLOG_OUTPUT=… (with RSYSLOG_WATCH_PID: stopped too when that process dies)
#   rsyslog.sh stop STATE_DIR   stops it and deletes STATE_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../lib/components.sh
. "$here/../lib/components.sh"
packages=(rsyslog=8.2302.0-1+deb12u2 rsyslog-gnutls=8.2302.0-1+deb12u2)

start() {
  local state="$1" tcp tls
  debian_install "${packages[@]}"
  mkdir -p "$state/work"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$state/ca.key" -out "$state/ca.pem" -days 2 -subj "/CN=kaudit test syslog CA" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -keyout "$state/server.key" -out "$state/server.csr" -subj "/CN=localhost" >/dev/null 2>&1
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$state/san.ext"
  openssl x509 -req -in "$state/server.csr" -CA "$state/ca.pem" -CAkey "$state/ca.key" -CAcreateserial -days 2 -extfile "$state/san.ext" -out "$state/server.pem" >/dev/null 2>&1
  tcp="$(free_port)"
  tls="$(free_port)"
  cat >"$state/rsyslog.conf" <<CONF
global(workDirectory="$state/work" DefaultNetstreamDriverCAFile="$state/ca.pem" DefaultNetstreamDriverCertFile="$state/server.pem" DefaultNetstreamDriverKeyFile="$state/server.key")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="$tcp" ruleset="keep")
input(type="imtcp" address="127.0.0.1" port="$tls" ruleset="keep" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
template(name="asReceived" type="string" string="%rawmsg%\n")
ruleset(name="keep") { action(type="omfile" file="$state/messages.log" template="asReceived") }
CONF
  touch "$state/messages.log"
  start_process "$state" "$state/rsyslogd.log" "${RSYSLOG_WATCH_PID:-}" /usr/sbin/rsyslogd -n -f "$state/rsyslog.conf" -i "$state/rsyslogd.pid"
  wait_ready rsyslogd "$state" "$state/rsyslogd.log" listening "$tcp" "$tls"
  echo "RSYSLOG_TCP=127.0.0.1:$tcp"
  echo "RSYSLOG_TLS=127.0.0.1:$tls"
  echo "RSYSLOG_CA_FILE=$state/ca.pem"
  echo "RSYSLOG_OUTPUT=$state/messages.log"
}

listening() {
  local port
  for port in "$@"; do (exec 3<>"/dev/tcp/127.0.0.1/$port") || return 1; done
}

case "${1:-}" in
  install) debian_install "${packages[@]}" ;;
  start) start "${2:?rsyslog.sh start STATE_DIR}" ;;
  stop) stop_state "${2:?rsyslog.sh stop STATE_DIR}" ;;
  *) echo "usage: rsyslog.sh install | start STATE_DIR | stop STATE_DIR" >&2; exit 2 ;;
esac
