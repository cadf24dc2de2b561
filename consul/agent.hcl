# Consul CLIENT agent config, shared by every simulated host's agent (docker-compose.yml: host-a-agent,
# host-b-agent; the node name comes from their -node flag). Each runs inside its host's network namespace,
# so that host's services, Nginx/consul-template and the demo client reach it at 127.0.0.1:8500 / :8600,
# as on a real machine; host-a's is also the one your browser and the lab scripts talk to.
# For the Consul version .env pins (CONSUL_IMAGE's tag; the offline image and the tests run the
# same one). Checked by test/integration/consul-configs.test.ts (`consul validate` with a data_dir,
# which the image entrypoint otherwise passes).

server     = false
datacenter = "dc1"
retry_join     = ["consul-server-1", "consul-server-2", "consul-server-3"]
retry_interval = "2s"

# HTTP (8500) and DNS (8600) on all of the host's interfaces: its own services use 127.0.0.1, and
# host-a's ports are published on YOUR machine's 127.0.0.1 only (which needs the host's lab address
# too: Docker forwards published ports to it).
client_addr = "0.0.0.0"

ports {
  dns = 8600
}

# The web UI at http://127.0.0.1:8500/ui/, served by this agent only (the servers have none).
ui_config {
  enabled = true
}

# Names outside .consul are forwarded to Docker's embedded DNS (127.0.0.11), which resolves
# the lab's container names and, through the Docker host, anything else. Never a public
# resolver: the lab's traffic stays on the machine.
recursors = ["127.0.0.11"]

dns_config {
  # Answer from any server, not only the leader: DNS keeps working while there is no leader
  # (the "2 of 3 servers down" exercise), with at most a few seconds of staleness.
  allow_stale = true
  max_stale   = "87600h"
  # Health changes show up immediately: no caching of service answers.
  service_ttl {
    "*" = "0s"
  }
  node_ttl = "0s"
}

# A client agent leaves the cluster on stop (the default for clients, explicit here), so
# `docker compose down` does not leave a "failed" node and its services behind in the catalog.
# (That is why `lab:kill-agent` SIGKILLs the agent: a crash, not a leave, is what marks a host failed.)
#
# Failure detection is Consul's LAN gossip default, on purpose not tuned: a probe every 1 s (500 ms
# timeout, then 3 indirect probes through other nodes), then a suspicion timeout of
# 4 x max(1, log10(nodes)) x 1 s = 4 s in this 5-node lab (up to 6x that until other nodes confirm the
# suspicion) before the suspect is declared failed: ~5-8 s in all. Those are the numbers a real cluster
# runs with; `lab:partition` and `lab:kill-agent` show them.
leave_on_terminate = true

log_level            = "INFO"
disable_update_check = true
