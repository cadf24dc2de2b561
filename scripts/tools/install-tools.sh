#!/usr/bin/env bash
# Installs the real tools the tests and the air-gapped images need into .tools/ (git-ignored),
# idempotently. Versions come from ONE place, .env's image tags (CONSUL_IMAGE,
# CONSUL_TEMPLATE_IMAGE): the tests and the offline images run what users with a registry pull.
#   consul          - built from its Go module at .env's version (Go + the Go module proxy; first
#                     time ~4-15 min on 2 cores), cached in .tools/consul-<ver>/ and, for fresh
#                     clones on the same machine, in ${XDG_CACHE_HOME:-~/.cache}/consul-lab/
#   consul-template - `go install` of .env's release (needs Go + the Go module proxy)
#   nginx           - Debian's nginx, extracted with dpkg -x (no service is started)
#   chromium        - Debian's chromium, for the lab view's browser tests (apt-get install; root on a
#                     Debian-family system; never a browser downloaded by npm)
#   debootstrap     - with --images or --docker (apt-get install; root on a Debian-family system)
#                     (--binaries: consul and consul-template only)
#   docker (opt.)   - Debian's docker.io + compose v2 from trixie, only with --docker
# A second run with everything present takes well under a second.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="$ROOT/.tools"
BIN="$TOOLS/bin"
APT_DIR="$TOOLS/apt"
# Outside the clone, so a fresh clone on the same machine (CI clones afresh every run) finds the
# binary it would otherwise rebuild for minutes. Keyed by version; checked with `consul version`.
MACHINE_CACHE="${CONSUL_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/consul-lab}"

usage() {
  cat <<'USAGE'
usage: install-tools.sh [--images | --binaries | --docker | --print-versions]
  (none)            consul, consul-template, nginx into .tools/ and Debian's chromium (what `npm test` needs)
  --images          consul, consul-template and debootstrap (what `npm run lab:images` needs)
  --binaries        consul and consul-template only (lab:images when its Debian base is already built)
  --docker          everything, plus Debian's docker.io, debootstrap and compose v2 (the e2e test)
  --print-versions  print the versions read from .env and exit
USAGE
}
MODE=tests
for arg in "$@"; do
  case "$arg" in
    --docker) MODE=docker ;;
    --images) MODE=images ;;
    --binaries) MODE=binaries ;;
    --print-versions) MODE=versions ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install-tools: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

log() { printf '[install-tools] %s\n' "$*" >&2; }
die() { printf '[install-tools] error: %s\n' "$*" >&2; exit 1; }

# The tag of an image variable in .env, e.g. CONSUL_IMAGE=hashicorp/consul:1.20.5 -> 1.20.5.
pinned() {
  local v
  v="$(sed -n "s/^$1=[^#]*:\([0-9][0-9.]*\)[[:space:]]*\$/\1/p" "$ROOT/.env" | tail -1)"
  [[ "$v" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "cannot read a version from $1 in $ROOT/.env (expected $1=<image>:X.Y.Z)"
  printf '%s' "$v"
}
CONSUL_VERSION="$(pinned CONSUL_IMAGE)"
CONSUL_TEMPLATE_VERSION="$(pinned CONSUL_TEMPLATE_IMAGE)"
if [ "$MODE" = versions ]; then
  printf 'consul=%s\nconsul-template=%s\n' "$CONSUL_VERSION" "$CONSUL_TEMPLATE_VERSION"
  exit 0
fi

mkdir -p "$BIN"

# A private apt configuration, so the machine's own sources stay untouched.
APT_OPTS=()
apt_private() {
  if [ ${#APT_OPTS[@]} -eq 0 ]; then
    mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/archives/partial"
    local want
    want="$(printf '%s\n' 'deb http://deb.debian.org/debian bookworm main' 'deb http://deb.debian.org/debian trixie main')"
    if [ "$(cat "$APT_DIR/sources.list" 2>/dev/null)" != "$want" ]; then
      printf '%s\n' "$want" >"$APT_DIR/sources.list"
      rm -rf "$APT_DIR/lists"; mkdir -p "$APT_DIR/lists/partial"
    fi
    APT_OPTS=(-o "Dir::Etc::SourceList=$APT_DIR/sources.list" -o Dir::Etc::SourceParts=/dev/null
              -o "Dir::State::Lists=$APT_DIR/lists" -o "Dir::Cache::Archives=$APT_DIR/archives"
              -o Acquire::Languages=none -o APT::Sandbox::User=root)
    if [ -z "$(ls -A "$APT_DIR/lists" 2>/dev/null | grep -v partial)" ]; then
      log "apt-get update (private lists: bookworm, trixie)"
      apt-get "${APT_OPTS[@]}" update -qq >/dev/null || die "apt-get update failed: is Debian's archive reachable?"
    fi
  fi
}
# fetch_deb PKG VERSION_GLOB -> prints path of the downloaded .deb
fetch_deb() {
  local pkg="$1" want="$2" ver
  apt_private
  ver="$(apt-cache "${APT_OPTS[@]}" madison "$pkg" | awk -F'|' '{gsub(/ /,"",$2); print $2}' | grep -E "^$want" | head -1)"
  [ -n "$ver" ] || die "no $pkg matching '$want' in Debian's archive"
  (cd "$APT_DIR/archives" && apt-get "${APT_OPTS[@]}" download -qq "$pkg=$ver" >/dev/null) \
    || die "apt-get download $pkg=$ver failed"
  ls "$APT_DIR/archives/${pkg}_"*.deb | head -1
}

# The newest `go` line of the pinned modules' go.mod (consul-template 0.41.1: 1.24.4; Consul 1.20.5: 1.23.6).
# An older Go fetches a newer toolchain only if GOTOOLCHAIN allows it, and Debian's golang packages may set it
# to local: so ask for it outright. setup.ts (lab:images) only checks that go exists and names this version.
GO_MIN=1.24.4
need_go() {
  local have
  command -v go >/dev/null \
    || die "$1 is built from its Go module and needs the Go toolchain: install Go $GO_MIN or newer (https://go.dev/dl), then run this again"
  have="$(go env GOVERSION 2>/dev/null || true)"; have="${have#go}"
  [ -n "$have" ] && [ "$(printf '%s\n' "$GO_MIN" "$have" | sort -V | head -1)" = "$GO_MIN" ] \
    || die "$1 needs Go $GO_MIN or newer, this go is ${have:-too old to say}: install Go $GO_MIN or newer (https://go.dev/dl), then run this again"
}

# --- consul -------------------------------------------------------------------
# Built from github.com/hashicorp/consul@v$CONSUL_VERSION. `go install` refuses that module: its go.mod
# has a replace block pointing at nested modules (./api, ./sdk, ./proto-public, ./envoyextensions,
# ./troubleshoot) that are published separately at exactly the versions its require block names.
# So: copy the module, drop the replace block, build it (the web UI is embedded in the module).
consul_is() { [ -x "$1" ] && [ "$("$1" version 2>/dev/null | head -1)" = "Consul v$CONSUL_VERSION" ]; }
CONSUL_DIR="$TOOLS/consul-$CONSUL_VERSION"
CACHED_CONSUL="$MACHINE_CACHE/consul-$CONSUL_VERSION"

# place SRC DEST: copy next to DEST, then rename: a reader never sees a half-written binary.
place() { mkdir -p "$(dirname "$2")"; cp "$1" "$2.tmp.$$"; chmod 755 "$2.tmp.$$"; mv -f "$2.tmp.$$" "$2"; }

# The pid of the go build build_consul is waiting for, '' otherwise: stop_build kills it if this script
# ends first (killed by a timeout, Ctrl-C, set -e). Left running, it would compile on unattended and the
# next run would build again, its result never placed.
BUILD_PID=
stop_build() {
  if [ -n "$BUILD_PID" ]; then kill "$BUILD_PID" 2>/dev/null || true; BUILD_PID=; fi
}

build_consul() {
  need_go "Consul $CONSUL_VERSION"
  local mod="github.com/hashicorp/consul@v$CONSUL_VERSION" json dir src blog t0 pid n last rc=0
  log "consul $CONSUL_VERSION: not cached; building it from its Go module (first time: dependencies ~1 min, then ~4-15 min of compiling on 2 cores)"
  json="$(go mod download -json "$mod" 2>&1)" \
    || die "go mod download $mod failed (GOPROXY=$(go env GOPROXY)): is the Go module proxy reachable? $(printf '%s' "$json" | grep -m1 -i error || true)"
  dir="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -1)"
  [ -d "$dir" ] || die "go mod download $mod gave no module directory"
  # A FIXED source path: without -trimpath the Go build cache keys this module's packages by their
  # directory, so a rebuild (a fresh clone, another version of this script) reuses the compiled ones.
  src="$MACHINE_CACHE/src-consul-$CONSUL_VERSION"
  rm -rf "$src"; mkdir -p "$MACHINE_CACHE"; cp -r "$dir" "$src"; chmod -R u+w "$src"
  awk '/^replace \($/ {skip=1; next} skip && /^\)$/ {skip=0; next} !skip' "$src/go.mod" >"$src/go.mod.new"
  mv "$src/go.mod.new" "$src/go.mod"
  if grep -q '=> \./' "$src/go.mod"; then die "$src/go.mod still replaces modules with local paths: the recipe needs updating for $CONSUL_VERSION"; fi
  blog="$MACHINE_CACHE/build-consul-$CONSUL_VERSION.log"
  t0=$SECONDS
  # -mod=mod: go.sum gains the published nested modules' hashes (checked against the checksum DB).
  # -s -w: no symbol tables (~50 MB smaller image; stack traces keep function names).
  # Set before the build starts (a subshell does not inherit them). The exits keep the signal's status.
  trap stop_build EXIT
  trap 'stop_build; exit 130' INT
  trap 'stop_build; exit 143' TERM
  # 9>&-: the build must not hold install_consul's lock; only this script does, so the lock ends with it.
  (cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 exec go build -v -ldflags='-s -w' -o "$src/consul.out" .) >"$blog" 2>&1 9>&- &
  pid=$!
  BUILD_PID=$pid
  # Progress every 30 s: `go build -v` names each package as it compiles it.
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null || break
    n="$(grep -cv '^go: ' "$blog" || true)"; last="$(tail -1 "$blog" | cut -c1-70)"
    log "consul $CONSUL_VERSION: building, $(( (SECONDS - t0) / 60 ))m$(printf '%02d' $(( (SECONDS - t0) % 60 )))s, $n packages compiled (now: $last)"
  done
  wait "$pid" || rc=$?
  # Reaped: its pid may be reused now, so nothing may kill it any more.
  BUILD_PID=
  trap - EXIT INT TERM
  [ "$rc" -eq 0 ] || die "go build of consul $CONSUL_VERSION failed after $((SECONDS - t0)) s; log: $blog ($(grep -m1 -iE 'error|cannot|undefined' "$blog" || tail -1 "$blog"))"
  consul_is "$src/consul.out" || die "the built consul does not say 'Consul v$CONSUL_VERSION' (log: $blog)"
  log "consul $CONSUL_VERSION: built in $((SECONDS - t0)) s"
  place "$src/consul.out" "$CACHED_CONSUL"
  rm -rf "$src"
}

install_consul() {
  if ! consul_is "$CONSUL_DIR/consul"; then
    mkdir -p "$MACHINE_CACHE"
    # One build at a time per machine (two `npm test` runs in one checkout, or two clones).
    exec 9>"$MACHINE_CACHE/consul-$CONSUL_VERSION.lock"
    if ! flock -n 9; then log "consul $CONSUL_VERSION: another install-tools run is building it; waiting"; flock 9; fi
    if consul_is "$CACHED_CONSUL"; then
      log "consul $CONSUL_VERSION: from this machine's cache ($CACHED_CONSUL)"
    else
      build_consul
    fi
    place "$CACHED_CONSUL" "$CONSUL_DIR/consul"
    exec 9>&-
  fi
  # .tools/bin/consul is what the tests run: switch it with one rename (tests may be running).
  if [ "$(readlink "$BIN/consul" 2>/dev/null)" != "../consul-$CONSUL_VERSION/consul" ]; then
    ln -sfn "../consul-$CONSUL_VERSION/consul" "$BIN/consul.tmp.$$"
    mv -fT "$BIN/consul.tmp.$$" "$BIN/consul"
  fi
  # Consul 1.8.7 from Debian bullseye (the tools before 1.20.5 was built here): no longer used.
  rm -rf "$TOOLS/consul-root"
  consul_is "$BIN/consul" || die ".tools/bin/consul does not run as Consul v$CONSUL_VERSION"
}

# --- consul-template ----------------------------------------------------------
install_consul_template() {
  if [ ! -x "$BIN/consul-template" ] || ! "$BIN/consul-template" -version 2>&1 | grep -q "v${CONSUL_TEMPLATE_VERSION}\b"; then
    need_go "consul-template v$CONSUL_TEMPLATE_VERSION"
    log "consul-template: go install @v${CONSUL_TEMPLATE_VERSION} (first time ~1-2 min)"
    GOBIN="$BIN" GOFLAGS=-buildvcs=false go install "github.com/hashicorp/consul-template@v${CONSUL_TEMPLATE_VERSION}" \
      || die "go install consul-template failed: is the Go module proxy reachable?"
  fi
}

# --- nginx --------------------------------------------------------------------
install_nginx() {
  if [ ! -x "$TOOLS/nginx-root/usr/sbin/nginx" ]; then
    log "nginx: downloading bookworm's nginx"
    rm -rf "$TOOLS/nginx-root"; mkdir -p "$TOOLS/nginx-root"
    local p deb
    for p in nginx nginx-common; do
      deb="$(fetch_deb "$p" '1\.22\.')"; dpkg -x "$deb" "$TOOLS/nginx-root"
    done
  fi
  ln -sf "../nginx-root/usr/sbin/nginx" "$BIN/nginx"
  "$BIN/nginx" -v 2>/dev/null || die "nginx does not run (missing shared libraries? try: apt-get install nginx)"
}

# --- debootstrap (the air-gapped images' Debian base) ---------------------------
install_debootstrap() {
  command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] && return 0
  command -v apt-get >/dev/null \
    || die "debootstrap is missing and this is not a Debian-family system (no apt-get): install debootstrap with your package manager, or use a machine with a registry (npm run lab:up)"
  [ "$(id -u)" = 0 ] || die "debootstrap is missing: run 'sudo apt-get install debootstrap' (or this command as root)"
  log "debootstrap: apt-get install debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null 2>&1 || {
    log "debootstrap: apt-get update first"
    apt-get update -qq >/dev/null || die "apt-get update failed: is Debian's archive reachable?"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null || die "apt-get install debootstrap failed"
  }
}

# --- chromium (the lab view's page in a real browser) ---------------------------
install_chromium() {
  { command -v chromium >/dev/null || [ -n "${CHROMIUM_PATH:-}" ]; } && return 0
  command -v apt-get >/dev/null \
    || die "chromium is missing and this is not a Debian-family system (no apt-get): install chromium and set CHROMIUM_PATH"
  [ "$(id -u)" = 0 ] || die "chromium is missing: run 'sudo apt-get install chromium' (or this command as root)"
  log "chromium: apt-get install chromium (a few minutes, once)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || {
    log "chromium: apt-get update first"
    apt-get update -qq >/dev/null || die "apt-get update failed: is Debian's archive reachable?"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || die "apt-get install chromium failed"
  }
}

# --- docker (only for the end-to-end test) -------------------------------------
install_docker() {
  if ! command -v dockerd >/dev/null; then
    log "docker: apt-get install docker.io (Debian)"
    # policy-rc.d 101: do not let the package start a daemon; the e2e harness starts its own.
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
    apt-get update -qq >/dev/null || die "apt-get update failed: is Debian's archive reachable?"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap >/dev/null \
      || { rm -f /usr/sbin/policy-rc.d; die "apt-get install docker.io failed (run 'apt-get update' first?)"; }
    rm -f /usr/sbin/policy-rc.d
  fi
  install_debootstrap
  local plugin="$HOME/.docker/cli-plugins/docker-compose" deb
  if ! docker compose version >/dev/null 2>&1; then
    log "docker compose v2: from trixie's docker-compose package"
    deb="$(fetch_deb docker-compose '2\.')"
    rm -rf "$TOOLS/compose-root"; dpkg -x "$deb" "$TOOLS/compose-root"
    mkdir -p "$(dirname "$plugin")"
    cp "$TOOLS/compose-root/usr/libexec/docker/cli-plugins/docker-compose" "$plugin"
  fi
  docker compose version >/dev/null || die "docker compose v2 is not available"
}

install_consul
install_consul_template
case "$MODE" in
  tests) install_nginx; install_chromium ;;
  images) install_debootstrap ;;
  docker) install_nginx; install_chromium; install_docker ;;
esac
ready="$("$BIN/consul" version | head -1), $("$BIN/consul-template" -version 2>&1 | head -1)"
case "$MODE" in images|binaries) ;; *) ready="$ready, $("$BIN/nginx" -v 2>&1)" ;; esac
log "ready: $ready"
