#!/bin/sh
# Mirrors the official hashicorp/consul entrypoint's contract (minus the root/su-exec step:
# this image already runs as the consul user), so docker-compose.yml works with either image.
set -e
CONSUL_DATA_DIR="${CONSUL_DATA_DIR:-/consul/data}"
CONSUL_CONFIG_DIR="${CONSUL_CONFIG_DIR:-/consul/config}"
# Extra config as JSON in the environment, written where the agent reads its config, as the official
# image does (classroom mode passes the gossip key and ACL tokens this way: a 0600 file bind-mounted from
# the host would not be readable by this image's uid). Unset or empty: nothing is written, as before.
if [ -n "$CONSUL_LOCAL_CONFIG" ]; then
  (umask 077 && printf '%s\n' "$CONSUL_LOCAL_CONFIG" > "$CONSUL_CONFIG_DIR/local.json")
fi
case "$1" in
  -*) set -- consul "$@" ;;
  agent)
    shift
    set -- consul agent -data-dir="$CONSUL_DATA_DIR" -config-dir="$CONSUL_CONFIG_DIR" "$@" ;;
  consul) ;;
  *) if consul --help "$1" 2>&1 | grep -q "consul $1"; then set -- consul "$@"; fi ;;
esac
exec "$@"
