#!/usr/bin/env bash
# @module scripts/tools.sh — fetch the pinned Node and install or build every server the tests and the demo
# run (and actionlint), pinned, cached outside the clone in $FRAMEGATE_TOOLS_CACHE (default
# ~/.cache/framegate). A second run takes seconds.
#
# usage: scripts/tools.sh [all|node|nats|minio|etcd|kube|argo|argo-events|kwok|promtool|prometheus|nats-exporter|actionlint|chromium|env|node-dir]
#   env       prints a PATH line that puts the pinned Node first, and `export FRAMEGATE_<TOOL>=path` lines for
#             the harness (after `all`).
#   node-dir  prints the pinned Node's directory (its bin/ holds `node`; the Makefile puts it first on PATH).
set -euo pipefail

NODE_VERSION=24.22.3  # the current LTS, from the npm registry's node-linux-<arch> package
NODE_SHA512_X64=KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
NODE_SHA512_ARM64=IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==
NATS_VERSION=v2.14.0
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
K8S_VERSION=v1.32.9
ARGO_VERSION=v3.6.18  # v3.6.19 is not on the Go module proxy (403 "not available")
KWOK_VERSION=v0.7.0
ACTIONLINT_VERSION=v1.7.12  # lints .github/workflows (make lint-workflows), with Debian's shellcheck for run: blocks
ETCD_DEBIAN=3.4.23
PROMETHEUS_VERSION=v0.316.0  # the Go module of Prometheus 3.x: cmd/promtool (tests the alert rules) and cmd/prometheus
# prometheus-nats-exporter: the Go module proxy refuses its module, so its source at this tag is checked in
# under third_party/ (Apache-2.0, LICENSE beside it) and built from there; its dependencies come from the proxy.
NATS_EXPORTER_VERSION=v0.20.1
ARGO_EVENTS_VERSION=v1.9.11  # the peer in `npm run bench -- peers` (built by `make bench` only, never by `make test`)

CACHE="${FRAMEGATE_TOOLS_CACHE:-$HOME/.cache/framegate}"
mkdir -p "$CACHE"
log() { printf '[tools %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Node: the tarball of node-linux-<arch>@NODE_VERSION, fetched with `npm pack` (so it also lands in npm's
# cache), checked against the pinned sha512 and unpacked into node-vX.Y.Z/ (bin/node and the licence; the C
# headers and docs are left out). Any npm can fetch it; the system npm then runs under this Node via PATH.
node_dir() { echo "$CACHE/node-v$NODE_VERSION"; }
tool_node() {
  local dir; dir="$(node_dir)"
  if [[ -x "$dir/bin/node" ]]; then return 0; fi
  local arch want
  case "$(uname -m)" in
    x86_64|amd64) arch=x64; want="$NODE_SHA512_X64" ;;
    aarch64|arm64) arch=arm64; want="$NODE_SHA512_ARM64" ;;
    *) log "no pinned Node for $(uname -m): only x86_64 and aarch64 are packaged here"; exit 1 ;;
  esac
  command -v npm >/dev/null || { log "npm is not installed: it fetches the pinned Node (apt-get install npm)"; exit 1; }
  local tmp="$dir.tmp"
  log "fetching Node $NODE_VERSION (node-linux-$arch from the npm registry; cached in $dir)"
  rm -rf "$tmp" && mkdir -p "$tmp"
  (cd "$tmp" && npm pack --silent "node-linux-$arch@$NODE_VERSION" >/dev/null)
  local tgz="$tmp/node-linux-$arch-$NODE_VERSION.tgz" got
  # the pins are npm's integrity strings (base64); compare as hex with coreutils alone
  want="$(base64 -d <<<"$want" | od -An -v -tx1 | tr -d ' \n')"
  got="$(sha512sum "$tgz" | cut -d' ' -f1)"
  if [[ "$got" != "$want" ]]; then
    log "node-linux-$arch@$NODE_VERSION: sha512 $got is not the pinned $want; refusing it"; rm -rf "$tmp"; exit 1
  fi
  tar -xzf "$tgz" -C "$tmp" --strip-components=1 package/bin/node package/LICENSE
  rm "$tgz"
  got="$("$tmp/bin/node" --version)"
  if [[ "$got" != "v$NODE_VERSION" ]]; then log "$tmp/bin/node says $got, not v$NODE_VERSION"; exit 1; fi
  rm -rf "$dir" && mv "$tmp" "$dir"
  log "Node $got ready in $dir"
}

# apt_install PKG...: Debian packages, as root or through sudo; `apt-get update` only when the lists lack them.
apt_install() {
  local sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$@" >/dev/null 2>&1 || {
    $sudo apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$@" >/dev/null; }
}

need_go() {
  command -v go >/dev/null || { log "go is not installed: install Go >= 1.24 (https://go.dev/doc/install)"; exit 1; }
}

# bin_name PKG@VERSION: the name `go install` gives the binary (a major-version suffix /vN is not it).
bin_name() {
  local path="${1%@*}" name; name="$(basename "$path")"
  if [[ "$name" =~ ^v[0-9]+$ ]]; then name="$(basename "$(dirname "$path")")"; fi
  echo "$name"
}

# go_install DIR PKG@VERSION [ldflags]
# Builds into DIR.tmp and moves the binary into DIR only when the build succeeded, so an interrupted
# build never leaves a half-written binary where the harness looks.
go_install() {
  local dir="$1" pkg="$2" ldflags="${3:-}"
  local name; name="$(bin_name "$pkg")"
  if [[ -x "$dir/$name" ]]; then return 0; fi
  need_go
  log "building $pkg (first run only; cached in $dir)"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"  # never trust what an interrupted build left behind
  GOBIN="$dir.tmp" GOFLAGS=-mod=mod CGO_ENABLED=0 go install -trimpath ${ldflags:+-ldflags "$ldflags"} "$pkg"
  mkdir -p "$dir"
  mv "$dir.tmp/$name" "$dir/$name"
  rmdir "$dir.tmp" 2>/dev/null || true
  log "built $dir/$name"
}

tool_nats() { go_install "$CACHE/nats-server-$NATS_VERSION" "github.com/nats-io/nats-server/v2@$NATS_VERSION"; }
tool_minio() { go_install "$CACHE/minio-$MINIO_VERSION" "github.com/minio/minio@$MINIO_VERSION"; }
# go_build_mod DIR MODULE VERSION LDFLAGS PKG...: build commands of MODULE@VERSION from a small local module
# that requires it. For modules whose `go install pkg@version` the proxy refuses: `go install` reads the
# module's version list to check deprecation, and the proxy answers 403 for argo-workflows' list.
go_build_mod() {
  local dir="$1" module="$2" version="$3" ldflags="$4"; shift 4
  local pkg missing=() tags="${GO_BUILD_TAGS:-}"
  for pkg in "$@"; do [[ -x "$dir/$(basename "$pkg")" ]] || missing+=("$pkg"); done
  if [[ ${#missing[@]} -eq 0 ]]; then return 0; fi
  need_go
  local mod="$dir-build"
  log "building ${missing[*]} $version (first run only; cached in $dir)"
  mkdir -p "$mod" "$dir"
  printf 'module framegate.local/build\n\ngo 1.24\n\nrequire %s %s\n' "$module" "$version" > "$mod/go.mod"
  { echo '//go:build tools'; echo; echo 'package tools'; echo; echo 'import ('
    for pkg in "${missing[@]}"; do echo "	_ \"$pkg\""; done; echo ')'; } > "$mod/tools.go"
  (cd "$mod" && GOFLAGS=-mod=mod go mod tidy)
  for pkg in "${missing[@]}"; do
    local name; name="$(basename "$pkg")"
    (cd "$mod" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath ${tags:+-tags "$tags"} -ldflags "$ldflags" -o "$dir/$name.tmp" "$pkg")
    mv "$dir/$name.tmp" "$dir/$name"
    log "built $dir/$name"
  done
}

tool_argo() {
  local m=github.com/argoproj/argo-workflows/v3
  go_build_mod "$CACHE/argo-$ARGO_VERSION" "$m" "$ARGO_VERSION" "-X $m.version=$ARGO_VERSION" \
    "$m/cmd/argo" "$m/cmd/workflow-controller"
}
# promtool (`promtool test rules` for k8s/monitoring).
tool_promtool() {
  local m=github.com/prometheus/prometheus
  go_build_mod "$CACHE/promtool-$PROMETHEUS_VERSION" "$m" "$PROMETHEUS_VERSION" "-X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION#v}" \
    "$m/cmd/promtool"
}
# The Prometheus server (the "metrics are real" test scrapes the stack with it): no UI assets (its API is
# all the test reads) and no service discovery but static and file targets (-tags remove_all_sd), which
# keeps the cloud SDKs out of the build.
tool_prometheus() {
  local m=github.com/prometheus/prometheus
  GO_BUILD_TAGS=remove_all_sd go_build_mod "$CACHE/prometheus-$PROMETHEUS_VERSION" "$m" "$PROMETHEUS_VERSION" \
    "-X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION#v}" "$m/cmd/prometheus"
}
# prometheus-nats-exporter, built from the checked-in source (see NATS_EXPORTER_VERSION above).
tool_nats_exporter() {
  local dir="$CACHE/prometheus-nats-exporter-$NATS_EXPORTER_VERSION" name=prometheus-nats-exporter
  if [[ -x "$dir/$name" ]]; then return 0; fi
  need_go
  local src; src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/third_party/prometheus-nats-exporter"
  log "building prometheus-nats-exporter $NATS_EXPORTER_VERSION from $src (first run only; cached in $dir)"
  mkdir -p "$dir"
  (cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
    -ldflags "-X main.version=${NATS_EXPORTER_VERSION#v}" -o "$dir/$name.tmp" .)
  mv "$dir/$name.tmp" "$dir/$name"
  log "built $dir/$name"
}
# Argo Events: one binary (package .../cmd) with the subcommands eventsource-service, sensor-service, controller,
# webhook-service; built from a local module that requires the pinned version (the proxy refuses the module's
# version list, so `go install ...@version` cannot resolve it) and named argo-events. Only the peers benchmark
# runs it, so only `make bench` builds it (`scripts/tools.sh argo-events`).
# Two out-of-cluster adaptations, applied to a copy of the module's source (taken from Go's module cache, which
# checked it against the checksum database) used through a `replace`, neither on the event path: in a pod,
# every process has its own network namespace and its Secrets mounted at /argo-events/secrets, so v1.9.11
# hard-codes both. Here an event source and a sensor share one host:
#   ARGO_EVENTS_METRICS_ADDR  replaces the fixed metrics address :7777 (pkg/metrics Run);
#   ARGO_EVENTS_SECRETS_DIR   replaces the Secret volume root /argo-events/secrets (pkg/shared/util).
# Unset, both behave as upstream.
tool_argo_events() {
  local dir="$CACHE/argo-events-$ARGO_EVENTS_VERSION" m=github.com/argoproj/argo-events
  if [[ -x "$dir/argo-events" ]]; then return 0; fi
  need_go
  local mod="$dir-build"
  log "building Argo Events $ARGO_EVENTS_VERSION ($m/cmd; first run only, ~10-20 min on 2 cores; cached in $dir)"
  rm -rf "$mod/argo-events" && mkdir -p "$mod" "$dir"
  log "fetching its source ($m@$ARGO_EVENTS_VERSION, checked against go.sum's database)"
  local src; src="$(cd "$mod" && GOFLAGS=-mod=mod go mod download -json "$m@$ARGO_EVENTS_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$src" ]] || { log "go mod download gave no source directory for $m@$ARGO_EVENTS_VERSION"; exit 1; }
  cp -r "$src" "$mod/argo-events" && chmod -R u+w "$mod/argo-events"
  local a="$mod/argo-events"
  sed -i 's|http.ListenAndServe(addr, nil)|http.ListenAndServe(framegateMetricsAddr(addr), nil)|' "$a/pkg/metrics/metrics.go"
  printf 'package metrics\n\nimport "os"\n\nfunc framegateMetricsAddr(addr string) string {\n\tif a := os.Getenv("ARGO_EVENTS_METRICS_ADDR"); a != "" {\n\t\treturn a\n\t}\n\treturn addr\n}\n' > "$a/pkg/metrics/framegate_metrics_addr.go"
  sed -i 's|fmt.Sprintf("/argo-events/secrets/%s/%s", selector.Name, selector.Key)|fmt.Sprintf("%s/%s/%s", framegateSecretsDir(), selector.Name, selector.Key)|' "$a/pkg/shared/util/util.go"
  printf 'package util\n\nimport "os"\n\nfunc framegateSecretsDir() string {\n\tif d := os.Getenv("ARGO_EVENTS_SECRETS_DIR"); d != "" {\n\t\treturn d\n\t}\n\treturn "/argo-events/secrets"\n}\n' > "$a/pkg/shared/util/framegate_secrets_dir.go"
  grep -q framegateMetricsAddr "$a/pkg/metrics/metrics.go" && grep -q framegateSecretsDir "$a/pkg/shared/util/util.go" || {
    log "$m $ARGO_EVENTS_VERSION's source is not what this script expects: the adaptations did not apply"; exit 1; }
  printf 'module framegate.local/build\n\ngo 1.26\n\nrequire %s %s\n\nreplace %s => ./argo-events\n' "$m" "$ARGO_EVENTS_VERSION" "$m" > "$mod/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s/cmd"\n' "$m" > "$mod/tools.go"
  log "resolving its modules (go mod tidy)"
  (cd "$mod" && GOFLAGS=-mod=mod go mod tidy)
  log "compiling (go build; no output until it is done)"
  (cd "$mod" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
    -ldflags "-X $m.version=$ARGO_EVENTS_VERSION" -o "$dir/argo-events.tmp" "$m/cmd")
  mv "$dir/argo-events.tmp" "$dir/argo-events"
  log "built $dir/argo-events"
}
tool_kwok() { go_install "$CACHE/kwok-$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"; }
tool_actionlint() {
  go_install "$CACHE/actionlint-$ACTIONLINT_VERSION" "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  if ! type -P shellcheck >/dev/null; then log "installing Debian's shellcheck (actionlint checks run: blocks with it)"; apt_install shellcheck; fi
}

tool_etcd() {
  local dir="$CACHE/etcd-$ETCD_DEBIAN"
  if [[ -x "$dir/etcd" ]]; then return 0; fi
  if ! type -P etcd >/dev/null; then
    log "installing Debian's etcd-server ($ETCD_DEBIAN)"
    apt_install etcd-server
  fi
  mkdir -p "$dir" && ln -sf "$(type -P etcd)" "$dir/etcd"
}

# kube-apiserver, kube-scheduler, kubectl: k8s.io/kubernetes has replace directives, so build from a
# local module that pins every staging module to the matching v0.Y.Z.
tool_kube() {
  local dir="$CACHE/kubernetes-$K8S_VERSION"
  if [[ -x "$dir/kube-apiserver" && -x "$dir/kube-scheduler" && -x "$dir/kubectl" ]]; then return 0; fi
  need_go
  local minor="${K8S_VERSION#v1.}"; local staging="v0.$minor"
  local mod="$CACHE/kubernetes-build-$K8S_VERSION"
  mkdir -p "$mod"
  log "building kube-apiserver/kube-scheduler/kubectl $K8S_VERSION (first run only, ~10-20 min on 2 cores)"
  {
    echo "module framegate.local/kubebuild"
    echo "go 1.23"
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo "replace ("
    for m in api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider \
      cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api \
      cri-client csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms \
      kube-aggregator kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics \
      mount-utils pod-security-admission sample-apiserver; do
      echo "  k8s.io/$m => k8s.io/$m $staging"
    done
    echo ")"
  } > "$mod/go.mod"
  cat > "$mod/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubectl/pkg/cmd"
)
GO
  (cd "$mod" && GOFLAGS=-mod=mod go mod tidy -e >/dev/null 2>&1 || true)
  local ld="-X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
  mkdir -p "$dir"
  (cd "$mod" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "$ld" -o "$dir/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver)
  (cd "$mod" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "$ld" -o "$dir/kube-scheduler" k8s.io/kubernetes/cmd/kube-scheduler)
  (cd "$mod" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "$ld" -o "$dir/kubectl" k8s.io/kubernetes/cmd/kubectl)
}

tool_chromium() {
  if type -P chromium >/dev/null; then return 0; fi
  log "installing Debian's chromium (browser tests)"
  apt_install chromium
}

env_lines() {
  echo "export PATH=$(node_dir)/bin:\$PATH"
  echo "export FRAMEGATE_NATS_SERVER=$CACHE/nats-server-$NATS_VERSION/nats-server"
  echo "export FRAMEGATE_MINIO=$CACHE/minio-$MINIO_VERSION/minio"
  echo "export FRAMEGATE_ETCD=$CACHE/etcd-$ETCD_DEBIAN/etcd"
  echo "export FRAMEGATE_KUBE_APISERVER=$CACHE/kubernetes-$K8S_VERSION/kube-apiserver"
  echo "export FRAMEGATE_KUBE_SCHEDULER=$CACHE/kubernetes-$K8S_VERSION/kube-scheduler"
  echo "export FRAMEGATE_KUBECTL=$CACHE/kubernetes-$K8S_VERSION/kubectl"
  echo "export FRAMEGATE_ARGO=$CACHE/argo-$ARGO_VERSION/argo"
  echo "export FRAMEGATE_WORKFLOW_CONTROLLER=$CACHE/argo-$ARGO_VERSION/workflow-controller"
  echo "export FRAMEGATE_KWOK=$CACHE/kwok-$KWOK_VERSION/kwok"
  echo "export FRAMEGATE_PROMTOOL=$CACHE/promtool-$PROMETHEUS_VERSION/promtool"
  echo "export FRAMEGATE_PROMETHEUS=$CACHE/prometheus-$PROMETHEUS_VERSION/prometheus"
  echo "export FRAMEGATE_NATS_EXPORTER=$CACHE/prometheus-nats-exporter-$NATS_EXPORTER_VERSION/prometheus-nats-exporter"
  echo "export FRAMEGATE_ACTIONLINT=$CACHE/actionlint-$ACTIONLINT_VERSION/actionlint"
  echo "export FRAMEGATE_ARGO_EVENTS=$CACHE/argo-events-$ARGO_EVENTS_VERSION/argo-events"
}

case "${1:-all}" in
  all) tool_node; tool_nats; tool_etcd; tool_minio; tool_kube; tool_argo; tool_kwok; tool_promtool; tool_prometheus; tool_nats_exporter; tool_actionlint; log "all tools ready in $CACHE" ;;
  node) tool_node ;; node-dir) node_dir ;;
  nats) tool_nats ;; minio) tool_minio ;; etcd) tool_etcd ;; kube) tool_kube ;; argo) tool_argo ;;
  kwok) tool_kwok ;; argo-events) tool_argo_events ;; promtool) tool_promtool ;; prometheus) tool_prometheus ;; nats-exporter) tool_nats_exporter ;; actionlint) tool_actionlint ;; chromium) tool_chromium ;;
  env) env_lines ;;
  *) echo "usage: $0 [all|node|nats|minio|etcd|kube|argo|argo-events|kwok|promtool|prometheus|nats-exporter|actionlint|chromium|env|node-dir]" >&2; exit 2 ;;
esac
