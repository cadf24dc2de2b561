# README exercise 8: the second datacenter's one server (`npm run lab:up -- --datacenters 2`). As small as teaches
# it: a single voter (no quorum to lose; dc2's availability is not the lesson), joined to dc1's servers over the
# WAN (serf on 8302), so a prepared query in dc1 can fail over to it. Otherwise like server.hcl.
server           = true
bootstrap_expect = 1
datacenter       = "dc2"

retry_join     = ["dc2-server-1"]
retry_interval = "2s"
# The WAN pool: dc1's three servers on the lab network. Joining one is enough; all three ride out a server down.
retry_join_wan     = ["consul-server-1", "consul-server-2", "consul-server-3"]
retry_interval_wan = "2s"

client_addr = "127.0.0.1"

performance {
  raft_multiplier = 1
}

connect {
  enabled = true
}

leave_on_terminate      = false
skip_leave_on_interrupt = true

log_level            = "INFO"
disable_update_check = true
