# README exercise 8: host-c's client agent, in dc2. Like agent.hcl (DNS, TTLs, leave on stop), without the UI: the
# lab's UI is host-a's, which shows dc2 through the datacenter menu (the servers forward across the WAN).
server     = false
datacenter = "dc2"

retry_join     = ["dc2-server-1"]
retry_interval = "2s"

client_addr = "0.0.0.0"

ports {
  dns = 8600
}

recursors = ["127.0.0.11"]

dns_config {
  allow_stale = true
  max_stale   = "87600h"
  service_ttl {
    "*" = "0s"
  }
  node_ttl = "0s"
}

leave_on_terminate = true

log_level            = "INFO"
disable_update_check = true
