# Classroom mode mounts this over the agent-defined services of exercises 6 and 7 (consul/services/*.hcl): they
# are outside classroom mode. They would need a token that writes them, and the host agents hold node identities
# only (issue 18: least privilege), so the agent would retry a registration its ACL refuses, forever.

# Every file in an agent's config dir is agent configuration: the lab's rule (never call home) holds in each.
disable_update_check = true
