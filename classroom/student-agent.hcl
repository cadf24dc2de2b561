# Consul CLIENT agent config of a STUDENT's machine in classroom mode (classroom/student.compose.yml,
# started by `npm run lab:join`). Only what is the same for every student is here. The rest comes from
# lab:join at `docker compose up` time:
#   - the command line: -node=student-<github account>, -advertise=<this machine's LAN address>,
#     -serf-lan-port (published on that address, the same number inside and outside);
#   - CONSUL_LOCAL_CONFIG (JSON, written by the image entrypoint to /consul/config/local.json): datacenter,
#     retry_join = the instructor's servers, the gossip key (encrypt) and the ACL settings with THIS
#     student's own token as agent and default token. Secrets never go in a file of the repo.

server         = false
retry_interval = "3s"

# HTTP on all of the host namespace's interfaces: workshop-api beside it uses 127.0.0.1:8500, and the
# compose file publishes 8500 on YOUR machine's 127.0.0.1 only (the student's own UI/API).
client_addr = "0.0.0.0"

ui_config {
  enabled = true
}

# A client agent leaves the cluster on stop: `npm run lab:leave` (docker compose down) takes this machine
# off the instructor's cluster cleanly, with its node and its services, instead of leaving a failed node.
leave_on_terminate = true

# A laptop on venue Wi-Fi: a server that cannot be reached for a moment must not turn every ACL check into
# a deny. extend-cache keeps the last answers while the servers are away.
acl {
  down_policy = "extend-cache"
}

log_level            = "INFO"
disable_update_check = true
