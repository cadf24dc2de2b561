#!/bin/sh
# Run by consul-template (cwd = the work dir) after it rendered into staging/.
# 1. `nginx -t` a config that includes the STAGED files (check/ mirrors conf/, with check/rendered -> ../staging).
# 2. Only if it passes: publish the files (copy + rename, so Nginx never reads a half-written file) and
#    reload Nginx with SIGHUP to its master (a reload, never a restart: in-flight requests finish on the old workers).
#    NGINX_APPLY=restart (the benchmark's baseline only) asks run.sh to stop and start nginx instead.
# 3. If it fails: keep the running config, log why. Exit 0 either way, since a failing command stops consul-template.
# Staged files stay in staging/, so consul-template only re-runs this when a render really differs.
set -u
W="${NGINX_WORK_DIR:?NGINX_WORK_DIR is not set}"
NGINX="${NGINX_BIN:-nginx}"
log() { printf '%s apply-render: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
# Epoch milliseconds for the timing suffix of the "applied render" line (npm run bench reads it to split the
# failover time into its steps). GNU date has %N; where it has not (BSD/macOS), whole seconds * 1000.
now_ms() {
  t="$(date +%s%3N 2>/dev/null)"
  case "$t" in '' | *[!0-9]*) echo "$(($(date +%s) * 1000))" ;; *) echo "$t" ;; esac
}
t_start="$(now_ms)"

# One apply at a time, whatever consul-template does with the three templates' shared command.
exec 9>"$W/apply.lock"
flock 9 2>/dev/null || true

if ! out="$("$NGINX" -t -q -p "$W" -c "$W/check/nginx.conf" -e stderr 2>&1)"; then
  log "REJECTED new render (nginx -t failed), keeping the running config: $(printf '%s' "$out" | tr '\n' ' ')"
  exit 0
fi
t_checked="$(now_ms)"

publish() { # src dst
  cp "$1" "$2.tmp.$$" && mv -f "$2.tmp.$$" "$2"
}
publish "$W/staging/upstreams.conf" "$W/conf/rendered/upstreams.conf"
publish "$W/staging/locations.conf" "$W/conf/rendered/locations.conf"
publish "$W/staging/index.html" "$W/html/index.html"

count="$(grep -c '^    server ' "$W/conf/rendered/upstreams.conf" || true)"
pid="$(cat "$W/nginx.pid" 2>/dev/null || true)"
# start = this script began (consul-template has rendered), checked = nginx -t passed, applied = reload signalled
# (or, for restart, the new master's pid seen). Epoch ms.
timing() { printf 'timing start=%s checked=%s applied=%s' "$t_start" "$t_checked" "$(now_ms)"; }
if [ "${NGINX_APPLY:-reload}" = restart ] && [ -s "$W/run.pid" ]; then
  # The benchmark's baseline (NGINX_APPLY=restart, see run.sh): run.sh stops nginx and starts a new one.
  # Always ask run.sh, even if the pid file is missing for a moment (a previous restart in progress):
  # otherwise a master that started just before this publish would keep the older files.
  # Wait for the new master (max 5 s), as a synchronous `service nginx restart` would.
  kill -USR1 "$(cat "$W/run.pid")"
  i=0
  while [ "$i" -lt 50 ]; do
    new="$(cat "$W/nginx.pid" 2>/dev/null || true)"
    [ -n "$new" ] && [ "$new" != "$pid" ] && break
    sleep 0.1
    i=$((i + 1))
  done
  log "applied render with ${count} instance(s); nginx restarted (pid $pid -> ${new:-none yet}); $(timing)"
elif [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  kill -HUP "$pid"
  log "applied render with ${count} instance(s); nginx reloaded (pid $pid); $(timing)"
else
  log "applied render with ${count} instance(s); nginx not running yet, it starts with it; $(timing)"
fi
exit 0
