#!/bin/sh
# Classroom mode (issue 18): the entrypoint of every Consul agent of the room, the instructor's and the students'.
# Consul reads its TLS material from files only (tls.defaults.ca_file / cert_file / key_file), and a 0600 file
# bind-mounted from the host is unreadable to the image's user (uid 100): so, like CONSUL_LOCAL_CONFIG, the PEM texts
# arrive in the environment and are written here, 0600 in a 0700 dir owned by the agent's user, before the image's
# own entrypoint (official hashicorp/consul and images/consul alike) starts the agent.
#   LAB_TLS_CA_PEM     the classroom CA's certificate (every agent)
#   LAB_TLS_CERT_PEM   this server's certificate (servers only: clients get theirs from the servers, auto_encrypt)
#   LAB_TLS_KEY_PEM    its key (servers only); unset before the agent starts, so the agent's own environment lacks it
# No secret is printed. Empty variables write nothing (a compose file re-read without them, e.g. by lab:down).
set -eu
dir=/consul/tls
umask 077
mkdir -p "$dir"
if [ -n "${LAB_TLS_CA_PEM:-}" ]; then printf '%s\n' "$LAB_TLS_CA_PEM" >"$dir/ca.pem"; fi
if [ -n "${LAB_TLS_CERT_PEM:-}" ]; then printf '%s\n' "$LAB_TLS_CERT_PEM" >"$dir/cert.pem"; fi
if [ -n "${LAB_TLS_KEY_PEM:-}" ]; then printf '%s\n' "$LAB_TLS_KEY_PEM" >"$dir/key.pem"; fi
# The official image starts as root and drops to its consul user: the files must be that user's.
if [ "$(id -u)" = 0 ] && id consul >/dev/null 2>&1; then chown -R consul:consul "$dir"; fi
unset LAB_TLS_KEY_PEM LAB_TLS_CERT_PEM
exec docker-entrypoint.sh "$@"
