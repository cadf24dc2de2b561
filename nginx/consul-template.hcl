# consul-template for the lab's Nginx side. run.sh starts it with the work dir as its current directory,
# so the relative paths below live there (run.sh copies templates/ and apply-render.sh into it).
# The Consul address comes from CONSUL_HTTP_ADDR (consul-template reads it like Consul's own CLI).
# Not a Consul agent config: consul-template has no update check to switch off (every agent config in
# consul/ and the test harness sets disable_update_check = true), and it only ever talks to that agent.

log_level = "info"

consul {
  retry {
    # Never give up on the local agent: in Compose it may start (or restart) after us, and an exiting
    # consul-template would take the Nginx side down with it. Backoff stays short (max 2 s) so that a
    # returning agent is picked up within ~2 s, not after minutes of exponential backoff.
    enabled     = true
    attempts    = 0
    backoff     = "250ms"
    max_backoff = "2s"
  }
}

# Quiescence: render once the data has been stable for `min`, but never later than `max` after the first
# change. `min` is added, whole, to every failover: it was the largest step of a graceful stop's
# (npm run bench prints where the time goes, docs/benchmark.md).
#   min = 100ms  Instances stopped or killed together leave Consul within a few ms of each other, so 100 ms
#                still merges them into one render. The price of a shorter `min`: changes further apart than
#                it (instances coming back one by one after a restart, each when its first check passes) each
#                get their own render and reload. npm run bench counts the reloads (2 cores, 5 trials):
#                3 of 4 stopped at once -> 3 (one render, see below), all 4 restarted -> 11-14; with 500 ms:
#                3 and 9. A reload is cheap (old workers finish their requests) but each is a new set of
#                workers and a new `nginx -t`; 500 ms (before #14) cost 0.4 s on every failover; 0 (no
#                `wait`) would render and reload on every single change.
#   max = 1s     Bounds the delay while the data keeps changing (a flapping check, a rolling restart):
#                a render at least every second then. Longer merges more reloads but delays every change
#                that happens during the storm; shorter than `min` makes no sense.
wait {
  min = "100ms"
  max = "1s"
}

# All three templates render into staging/ and share one command, which validates and publishes the three
# files together (nginx -t, then reload). consul-template 0.41 renders them one at a time and runs the command
# after each one it rendered: one change in Consul is up to three applies and reloads, ~50 ms apart (the
# nginx container's log shows "rendered" and "executing command" interleaved; npm run bench counts them).
# The command always exits 0 (a rejected render is logged, not fatal): a non-zero exit would stop consul-template.
template {
  source          = "templates/upstreams.conf.ctmpl"
  destination     = "staging/upstreams.conf"
  perms           = 0644
  command         = ["/bin/sh", "apply-render.sh"]
  command_timeout = "30s"
}

template {
  source          = "templates/locations.conf.ctmpl"
  destination     = "staging/locations.conf"
  perms           = 0644
  command         = ["/bin/sh", "apply-render.sh"]
  command_timeout = "30s"
}

template {
  source          = "templates/index.html.ctmpl"
  destination     = "staging/index.html"
  perms           = 0644
  command         = ["/bin/sh", "apply-render.sh"]
  command_timeout = "30s"
}
