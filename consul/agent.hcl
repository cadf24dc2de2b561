# Consul CLIENT agent config: the one agent every lab service, Nginx/consul-template and the
# host's lab scripts talk to (docker-compose.yml service consul-agent).
# For the Consul version .env pins (CONSUL_IMAGE's tag; the offline image and the tests run the
# same one). Checked by test/integration/consul-configs.test.ts (`consul validate` with a data_dir,
# which the image entrypoint otherwise passes).

server     = false
datacenter = "dc1"
retry_join     = ["consul-server-1", "consul-server-2", "consul-server-3"]
retry_interval = "2s"

# HTTP (8500) and DNS (8600) on all container interfaces: other containers reach the agent
# as consul-agent:8500 / <agent fixed IP>:8600, and the compose file publishes both ports on
# the HOST's 127.0.0.1 only.
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
leave_on_terminate = true

log_level            = "INFO"
disable_update_check = true
