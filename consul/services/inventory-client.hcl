# README exercise 7: inventory-client on host-a reaches inventory-db on host-b only through Connect. host-a's agent
# registers it from this file with a sidecar whose upstream listens on 127.0.0.1:16380; the built-in proxy
# (the inventory-client-proxy container) carries each connection to inventory-db's sidecar over mutual TLS, and
# inventory-db's proxy lets it in only if the intentions allow inventory-client -> inventory-db.
service {
  name = "inventory-client"
  id   = "inventory-client"
  # Its status page (GET /results, /health) on host-a's loopback: nothing connects to the client itself.
  port = 8092
  meta = {
    registered-by = "agent-config"
  }
  connect {
    sidecar_service {
      port = 21001
      proxy {
        upstreams = [
          {
            destination_name = "inventory-db"
            local_bind_port  = 16380
          }
        ]
      }
    }
  }
  check {
    id       = "inventory-client-http"
    name     = "inventory-client /health"
    http     = "http://127.0.0.1:8092/health"
    interval = "2s"
    timeout  = "1s"
  }
}

# Every file in an agent's config dir is agent configuration: the lab's rule (never call home) holds in each.
disable_update_check = true
