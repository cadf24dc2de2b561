#!/usr/bin/env bash
# The lab's Nginx side: Nginx in the foreground + consul-template re-rendering it from Consul.
# The SAME script is the container's entrypoint (behind an init such as tini, see README.md) and the
# host command (run-local.sh sets host defaults and execs this).
#
# Env (all optional):
#   CONSUL_HTTP_ADDR     Consul agent HTTP address, host:port or http(s)://host:port   (default 127.0.0.1:8500)
#   NGINX_LISTEN         nginx `listen` value: 80, 127.0.0.1:8080, ...                    (default 80)
#   NGINX_WORK_DIR       where config, rendered files, pid and temp dirs live              (default /var/lib/lab-nginx)
#   NGINX_ACCESS_LOG     access log path, or "off"                                         (default /dev/stdout)
#   NGINX_BIN            nginx binary                                                      (default: nginx on PATH)
#   CONSUL_TEMPLATE_BIN  consul-template binary                                            (default: consul-template on PATH)
#   NGINX_APPLY          how a new render is applied: reload (SIGHUP, in-flight requests finish) or
#                        restart (stop nginx, start a new one: the original workshop's way, kept only as the
#                        benchmark's baseline, docs/benchmark.md)                            (default reload)
#
# Processes: this script starts exactly two children, nginx (daemon off, so it stays our child) and
# consul-template, and waits on both. SIGTERM/SIGINT → consul-template stops, nginx quits gracefully
# (SIGQUIT: in-flight requests finish), exit 0. If either child dies, the other is stopped and we exit 1,
# so a container restarts as a whole instead of running half a proxy. The short-lived apply-render.sh
# processes are consul-template's children and reaped by it; an init as PID 1 (tini / compose `init: true`)
# reaps anything else that gets orphaned.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export CONSUL_HTTP_ADDR="${CONSUL_HTTP_ADDR:-127.0.0.1:8500}"
NGINX_LISTEN="${NGINX_LISTEN:-80}"
export NGINX_WORK_DIR="${NGINX_WORK_DIR:-/var/lib/lab-nginx}"
NGINX_ACCESS_LOG="${NGINX_ACCESS_LOG:-/dev/stdout}"
export NGINX_BIN="${NGINX_BIN:-nginx}"
CONSUL_TEMPLATE_BIN="${CONSUL_TEMPLATE_BIN:-consul-template}"
export NGINX_APPLY="${NGINX_APPLY:-reload}"
W="$NGINX_WORK_DIR"

log() { printf '%s nginx-side: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() { log "error: $*"; exit 2; }

# --- bad input: one line, exit 2, nothing started -------------------------------------------------------
[[ "$NGINX_LISTEN" =~ ^([0-9]{1,3}(\.[0-9]{1,3}){3}:|\[[0-9a-fA-F:]+\]:)?[0-9]{1,5}$ ]] \
  || die "NGINX_LISTEN must be PORT, IPv4:PORT or [IPv6]:PORT, got '$NGINX_LISTEN'"
[[ "$NGINX_ACCESS_LOG" == off || "$NGINX_ACCESS_LOG" == /* ]] || die "NGINX_ACCESS_LOG must be an absolute path or 'off'"
[[ "$NGINX_APPLY" == reload || "$NGINX_APPLY" == restart ]] || die "NGINX_APPLY must be reload or restart, got '$NGINX_APPLY'"
[[ "$W" == /* && "$W" != *:* && "$W" != *" "* ]] || die "NGINX_WORK_DIR must be an absolute path without ':' or spaces, got '$W'"
command -v "$NGINX_BIN" >/dev/null || die "nginx not found ('$NGINX_BIN'): install nginx or set NGINX_BIN"
command -v "$CONSUL_TEMPLATE_BIN" >/dev/null || die "consul-template not found ('$CONSUL_TEMPLATE_BIN'): install it or set CONSUL_TEMPLATE_BIN"

# One Nginx side per work dir: a second one would share (and break) the pid file and rendered files.
if old="$(cat "$W/nginx.pid" 2>/dev/null)" && [ -n "$old" ] && kill -0 "$old" 2>/dev/null; then
  die "an nginx (pid $old) already runs from $W: stop it, or set another NGINX_WORK_DIR"
fi

# --- work dir: our config + templates, a bootstrap render, and the check/ mirror used by apply-render.sh --
umask 022
mkdir -p "$W"/{conf/rendered,staging,check,html,temp,templates}
# Nginx workers run as an unprivileged user when the master is root (the container): they must read html/.
chmod 755 "$W"
cp "$HERE/nginx.conf" "$W/conf/nginx.conf"
cp "$HERE/templates/"*.ctmpl "$W/templates/"
cp "$HERE/consul-template.hcl" "$HERE/apply-render.sh" "$W/"
cp "$HERE/html/unavailable.html" "$W/html/"
{
  echo "listen $NGINX_LISTEN;"
  if [ "$NGINX_ACCESS_LOG" = off ]; then echo "access_log off;"; else echo "access_log $NGINX_ACCESS_LOG;"; fi
} >"$W/conf/runtime-server.conf"
# Until consul-template's first render (Consul may not be reachable yet), Nginx serves an explicit
# "waiting" state: a valid config with no upstream and /api/ answering 503.
echo "# bootstrap: waiting for consul-template's first render" >"$W/conf/rendered/upstreams.conf"
printf '# bootstrap: waiting for consul-template'"'"'s first render\nlocation /api/ {\n    return 503;\n}\n' >"$W/conf/rendered/locations.conf"
cat >"$W/html/index.html" <<'HTML'
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3"><title>Workshop API instances</title></head>
<body style="font-family: system-ui, sans-serif; margin: 2rem"><h1>Workshop API instances</h1>
<p class="empty" id="empty-state">Waiting for the first answer from Consul...</p></body></html>
HTML
rm -f "$W/staging/"* "$W/nginx.pid" "$W/consul-template.pid"
# check/ = conf/ with the staged files in place of the live ones (includes are relative to the -c file's dir).
ln -sfn ../conf/nginx.conf "$W/check/nginx.conf"
ln -sfn ../conf/runtime-server.conf "$W/check/runtime-server.conf"
ln -sfn ../staging "$W/check/rendered"

NGINX_ARGS=(-p "$W/" -c "$W/conf/nginx.conf" -e stderr)
"$NGINX_BIN" -t -q "${NGINX_ARGS[@]}" || die "the bootstrap nginx config does not pass nginx -t (see above)"

# --- start: nginx first (so the first render can reload it), then consul-template ----------------------
NGINX_PID="" CT_PID=""
stop_children() {
  [ -n "$CT_PID" ] && kill -INT "$CT_PID" 2>/dev/null || true     # consul-template's kill_signal
  [ -n "$NGINX_PID" ] && kill -QUIT "$NGINX_PID" 2>/dev/null || true # graceful: finish in-flight requests
  [ -n "$CT_PID" ] && wait "$CT_PID" 2>/dev/null || true
  [ -n "$NGINX_PID" ] && wait "$NGINX_PID" 2>/dev/null || true
}
on_signal() {
  trap - TERM INT
  log "received $1: stopping consul-template and nginx"
  stop_children
  log "stopped"
  exit 0
}
trap 'on_signal SIGTERM' TERM
trap 'on_signal SIGINT' INT

# Start nginx in the foreground as our child (NGINX_PID) and wait up to 5 s for its pid file.
start_nginx() {
  "$NGINX_BIN" "${NGINX_ARGS[@]}" -g 'daemon off;' &
  NGINX_PID=$!
  for _ in $(seq 1 100); do
    [ -s "$W/nginx.pid" ] && break
    kill -0 "$NGINX_PID" 2>/dev/null || break
    sleep 0.05
  done
}

# NGINX_APPLY=restart: apply-render.sh sends us SIGUSR1 and we restart nginx for real: a fast stop (SIGTERM,
# like `nginx -s stop` or the distribution's init script), then a new master. Requests in flight are cut and
# new ones are refused until the new master listens: the gap the reload (the default) avoids.
restart_nginx() {
  local old="$NGINX_PID"
  log "NGINX_APPLY=restart: stopping nginx (pid $old) and starting a new one"
  kill -TERM "$old" 2>/dev/null || true
  wait "$old" 2>/dev/null || true
  start_nginx
  log "nginx restarted (pid $old -> $NGINX_PID)"
}
if [ "$NGINX_APPLY" = restart ]; then
  echo "$$" >"$W/run.pid"
  trap 'restart_nginx' USR1
fi

start_nginx
[ -s "$W/nginx.pid" ] || { log "error: nginx did not start"; stop_children; exit 1; }

(cd "$W" && exec "$CONSUL_TEMPLATE_BIN" -config "$W/consul-template.hcl") &
CT_PID=$!
echo "$CT_PID" >"$W/consul-template.pid"
log "nginx (pid $NGINX_PID) listening on $NGINX_LISTEN; consul-template (pid $CT_PID) watching workshop|passing at $CONSUL_HTTP_ADDR; work dir $W"

# Wait for whichever child ends first, or for a signal (which runs on_signal). A 1 s poll instead of
# `wait -n PID...` keeps this working with bash 3.2 (macOS) too; `wait $!` on the sleep is interrupted by signals.
while kill -0 "$NGINX_PID" 2>/dev/null && kill -0 "$CT_PID" 2>/dev/null; do
  sleep 1 &
  wait $! 2>/dev/null || true
done
if kill -0 "$NGINX_PID" 2>/dev/null; then who="consul-template"; pid="$CT_PID"; else who="nginx"; pid="$NGINX_PID"; fi
set +e
wait "$pid" 2>/dev/null
rc=$?
set -e
log "error: $who exited (status $rc): stopping the other"
stop_children
exit 1
