# README exercise 6, "registration without code": inventory-db knows nothing about Consul; host-b's agent
# registers it from this file (mounted into its config dir, read at start and on `consul reload`) and runs its
# check. Compare workshop-api, which registers itself over the agent's HTTP API.
service {
  name = "inventory-db"
  id   = "inventory-db"
  port = 6380
  # No address: the node's (host-b's). Meta tells the exercise check who registered it.
  meta = {
    registered-by = "agent-config"
  }
  # README exercise 7: a Connect sidecar. The agent registers inventory-db-sidecar-proxy beside it; the built-in
  # proxy (the inventory-db-proxy container: `consul connect proxy -sidecar-for inventory-db`) listens on 21000
  # for mutual TLS from other sidecars, checks the intentions, and forwards to 127.0.0.1:6380.
  connect {
    sidecar_service {
      port = 21000
    }
  }
  check {
    id       = "inventory-db-tcp"
    name     = "inventory-db accepts TCP on 6380"
    # The agent shares host-b's network namespace with inventory-db, so loopback reaches it.
    tcp      = "127.0.0.1:6380"
    interval = "2s"
    timeout  = "1s"
  }
}

# Every file in an agent's config dir is agent configuration: the lab's rule (never call home) holds in each.
disable_update_check = true
