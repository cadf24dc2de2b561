#!/bin/sh
# The machine's own Docker engine, in the foreground (its log is the container's log).
# No registry is reachable from a simulated machine, on purpose: every image it runs is loaded from the
# host (docker load). A pull that slipped in goes to a loopback port where nothing listens and fails at
# once, instead of waiting on the internet.
set -e
export HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9
rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid
# A /24 per Compose network from a wide pool: the room machine runs one Compose project per lighter student, and
# Docker's default pools hold only ~30 networks.
exec dockerd --host=unix:///var/run/docker.sock --default-address-pool base=172.20.0.0/14,size=24
