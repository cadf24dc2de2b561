# Consul SERVER agent config, shared by consul-server-1..3 (docker-compose.yml).
# For the Consul version .env pins (CONSUL_IMAGE's tag; the offline image and the tests run the
# same one). Checked by test/integration/consul-configs.test.ts (`consul validate` with a data_dir,
# which the image entrypoint otherwise passes).
#
# Node name = container hostname (consul-server-N, set in the compose file).
# data_dir / config_dir come from the image entrypoint (/consul/data on a named volume,
# /consul/config holding this file), exactly like the official hashicorp/consul image.

server           = true
bootstrap_expect = 3
datacenter       = "dc1"

# Join by service name: Docker's embedded DNS resolves these on the lab network, so this
# file does not depend on the subnet (LAB_SUBNET_PREFIX). Raft itself tracks peers by the
# address each server advertises, which is its FIXED IP from the compose file: with dynamic
# IPs two restarted servers can swap addresses and raft needs ~40 s to settle (LAB-NOTES).
retry_join     = ["consul-server-1", "consul-server-2", "consul-server-3"]
retry_interval = "2s"

# HTTP/DNS only on the container's loopback: the healthcheck and `docker exec ... consul`
# use it; everything else (services, your machine, lab scripts) goes through a host's agent.
client_addr = "127.0.0.1"

# Leader election speed. The default raft_multiplier = 5 is tuned for cloud VMs and left the
# lab with NO leader for 13-18 s after the leader stopped; 1 (the production recommendation)
# elects a new leader in ~3 s on a 2-core laptop (measured, see LAB-NOTES).
performance {
  raft_multiplier = 1
}

# Leave behaviour, on purpose NOT a graceful leave: `docker stop` (SIGTERM) / Ctrl-C make a
# server shut down WITHOUT leaving the raft peer set. So a stopped server counts as a failed
# member, exactly like a crash: quorum stays "2 of 3", stopping one server keeps a leader,
# stopping two shows the "No cluster leader" lesson, and `docker compose start` brings the
# same server (same IP, same data volume) back into the peer set in 1-3 s.
# A graceful leave would shrink the peer set instead and hide the quorum lesson.
# README exercise 7: Connect (the service mesh) and its built-in CA, which signs every sidecar's certificate (the
# UI shows it under each proxy). On by default on 1.20 servers; written out because the lesson depends on it.
connect {
  enabled = true
}

leave_on_terminate      = false
skip_leave_on_interrupt = true

# Autopilot removes a dead server only once a replacement joins; the lab never replaces
# servers, so this just documents the default.
autopilot {
  cleanup_dead_servers = true
}

log_level            = "INFO"
disable_update_check = true
