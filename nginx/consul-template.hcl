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
# change. 500 ms merges a burst (three replicas registering, a scale-down) into one render and one reload,
# yet adds at most half a second to failover; `max` bounds the delay if the data keeps flapping.
wait {
  min = "500ms"
  max = "2s"
}

# All three templates render into staging/ and share one command: consul-template runs the command after
# rendering, once, and it validates and publishes the three files together (nginx -t, then reload).
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
