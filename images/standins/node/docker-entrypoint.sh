#!/bin/sh
# What the official node image's entrypoint does: a first argument that is an option, or not a
# command on PATH, or a non-executable file, runs under node; anything else runs as is.
set -e
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi
exec "$@"
