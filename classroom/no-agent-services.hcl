# Classroom mode mounts this over consul/services/inventory-db.hcl: exercise 6 is outside classroom mode. Its
# agent-defined service would need a token that writes it, and the host agents hold node identities only
# (issue 18: least privilege), so the agent would retry a registration its ACL refuses, forever.
