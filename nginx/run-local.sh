#!/usr/bin/env bash
# Run the lab's Nginx side on this machine (outside Docker) against any Consul, as the current user.
# Uses the tools from `npm run tools` (.tools/bin) when present, else nginx/consul-template on PATH.
#   CONSUL_HTTP_ADDR  (default 127.0.0.1:8500)   NGINX_LISTEN (default 127.0.0.1:8080)
#   NGINX_WORK_DIR    (default ${TMPDIR:-/tmp}/consul-lab-nginx-$USER)   NGINX_ACCESS_LOG (default /dev/stdout)
# Ctrl-C stops both. Example: CONSUL_HTTP_ADDR=127.0.0.1:8500 NGINX_LISTEN=127.0.0.1:8080 nginx/run-local.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOOLS_BIN="$HERE/../.tools/bin"
if [ -z "${NGINX_BIN:-}" ] && [ -x "$TOOLS_BIN/nginx" ]; then export NGINX_BIN="$TOOLS_BIN/nginx"; fi
if [ -z "${CONSUL_TEMPLATE_BIN:-}" ] && [ -x "$TOOLS_BIN/consul-template" ]; then export CONSUL_TEMPLATE_BIN="$TOOLS_BIN/consul-template"; fi
export NGINX_LISTEN="${NGINX_LISTEN:-127.0.0.1:8080}"
export NGINX_WORK_DIR="${NGINX_WORK_DIR:-${TMPDIR:-/tmp}/consul-lab-nginx-$(id -un)}"
exec "$HERE/run.sh"
