#!/usr/bin/env bash
# Installs the real tools the tests need into .tools/ (git-ignored), idempotently.
#   consul          - Debian bullseye's consul package (1.8.7), extracted with dpkg -x
#   consul-template - `go install` of the pinned release (needs Go + the Go module proxy)
#   nginx           - Debian's nginx, extracted with dpkg -x (no service is started)
#   docker (opt.)   - Debian's docker.io + compose v2 from trixie, only with --docker
# A second run with everything present takes well under a second.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="$ROOT/.tools"
BIN="$TOOLS/bin"
APT_DIR="$TOOLS/apt"
CONSUL_TEMPLATE_VERSION="v0.41.1"   # pinned: matches .env's hashicorp/consul-template tag
WANT_DOCKER=0
for arg in "$@"; do
  case "$arg" in
    --docker) WANT_DOCKER=1 ;;
    -h|--help) echo "usage: $0 [--docker]"; exit 0 ;;
    *) echo "install-tools: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

mkdir -p "$BIN"
log() { printf '[install-tools] %s\n' "$*" >&2; }
die() { printf '[install-tools] error: %s\n' "$*" >&2; exit 1; }

# A private apt configuration, so the machine's own sources stay untouched.
APT_OPTS=()
apt_private() {
  if [ ${#APT_OPTS[@]} -eq 0 ]; then
    mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/archives/partial"
    cat >"$APT_DIR/sources.list" <<SRC
deb http://deb.debian.org/debian bullseye main
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian trixie main
SRC
    APT_OPTS=(-o "Dir::Etc::SourceList=$APT_DIR/sources.list" -o Dir::Etc::SourceParts=/dev/null
              -o "Dir::State::Lists=$APT_DIR/lists" -o "Dir::Cache::Archives=$APT_DIR/archives"
              -o Acquire::Languages=none -o APT::Sandbox::User=root)
    if [ -z "$(ls -A "$APT_DIR/lists" 2>/dev/null | grep -v partial)" ]; then
      log "apt-get update (private lists: bullseye, bookworm, trixie)"
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

# --- consul -------------------------------------------------------------------
if [ ! -x "$BIN/consul" ]; then
  log "consul: downloading bullseye's consul 1.8.x"
  deb="$(fetch_deb consul '1\.8\.')"
  rm -rf "$TOOLS/consul-root"; dpkg -x "$deb" "$TOOLS/consul-root"
  ln -sf "../consul-root/usr/bin/consul" "$BIN/consul"
fi
"$BIN/consul" version >/dev/null || die "consul does not run"

# --- consul-template ----------------------------------------------------------
if [ ! -x "$BIN/consul-template" ] || ! "$BIN/consul-template" -version 2>&1 | grep -q "${CONSUL_TEMPLATE_VERSION}"; then
  command -v go >/dev/null || die "consul-template needs the Go toolchain (https://go.dev/dl) to 'go install' it"
  log "consul-template: go install @${CONSUL_TEMPLATE_VERSION} (first time ~1-2 min)"
  GOBIN="$BIN" GOFLAGS=-buildvcs=false go install "github.com/hashicorp/consul-template@${CONSUL_TEMPLATE_VERSION}" \
    || die "go install consul-template failed: is the Go module proxy reachable?"
fi

# --- nginx --------------------------------------------------------------------
if [ ! -x "$TOOLS/nginx-root/usr/sbin/nginx" ]; then
  log "nginx: downloading bookworm's nginx"
  rm -rf "$TOOLS/nginx-root"; mkdir -p "$TOOLS/nginx-root"
  for p in nginx nginx-common; do
    deb="$(fetch_deb "$p" '1\.22\.')"; dpkg -x "$deb" "$TOOLS/nginx-root"
  done
fi
ln -sf "../nginx-root/usr/sbin/nginx" "$BIN/nginx"
"$BIN/nginx" -v 2>/dev/null || die "nginx does not run (missing shared libraries? try: apt-get install nginx)"

# --- docker (only for the end-to-end test) -------------------------------------
if [ "$WANT_DOCKER" = 1 ]; then
  if ! command -v dockerd >/dev/null; then
    log "docker: apt-get install docker.io (Debian)"
    # policy-rc.d 101: do not let the package start a daemon; the e2e harness starts its own.
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
    apt-get update -qq >/dev/null || die "apt-get update failed: is Debian's archive reachable?"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap >/dev/null \
      || { rm -f /usr/sbin/policy-rc.d; die "apt-get install docker.io failed (run 'apt-get update' first?)"; }
    rm -f /usr/sbin/policy-rc.d
  fi
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  plugin="$HOME/.docker/cli-plugins/docker-compose"
  if ! docker compose version >/dev/null 2>&1; then
    log "docker compose v2: from trixie's docker-compose package"
    deb="$(fetch_deb docker-compose '2\.')"
    rm -rf "$TOOLS/compose-root"; dpkg -x "$deb" "$TOOLS/compose-root"
    mkdir -p "$(dirname "$plugin")"
    cp "$TOOLS/compose-root/usr/libexec/docker/cli-plugins/docker-compose" "$plugin"
  fi
  docker compose version >/dev/null || die "docker compose v2 is not available"
fi
log "ready: $("$BIN/consul" version | head -1), $("$BIN/consul-template" -version 2>&1 | head -1), $("$BIN/nginx" -v 2>&1)"
