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
#   LAB_ROOM_ADDRESSES   classroom: RE2 regex of the addresses a student's instance may have (the room's subnet);
#   LAB_ROOM_EXCLUDED    classroom: RE2 regex of the room's addresses it may not (this laptop, the gateway, ...).
#                        Read by the templates (consul-template's `env`); either empty = no student instance is
#                        rendered at all. Checked here to compile as Go regexps (a bad one would stop
#                        consul-template at its first render)                               (default empty)
#   NGINX_ROOM_LIMITS    1 = per-client-address limits on every request (classroom mode: one laptop cannot
#                        exhaust the page); 0 or empty = none (the lab, the benchmark)       (default empty)
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
export LAB_ROOM_ADDRESSES="${LAB_ROOM_ADDRESSES:-}" LAB_ROOM_EXCLUDED="${LAB_ROOM_EXCLUDED:-}"
NGINX_ROOM_LIMITS="${NGINX_ROOM_LIMITS:-}"
W="$NGINX_WORK_DIR"

log() { printf '%s nginx-side: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() { log "error: $*"; exit 2; }

# --- bad input: one line, exit 2, nothing started -------------------------------------------------------
[[ "$NGINX_LISTEN" =~ ^([0-9]{1,3}(\.[0-9]{1,3}){3}:|\[[0-9a-fA-F:]+\]:)?[0-9]{1,5}$ ]] \
  || die "NGINX_LISTEN must be PORT, IPv4:PORT or [IPv6]:PORT, got '$NGINX_LISTEN'"
[[ "$NGINX_ACCESS_LOG" == off || "$NGINX_ACCESS_LOG" == /* ]] || die "NGINX_ACCESS_LOG must be an absolute path or 'off'"
[[ "$NGINX_APPLY" == reload || "$NGINX_APPLY" == restart ]] || die "NGINX_APPLY must be reload or restart, got '$NGINX_APPLY'"
[[ "$NGINX_ROOM_LIMITS" == "" || "$NGINX_ROOM_LIMITS" == 0 || "$NGINX_ROOM_LIMITS" == 1 ]] \
  || die "NGINX_ROOM_LIMITS must be 1, 0 or empty, got '${NGINX_ROOM_LIMITS:0:40}'"
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

# The room's patterns, compiled by the same Go regexp the templates use (consul-template renders a template
# without Consul queries without contacting Consul), in the form the templates use them: allowed wrapped in
# ^(?:...)$, excluded as given. A bad pattern would otherwise end consul-template at its first render.
room_check() { # name template-expression
  local out
  printf '{{ "0.0.0.0" | regexMatch %s }}\n' "$2" >"$W/room-check.ctmpl"
  if ! out="$("$CONSUL_TEMPLATE_BIN" -once -log-level err -template "$W/room-check.ctmpl:$W/room-check.out" 2>&1)"; then
    rm -f "$W/room-check.ctmpl" "$W/room-check.out"
    out="$(printf '%s' "$out" | tr '\n' ' ')"
    case "$out" in *"error parsing regexp: "*) out="${out##*error parsing regexp: }" ;; esac
    die "$1 is not a valid RE2 (Go) regular expression: ${out:0:200}"
  fi
  rm -f "$W/room-check.ctmpl" "$W/room-check.out"
}
[ -z "$LAB_ROOM_ADDRESSES" ] || room_check LAB_ROOM_ADDRESSES '(print "^(?:" (env "LAB_ROOM_ADDRESSES") ")$")'
[ -z "$LAB_ROOM_EXCLUDED" ] || room_check LAB_ROOM_EXCLUDED '(env "LAB_ROOM_EXCLUDED")'
if [ -n "$LAB_ROOM_ADDRESSES" ] && [ -n "$LAB_ROOM_EXCLUDED" ]; then
  log "classroom: a student's instance workshop-<name> is shown only on its node student-<name>, at an address matching LAB_ROOM_ADDRESSES and not LAB_ROOM_EXCLUDED"
elif [ -n "$LAB_ROOM_ADDRESSES$LAB_ROOM_EXCLUDED" ]; then
  log "warning: only one of LAB_ROOM_ADDRESSES and LAB_ROOM_EXCLUDED is set: no student instance (workshop-<name>) is shown"
fi
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
# NGINX_ROOM_LIMITS=1: per client address, on every request (page, /api/, /avatars/), answered 429. Sized for the
# room's page: a browser tab loads the page and one avatar per tile (30+ students + the lab's 4: ~40) at once,
# every 3 s (meta refresh) = ~41 requests in a burst, ~14 r/s on average.
#   rate=50r/s  3x one tab's average: three tabs or windows on one laptop never wait; a script is cut to 50 r/s.
#   burst=100 nodelay  two whole page loads arriving at once (a manual reload on top of the automatic one)
#               pass without delay; what exceeds the burst is refused at once (429), never queued.
#   limit_conn 20  requests in progress per address: a browser opens at most 6 connections per host, so three
#               tabs fit; slow requests (a student's slow instance behind /api/, up to 10 s) cannot take the
#               worker's 1024 connections from the rest of the room.
# Off by default: the lab (one user) and the benchmark (which hammers /api/ from 127.0.0.1) must never see a 429.
# The zones live at http level (runtime-http.conf, included by nginx.conf), the limits in the server.
if [ "$NGINX_ROOM_LIMITS" = 1 ]; then
  cat >"$W/conf/runtime-http.conf" <<'CONF'
# NGINX_ROOM_LIMITS=1 (run.sh): per-client-address zones; 1 MB holds ~16000 addresses.
limit_req_zone $binary_remote_addr zone=room_req:1m rate=50r/s;
limit_conn_zone $binary_remote_addr zone=room_conn:1m;
limit_req_status 429;
limit_conn_status 429;
CONF
  {
    echo "limit_req zone=room_req burst=100 nodelay;"
    echo "limit_conn room_conn 20;"
  } >>"$W/conf/runtime-server.conf"
else
  echo "# NGINX_ROOM_LIMITS is not 1: no per-address limits (run.sh)" >"$W/conf/runtime-http.conf"
fi
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
ln -sfn ../conf/runtime-http.conf "$W/check/runtime-http.conf"
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
limits=""
[ "$NGINX_ROOM_LIMITS" = 1 ] && limits=" with per-address limits (NGINX_ROOM_LIMITS=1)"
log "nginx (pid $NGINX_PID) listening on $NGINX_LISTEN$limits; consul-template (pid $CT_PID) watching workshop|passing at $CONSUL_HTTP_ADDR; work dir $W"

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
