#!/usr/bin/env bash
# A throwaway CA and certificates for trying kaudit with TLS and client certificates locally (not for
# production: use your PKI). Needs openssl.
#
#   deploy/make-certs.sh <out dir> [server host or IP …] [--client <cluster CN> …]
#
# Writes, in <out dir>:
#   ca.crt, ca.key                 the CA (KAUDIT_TLS_CLIENT_CA_FILE=ca.crt; kube-apiserver trusts it for the server)
#   server.crt, server.key         kaudit's certificate for the hosts given (default: localhost, 127.0.0.1)
#                                  (KAUDIT_TLS_CERT_FILE, KAUDIT_TLS_KEY_FILE)
#   client-<cn>.crt/.key           a client certificate per cluster, subject CN=<cn>
#                                  (KAUDIT_INGEST_CLIENT_CERTS=<cn>=<cluster>; the webhook kubeconfig's
#                                  client-certificate / client-key, see deploy/webhook-kubeconfig-mtls.yaml)
set -euo pipefail

usage() { echo "usage: $0 <out dir> [server host or IP …] [--client <cluster CN> …]" >&2; exit 2; }
[ $# -ge 1 ] || usage
out=$1
shift
hosts=()
clients=()
while [ $# -gt 0 ]; do
  case "$1" in
    --client) [ $# -ge 2 ] || usage; clients+=("$2"); shift 2 ;;
    -*) usage ;;
    *) hosts+=("$1"); shift ;;
  esac
done
[ ${#hosts[@]} -gt 0 ] || hosts=(localhost 127.0.0.1)
command -v openssl >/dev/null || { echo "$0: openssl is required" >&2; exit 1; }
mkdir -p "$out"
umask 077
days=30

san=""
for h in "${hosts[@]}"; do
  if [[ $h =~ ^[0-9.]+$ || $h == *:* ]]; then san+="IP:$h,"; else san+="DNS:$h,"; fi
done
san=${san%,}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "$days" \
  -subj "/CN=kaudit throwaway CA" -keyout "$out/ca.key" -out "$out/ca.crt" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

issue() { # <name> <subject> <extensions>
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$2" -keyout "$out/$1.key" -out "$out/$1.csr" 2>/dev/null
  openssl x509 -req -in "$out/$1.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial -days "$days" \
    -extfile <(printf '%s\n' "$3") -out "$out/$1.crt" 2>/dev/null
  rm -f "$out/$1.csr"
}

issue server "/CN=${hosts[0]}" "subjectAltName=$san
extendedKeyUsage=serverAuth
keyUsage=critical,digitalSignature"
for cn in "${clients[@]}"; do
  issue "client-$cn" "/CN=$cn" "extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature"
done
rm -f "$out/ca.srl"
chmod 644 "$out"/*.crt
echo "certificates in $out: ca.crt, server.crt/.key (${hosts[*]})${clients:+, client certificates for ${clients[*]}}"
