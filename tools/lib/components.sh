# Sourced by the tools that run a component for the tests (tools/<name>/<name>.sh): installing it from
# Debian's packages, starting it in the background, waiting until it answers, stopping it.
#
# debian_install PKG=VERSION…: installs the pinned packages with apt-get unless dpkg already has those
# versions. No service is started by the installation (a policy-rc.d refuses them for its duration): the
# tools start what they need themselves, on ports and files of their own. Needs root (or password-less sudo).

debian_install() {
  local missing=() spec pkg version have
  for spec in "$@"; do
    pkg="${spec%%=*}"
    version="${spec#*=}"
    have="$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)"
    [ "$have" = "$version" ] || missing+=("$spec")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  local as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as_root=(sudo -n); else
      echo "needs root (or password-less sudo) to install from Debian's packages: ${missing[*]}" >&2
      return 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "needs apt-get (Debian or Ubuntu) to install: ${missing[*]}" >&2
    return 1
  fi
  local policy=/usr/sbin/policy-rc.d restore=''
  if [ -e "$policy" ]; then restore="$(mktemp)"; "${as_root[@]}" cp -p "$policy" "$restore"; fi
  printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
  "${as_root[@]}" chmod 755 "$policy"
  local rc=0
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 || rc=$?
  if [ "$rc" -ne 0 ]; then
    # a stale package index is the usual cause: once more after an update
    "${as_root[@]}" apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 && rc=0
  fi
  if [ -n "$restore" ]; then "${as_root[@]}" mv "$restore" "$policy"; else "${as_root[@]}" rm -f "$policy"; fi
  [ "$rc" -eq 0 ] || { echo "apt-get install ${missing[*]} failed" >&2; return 1; }
}

# free_port: a free loopback TCP port
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# stop_pid_file FILE: SIGTERM, then SIGKILL after 5 s
stop_pid_file() {
  local file="$1" pid
  [ -f "$file" ] || return 0
  pid="$(cat "$file")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

# watch_parent PID CHILD: stops CHILD when PID dies (a test runner killed without its teardown)
watch_parent() {
  local parent="$1" child="$2"
  [ -n "$parent" ] || return 0
  nohup bash -c "while kill -0 $parent 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 2; done; kill $child 2>/dev/null" >/dev/null 2>&1 &
}

# start_process STATE_DIR LOG WATCH_PID CMD…: CMD in the background, its output to LOG, its pid in
# STATE_DIR/pid, stopped when WATCH_PID (if set) dies
start_process() {
  local state="$1" log="$2" watch="$3"
  shift 3
  nohup "$@" >"$log" 2>&1 &
  echo $! >"$state/pid"
  watch_parent "$watch" "$(cat "$state/pid")"
}

# wait_ready NAME STATE_DIR LOG CHECK…: runs CHECK every 0.2 s until it succeeds (30 s at most); when the
# process exits first, or the time is up, prints LOG, stops the process and fails
wait_ready() {
  local name="$1" state="$2" log="$3"
  shift 3
  for _ in $(seq 1 150); do
    if "$@" 2>/dev/null; then return 0; fi
    if ! kill -0 "$(cat "$state/pid")" 2>/dev/null; then
      echo "$name exited; its log:" >&2
      cat "$log" >&2
      rm -rf "$state"
      exit 1
    fi
    sleep 0.2
  done
  echo "$name did not answer within 30 s; its log:" >&2
  cat "$log" >&2
  stop_pid_file "$state/pid"
  rm -rf "$state"
  exit 1
}

# stop_state STATE_DIR: stops the process started there and deletes STATE_DIR
stop_state() {
  stop_pid_file "$1/pid"
  rm -rf "$1"
}
