# Sourced by the tools that run a component from Debian's packages.
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
