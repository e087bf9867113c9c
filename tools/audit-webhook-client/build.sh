#!/usr/bin/env bash
# Builds the audit webhook client (kube-apiserver's own webhook and buffered backends, k8s.io/apiserver from
# the Go module proxy) into tools/audit-webhook-client/bin and prints the binary's path. Go's module and
# build caches (GOMODCACHE, GOCACHE) keep a rebuild to a few seconds; the first build takes a minute or two.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v go >/dev/null 2>&1; then
  echo "audit-webhook-client: needs Go >= 1.26 on PATH (Debian: apt-get install golang-go)" >&2
  exit 1
fi
go build -trimpath -o bin/audit-webhook-client . >&2
echo "$PWD/bin/audit-webhook-client"
