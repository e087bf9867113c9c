#!/usr/bin/env bash
# Single-node Apache Kafka broker (KRaft, broker+controller) for integration tests, run from the
# Maven Central jars with Java 17. No Docker needed. See /work/shared/runbooks/kafka-local-broker.md.
#
#   broker.sh fetch               download the jars into <repo>/.kafka/libs-<version> (cached)
#   broker.sh start [STATE_DIR]   start a fresh broker; prints exactly one stdout line:
#                                   KAFKA_BROKERS=127.0.0.1:<port>
#   broker.sh stop  [STATE_DIR]   stop the broker recorded in STATE_DIR and delete its files
#                                 (also works on a halted broker)
#   broker.sh halt  [STATE_DIR]   stop the broker process only (SIGTERM, SIGKILL after 30 s) but keep
#                                 its work dir, data and ports, so that `resume` can bring it back
#                                 (for fault tests: "the broker is down")
#   broker.sh resume [STATE_DIR]  start a halted broker again with the same server.properties, data and
#                                 ports (no re-format); prints the same KAFKA_BROKERS=... line as start
#
# STATE_DIR defaults to <repo>/.kafka/run. Everything except the KAFKA_BROKERS line goes to stderr.
#
# Environment (all optional):
#   KAFKA_JAVA             java binary to use (must be >= 17)
#   KAFKA_BROKER_SECURITY  if 1, `start` also opens a SASL_SSL listener (PLAIN, SCRAM-SHA-256 and
#                          SCRAM-SHA-512, one user each with a random password) and an SSL listener that
#                          requires a client certificate (mutual TLS), with a CA made for this broker, and
#                          writes how to reach them to STATE_DIR/security.env (KAFKA_SASL_SSL_BROKERS,
#                          KAFKA_MTLS_BROKERS, KAFKA_TEST_CA_FILE, KAFKA_TEST_CLIENT_CERT_FILE/_KEY_FILE,
#                          KAFKA_TEST_<MECHANISM>_USERNAME/_PASSWORD, and the PLAIN user `$ConnectionString`
#                          of Azure Event Hubs' Kafka endpoint: KAFKA_TEST_EVENTHUBS_CONNECTION_STRING);
#                          needs openssl
#   KAFKA_BROKER_WATCH_PID if set, a small watchdog stops the broker when this process exits
#                          (so a crashed or interrupted test run does not leave a broker behind);
#                          it keeps watching while the broker is halted and deletes the files of a
#                          broker whose owner went away without `stop`
set -euo pipefail

# stdout is reserved for the single KAFKA_BROKERS line: keep it on fd 3, send the rest to stderr.
exec 3>&1 1>&2

KAFKA_VERSION=4.1.1
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
LIBS="$ROOT/.kafka/libs-$KAFKA_VERSION"
READY_TIMEOUT_S=120
STOP_TIMEOUT_S=30
RESUME_BIND_RETRY_S=20

log() { printf '[kafka-broker] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# --- java ------------------------------------------------------------------------------------

java_major() { # prints the major version of the given java binary, or nothing
  local line ver
  line="$("$1" -version 2>&1 | head -n 1)" || return 0
  ver="$(printf '%s' "$line" | sed -n 's/.*version "\([^"]*\)".*/\1/p')"
  [ -n "$ver" ] || return 0
  case "$ver" in
    1.*) ver="${ver#1.}" ;;
  esac
  printf '%s' "${ver%%[.+-]*}"
}

find_java() {
  local candidates=() c major
  if [ -n "${KAFKA_JAVA:-}" ]; then
    candidates+=("$KAFKA_JAVA")
  else
    [ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ] && candidates+=(/usr/lib/jvm/java-17-openjdk-amd64/bin/java)
    command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  fi
  for c in "${candidates[@]+"${candidates[@]}"}"; do
    major="$(java_major "$c")"
    if [ -n "$major" ] && [ "$major" -ge 17 ] 2>/dev/null; then
      JAVA="$c"
      return 0
    fi
    log "ignoring $c (Java major version '${major:-unknown}', need >= 17)"
  done
  die "no Java >= 17 found: install Java 17 (e.g. openjdk-17-jre-headless) or set KAFKA_JAVA, or set KAFKA_BROKERS / run a Docker engine"
}

# --- jars ------------------------------------------------------------------------------------

jars_present() { [ -f "$LIBS/.complete" ] && [ -f "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]; }

fetch() {
  if jars_present; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 ||
    die "Maven (mvn) is not installed: the Kafka broker jars come from Maven Central. Install Java 17 + Maven with access to Maven Central, or set KAFKA_BROKERS, or install a Docker engine."
  mkdir -p "$ROOT/.kafka"
  # download into a private folder, then rename: a concurrent or interrupted fetch never leaves
  # a half-filled libs folder behind
  local tmp t0=$SECONDS
  tmp="$(mktemp -d "$ROOT/.kafka/libs-$KAFKA_VERSION.tmp.XXXXXX")"
  log "downloading Kafka $KAFKA_VERSION jars with Maven into $LIBS ..."
  if ! mvn 3>&- -B -ntp -q -Dstyle.color=never -f "$HERE/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp"; then
    rm -rf "$tmp"
    die "Maven could not download the Kafka $KAFKA_VERSION jars. Maven Central (https://repo.maven.apache.org/maven2) must be reachable from this machine (check network/proxy settings in ~/.m2/settings.xml), or set KAFKA_BROKERS to an existing broker, or install a Docker engine."
  fi
  # sanity checks from the runbook: the SLF4J 1.x -> log4j2 binding must be there, no SLF4J 2
  [ -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ] || { rm -rf "$tmp"; die "kafka_2.13-$KAFKA_VERSION.jar missing after download"; }
  compgen -G "$tmp/log4j-slf4j-impl-*.jar" >/dev/null || { rm -rf "$tmp"; die "log4j-slf4j-impl jar missing after download"; }
  if compgen -G "$tmp/slf4j-api-2*.jar" >/dev/null || compgen -G "$tmp/log4j-slf4j2-impl*.jar" >/dev/null; then
    rm -rf "$tmp"
    die "unexpected SLF4J 2 jars in the download; the broker would not log its readiness line"
  fi
  touch "$tmp/.complete"
  if ! mv -T "$tmp" "$LIBS" 2>/dev/null; then
    rm -rf "$tmp" # someone else finished first
    jars_present || die "could not move the downloaded jars to $LIBS"
  fi
  log "downloaded $(find "$LIBS" -name '*.jar' | wc -l) jars ($(du -sh "$LIBS" | cut -f1)) in $((SECONDS - t0)) s"
}

# --- helpers ---------------------------------------------------------------------------------

alive() { # pid is running (and not a zombie)
  local st
  kill -0 "$1" 2>/dev/null || return 1
  st="$(ps -o stat= -p "$1" 2>/dev/null || true)"
  case "$st" in
    Z*|"") return 1 ;;
  esac
  return 0
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

cluster_id() { # Kafka's Uuid form: 22 chars of base64url, must not start with '-'
  node -e 'let s;do{s=require("crypto").randomBytes(16).toString("base64url")}while(s.startsWith("-"));console.log(s)'
}

port_free() { # nothing listens on 127.0.0.1:<port> (and we may bind it)
  node -e 'const s=require("net").createServer();s.once("error",()=>process.exit(1));s.listen(Number(process.argv[1]),"127.0.0.1",()=>s.close())' "$1"
}

broker_of() { # pid is alive and is the kafka.Kafka process of work dir $2 (guards against pid reuse)
  local args
  alive "$1" || return 1
  args="$(ps -ww -o args= -p "$1" 2>/dev/null || true)"
  case "$args" in
    *kafka.Kafka*"$2/server.properties"*) return 0 ;;
  esac
  return 1
}

kill_and_wait() { # SIGTERM, wait up to STOP_TIMEOUT_S, then SIGKILL
  local pid="$1" i
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT_S * 5; i++)); do
    alive "$pid" || return 0
    sleep 0.2
  done
  log "pid $pid did not stop within ${STOP_TIMEOUT_S}s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 25; i++)); do
    alive "$pid" || return 0
    sleep 0.2
  done
}

# --- start -----------------------------------------------------------------------------------

WORK=""
BROKER_PID=""
STARTED=0

cleanup_failed_start() {
  if [ "$STARTED" = 1 ]; then return 0; fi
  if [ -n "$BROKER_PID" ]; then kill_and_wait "$BROKER_PID"; fi
  if [ -n "$WORK" ]; then rm -rf "$WORK"; fi
  if [ -n "${STATE_DIR:-}" ]; then rm -rf "$STATE_DIR"; fi
}

# one attempt: returns 0 when ready, 2 on a port bind failure (caller retries), 1 otherwise
start_once() {
  local broker_port controller_port cid t0 deadline out
  WORK="$(mktemp -d -t kafka-it-XXXXXX)"
  mkdir -p "$WORK/data" "$WORK/logs"
  echo "$WORK" >"$STATE_DIR/work"

  broker_port="$(free_port)"
  controller_port="$(free_port)"
  while [ "$controller_port" = "$broker_port" ]; do controller_port="$(free_port)"; done

  sed -e "s|\${BROKER_PORT}|$broker_port|g" \
      -e "s|\${CONTROLLER_PORT}|$controller_port|g" \
      -e "s|\${WORK}|$WORK|g" \
      "$HERE/server.properties.tmpl" >"$WORK/server.properties"
  cp "$HERE/log4j2.properties" "$WORK/log4j2.properties"

  local scram=()
  if [ "${KAFKA_BROKER_SECURITY:-0}" = 1 ]; then
    secure_listeners "$broker_port" "$controller_port" || return 1
    scram=(--add-scram "SCRAM-SHA-256=[name=$SCRAM256_USER,password=$SCRAM256_PASSWORD]" --add-scram "SCRAM-SHA-512=[name=$SCRAM512_USER,password=$SCRAM512_PASSWORD]")
  fi

  cid="$(cluster_id)"
  t0=$SECONDS
  if ! "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
      -Dlog4j2.configurationFile="$WORK/log4j2.properties" \
      -cp "$LIBS/*" kafka.tools.StorageTool format -t "$cid" -c "$WORK/server.properties" "${scram[@]}" \
      >"$WORK/logs/format.out" 2>&1 </dev/null 3>&-; then
    log "storage format failed:"
    tail -n 80 "$WORK/logs/format.out" >&2 || true
    return 1
  fi
  log "formatted $WORK/data (cluster id $cid) in $((SECONDS - t0)) s"

  out="$WORK/logs/broker.out"
  t0=$SECONDS
  launch_broker "$out"
  log "broker pid $BROKER_PID, ports broker=$broker_port controller=$controller_port, work dir $WORK"

  wait_ready "$out" || return $?
  log "broker ready in $((SECONDS - t0)) s"
  BROKER_PORT="$broker_port"
  return 0
}

# --- secured listeners (KAFKA_BROKER_SECURITY=1) ----------------------------------------------

# A CA of this broker's own, a server certificate for 127.0.0.1/localhost and a client certificate, made
# with openssl; the broker's key store and trust store as PKCS12 (Java reads both).
make_tls() { # $1 = dir, $2 = store password
  local d="$1" pw="$2" keytool
  keytool="$(dirname "$JAVA")/keytool"
  [ -x "$keytool" ] || { log "keytool not found next to $JAVA"; return 1; }
  command -v openssl >/dev/null 2>&1 || { log "openssl is needed for KAFKA_BROKER_SECURITY=1"; return 1; }
  mkdir -p "$d" && chmod 700 "$d"
  {
    openssl req -x509 -newkey rsa:2048 -nodes -days 3 -subj "/CN=kaudit test CA" -keyout "$d/ca.key" -out "$d/ca.pem" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$d/broker.key" -out "$d/broker.csr"
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$d/broker.ext"
    openssl x509 -req -in "$d/broker.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 3 -extfile "$d/broker.ext" -out "$d/broker.pem"
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kaudit-client" -keyout "$d/client.key" -out "$d/client.csr"
    printf 'extendedKeyUsage=clientAuth\n' >"$d/client.ext"
    openssl x509 -req -in "$d/client.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 3 -extfile "$d/client.ext" -out "$d/client.pem"
    openssl pkcs12 -export -in "$d/broker.pem" -inkey "$d/broker.key" -certfile "$d/ca.pem" -name broker -passout "pass:$pw" -out "$d/broker.p12"
    "$keytool" -importcert -noprompt -alias ca -file "$d/ca.pem" -keystore "$d/trust.p12" -storetype PKCS12 -storepass "$pw"
  } >"$WORK/logs/tls.out" 2>&1 </dev/null 3>&- || { log "making the test CA and certificates failed:"; tail -n 40 "$WORK/logs/tls.out" >&2; return 1; }
  chmod 600 "$d"/*
}

# Adds a SASL_SSL and a mutual-TLS listener to $WORK/server.properties; sets the SCRAM users for the
# storage format and writes STATE_DIR/security.env.
secure_listeners() { # $1 = broker port, $2 = controller port
  local sasl_port mtls_port pw plain_pw tls="$WORK/tls"
  sasl_port="$(free_port)"
  mtls_port="$(free_port)"
  while [ "$sasl_port" = "$1" ] || [ "$sasl_port" = "$2" ]; do sasl_port="$(free_port)"; done
  while [ "$mtls_port" = "$1" ] || [ "$mtls_port" = "$2" ] || [ "$mtls_port" = "$sasl_port" ]; do mtls_port="$(free_port)"; done
  pw="$(openssl rand -hex 16)"
  plain_pw="$(openssl rand -hex 16)"
  # Azure Event Hubs' Kafka endpoint: PLAIN, user $ConnectionString, the connection string as the password
  eventhubs="Endpoint=sb://kaudit-test.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=$(openssl rand -hex 16)"
  SCRAM256_USER=kaudit-scram256
  SCRAM256_PASSWORD="$(openssl rand -hex 16)"
  SCRAM512_USER=kaudit-scram512
  SCRAM512_PASSWORD="$(openssl rand -hex 16)"
  make_tls "$tls" "$pw" || return 1
  sed -i \
    -e "s|^listeners=.*|listeners=PLAINTEXT://127.0.0.1:$1,CONTROLLER://127.0.0.1:$2,SASL_SSL://127.0.0.1:$sasl_port,SSL://127.0.0.1:$mtls_port|" \
    -e "s|^advertised.listeners=.*|advertised.listeners=PLAINTEXT://127.0.0.1:$1,SASL_SSL://127.0.0.1:$sasl_port,SSL://127.0.0.1:$mtls_port|" \
    -e "s|^listener.security.protocol.map=.*|listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL|" \
    "$WORK/server.properties"
  cat >>"$WORK/server.properties" <<PROPS

# --- secured listeners (KAFKA_BROKER_SECURITY=1) ---
ssl.keystore.type=PKCS12
ssl.keystore.location=$tls/broker.p12
ssl.keystore.password=$pw
ssl.key.password=$pw
ssl.truststore.type=PKCS12
ssl.truststore.location=$tls/trust.p12
ssl.truststore.password=$pw
listener.name.ssl.ssl.client.auth=required
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_kaudit-plain="$plain_pw" user_\$ConnectionString="$eventhubs";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
PROPS
  chmod 600 "$WORK/server.properties"
  (
    umask 077
    cat >"$STATE_DIR/security.env" <<ENV
KAFKA_SASL_SSL_BROKERS=127.0.0.1:$sasl_port
KAFKA_MTLS_BROKERS=127.0.0.1:$mtls_port
KAFKA_TEST_CA_FILE=$tls/ca.pem
KAFKA_TEST_CLIENT_CERT_FILE=$tls/client.pem
KAFKA_TEST_CLIENT_KEY_FILE=$tls/client.key
KAFKA_TEST_PLAIN_USERNAME=kaudit-plain
KAFKA_TEST_PLAIN_PASSWORD=$plain_pw
KAFKA_TEST_EVENTHUBS_CONNECTION_STRING=$eventhubs
KAFKA_TEST_SCRAM_SHA_256_USERNAME=$SCRAM256_USER
KAFKA_TEST_SCRAM_SHA_256_PASSWORD=$SCRAM256_PASSWORD
KAFKA_TEST_SCRAM_SHA_512_USERNAME=$SCRAM512_USER
KAFKA_TEST_SCRAM_SHA_512_PASSWORD=$SCRAM512_PASSWORD
ENV
  )
  log "secured listeners: SASL_SSL 127.0.0.1:$sasl_port, mutual TLS 127.0.0.1:$mtls_port ($STATE_DIR/security.env)"
}

launch_broker() { # starts kafka.Kafka on $WORK/server.properties, output to $1; sets BROKER_PID
  nohup "$JAVA" -Xms256m -Xmx768m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
      -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
      -Dlog4j2.configurationFile="$WORK/log4j2.properties" -Dkafka.logs.dir="$WORK/logs" \
      -cp "$LIBS/*" kafka.Kafka "$WORK/server.properties" \
      >"$1" 2>&1 </dev/null 3>&- &
  BROKER_PID=$!
  echo "$BROKER_PID" >"$STATE_DIR/pid"
}

# waits for the readiness line in $1: returns 0 when ready, 2 on a port bind failure, 1 otherwise
wait_ready() {
  local out="$1" deadline
  deadline=$((SECONDS + READY_TIMEOUT_S))
  until grep -q 'Kafka Server started' "$out" 2>/dev/null; do
    if ! alive "$BROKER_PID"; then
      if grep -qi 'failed to bind' "$out" 2>/dev/null; then
        log "broker could not bind its ports (taken meanwhile)"
        return 2
      fi
      log "broker exited during startup; last 80 lines of its log:"
      tail -n 80 "$out" >&2 || true
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "broker not ready after ${READY_TIMEOUT_S}s; last 80 lines of its log:"
      tail -n 80 "$out" >&2 || true
      return 1
    fi
    sleep 0.25
  done
}

start_watchdog() { # stop the broker if the owning process goes away without calling stop
  local owner="$1"
  # Runs as long as the owner lives and STATE_DIR exists, also while the broker is halted or has
  # died by itself (so `halt` never makes it delete anything). `stop` kills it before cleaning up.
  # When the owner is gone: stop whichever broker process the state dir records now (resume writes
  # a new pid) and delete the files.
  (
    trap '' HUP INT
    while alive "$owner" && [ -d "$STATE_DIR" ]; do sleep 1; done
    if [ -d "$STATE_DIR" ]; then
      pid="$(cat "$STATE_DIR/pid" 2>/dev/null || true)"
      if [ -n "$pid" ] && broker_of "$pid" "$WORK"; then kill_and_wait "$pid"; fi
      rm -rf "$WORK" "$STATE_DIR"
    fi
  ) >/dev/null 2>&1 </dev/null 3>&- &
  echo $! >"$STATE_DIR/watchdog.pid"
}

stop_watchdog() { # $1 = state dir
  local wd
  if [ -f "$1/watchdog.pid" ]; then
    wd="$(cat "$1/watchdog.pid")"
    if alive "$wd"; then kill -TERM "$wd" 2>/dev/null || true; fi
    rm -f "$1/watchdog.pid"
  fi
}

start() {
  STATE_DIR="${1:-$ROOT/.kafka/run}"
  mkdir -p "$(dirname "$STATE_DIR")"
  STATE_DIR="$(cd "$(dirname "$STATE_DIR")" && pwd)/$(basename "$STATE_DIR")"
  if [ -f "$STATE_DIR/pid" ] && alive "$(cat "$STATE_DIR/pid")"; then
    die "a broker recorded in $STATE_DIR is still running (pid $(cat "$STATE_DIR/pid")); run '$0 stop $STATE_DIR' first"
  fi
  if [ -f "$STATE_DIR/halted" ]; then
    die "a halted broker is recorded in $STATE_DIR; run '$0 resume $STATE_DIR' or '$0 stop $STATE_DIR' first"
  fi
  # a leftover watchdog would delete the new state dir when its owner exits
  [ -d "$STATE_DIR" ] && stop_watchdog "$STATE_DIR"
  rm -rf "$STATE_DIR"
  mkdir -p "$STATE_DIR"
  trap cleanup_failed_start EXIT
  trap 'exit 130' INT TERM HUP

  find_java
  fetch
  log "using $JAVA (Java $(java_major "$JAVA"))"

  local attempt rc
  for attempt in 1 2; do
    rc=0
    start_once || rc=$?
    [ "$rc" = 0 ] && break
    kill_and_wait "$BROKER_PID"
    BROKER_PID=""
    if [ "$rc" = 2 ] && [ "$attempt" = 1 ]; then
      rm -rf "$WORK"
      WORK=""
      log "retrying once with new ports"
      continue
    fi
    [ -n "$WORK" ] && [ -f "$WORK/logs/broker.out" ] && [ "$rc" = 2 ] && tail -n 80 "$WORK/logs/broker.out" >&2
    die "Kafka broker failed to start"
  done

  if [ -n "${KAFKA_BROKER_WATCH_PID:-}" ]; then
    start_watchdog "$KAFKA_BROKER_WATCH_PID"
  fi
  STARTED=1
  printf 'KAFKA_BROKERS=127.0.0.1:%s\n' "$BROKER_PORT" >&3
}

# --- stop ------------------------------------------------------------------------------------

stop() {
  local state_dir="${1:-$ROOT/.kafka/run}" pid work
  if [ ! -d "$state_dir" ]; then
    log "nothing to stop ($state_dir does not exist)"
    return 0
  fi
  stop_watchdog "$state_dir"
  if [ -f "$state_dir/work" ]; then work="$(cat "$state_dir/work")"; fi
  if [ -f "$state_dir/pid" ]; then
    pid="$(cat "$state_dir/pid")"
    # after a halt the recorded pid is dead and may since belong to another process: check it is ours
    if { [ -n "${work:-}" ] && broker_of "$pid" "$work"; } || { [ -z "${work:-}" ] && alive "$pid"; }; then
      log "stopping broker pid $pid"
      kill_and_wait "$pid"
      if alive "$pid"; then die "broker pid $pid is still alive after SIGKILL"; fi
    fi
  fi
  if [ -n "${work:-}" ]; then
    # only delete what start created (mktemp -t kafka-it-XXXXXX)
    case "$(basename "$work")" in
      kafka-it-*) rm -rf "$work" ;;
      *) log "not deleting unexpected work dir '$work'" ;;
    esac
  fi
  rm -rf "$state_dir"
  log "stopped"
}

# --- halt / resume ---------------------------------------------------------------------------

# sets STATE_DIR and WORK from the state dir of a broker created by start; dies if there is none
load_state() {
  STATE_DIR="${1:-$ROOT/.kafka/run}"
  [ -d "$STATE_DIR" ] || die "no broker recorded in $STATE_DIR (run '$0 start $STATE_DIR' first)"
  STATE_DIR="$(cd "$STATE_DIR" && pwd)"
  [ -f "$STATE_DIR/work" ] || die "$STATE_DIR has no work dir recorded"
  WORK="$(cat "$STATE_DIR/work")"
  case "$(basename "$WORK")" in
    kafka-it-*) ;;
    *) die "unexpected work dir '$WORK' recorded in $STATE_DIR" ;;
  esac
  [ -f "$WORK/server.properties" ] || die "$WORK/server.properties is missing (was the broker stopped?)"
}

listener_port() { # $1 = listener name (PLAINTEXT or CONTROLLER), read from $WORK/server.properties
  sed -n "s|^listeners=.*$1://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p" "$WORK/server.properties" | head -n 1
}

halt() {
  local pid
  load_state "${1:-}"
  # the watchdog keeps running: it only acts when its owner goes away, and `stop` still cleans up
  touch "$STATE_DIR/halted"
  if [ -f "$STATE_DIR/pid" ]; then
    pid="$(cat "$STATE_DIR/pid")"
    if broker_of "$pid" "$WORK"; then
      log "halting broker pid $pid (work dir $WORK is kept)"
      kill_and_wait "$pid"
      if alive "$pid"; then die "broker pid $pid is still alive after SIGKILL"; fi
    else
      log "broker recorded in $STATE_DIR is not running"
    fi
  fi
  log "halted"
}

RESUMED=0

cleanup_failed_resume() { # leave the broker halted (stop still cleans up) if resume did not finish
  if [ "$RESUMED" = 1 ]; then return 0; fi
  if [ -n "$BROKER_PID" ]; then kill_and_wait "$BROKER_PID"; fi
}

resume() {
  local pid broker_port controller_port out n t0 deadline rc
  load_state "${1:-}"
  if [ -f "$STATE_DIR/pid" ]; then
    pid="$(cat "$STATE_DIR/pid")"
    if broker_of "$pid" "$WORK"; then die "the broker recorded in $STATE_DIR is running (pid $pid); halt it first"; fi
  fi
  broker_port="$(listener_port PLAINTEXT)"
  controller_port="$(listener_port CONTROLLER)"
  [ -n "$broker_port" ] && [ -n "$controller_port" ] || die "could not read the ports from $WORK/server.properties"
  trap cleanup_failed_resume EXIT
  trap 'exit 130' INT TERM HUP
  find_java
  jars_present || die "the Kafka jars are missing from $LIBS"

  # a new log for this run (the readiness line of the previous run must not count); keep the old ones
  out="$WORK/logs/broker.out"
  n=1
  while [ -e "$out.$n" ]; do n=$((n + 1)); done
  [ -f "$out" ] && mv "$out" "$out.$n"

  t0=$SECONDS
  deadline=$((SECONDS + RESUME_BIND_RETRY_S))
  for (( ; ; )); do
    # the ports of the previous run may still be held for a moment
    if port_free "$broker_port" && port_free "$controller_port"; then
      launch_broker "$out"
      log "resumed broker pid $BROKER_PID, ports broker=$broker_port controller=$controller_port, work dir $WORK"
      rc=0
      wait_ready "$out" || rc=$?
      [ "$rc" = 0 ] && break
      kill_and_wait "$BROKER_PID"
      BROKER_PID=""
      [ "$rc" = 2 ] || die "Kafka broker failed to resume"
      n=1
      while [ -e "$out.bind-failed.$n" ]; do n=$((n + 1)); done
      mv "$out" "$out.bind-failed.$n"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      die "ports $broker_port/$controller_port still in use after ${RESUME_BIND_RETRY_S}s; Kafka broker failed to resume"
    fi
    sleep 0.5
  done
  rm -f "$STATE_DIR/halted"
  # a watchdog from start is still watching; start one if there is none (e.g. start ran without one)
  if [ -n "${KAFKA_BROKER_WATCH_PID:-}" ] && ! { [ -f "$STATE_DIR/watchdog.pid" ] && alive "$(cat "$STATE_DIR/watchdog.pid")"; }; then
    start_watchdog "$KAFKA_BROKER_WATCH_PID"
  fi
  RESUMED=1
  log "broker ready again in $((SECONDS - t0)) s"
  printf 'KAFKA_BROKERS=127.0.0.1:%s\n' "$broker_port" >&3
}

# --- main ------------------------------------------------------------------------------------

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  fetch) find_java; fetch; log "jars present in $LIBS" ;;
  start) start "$@" ;;
  stop) stop "$@" ;;
  halt) halt "$@" ;;
  resume) resume "$@" ;;
  *) die "usage: $0 fetch | start [STATE_DIR] | stop [STATE_DIR] | halt [STATE_DIR] | resume [STATE_DIR]" ;;
esac
