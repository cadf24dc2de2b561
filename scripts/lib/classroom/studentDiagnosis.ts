// Why a student's agent or API is not getting anywhere, read from their logs: one line naming the cause and the
// fix (gossip key rejected, token rejected, instructor unreachable on a port, the instructor cannot reach back).
// Pure functions over log text, so lab:join can check the logs while it waits and the rules are unit-tested.

export interface DiagnosisContext {
  /** The instructor's LAN address. */
  instructor: string;
  /** This machine's address as advertised to the cluster, and its serf port. */
  address: string;
  serfPort: number;
  apiPort: number;
  /** Which instructor-side ports to open (studentAddress.instructorPortsHint). */
  portsHint: string;
}

export type Diagnosis = { cause: 'gossip-key' | 'token' | 'udp' | 'unreachable' | 'rpc' | 'no-way-back' | 'no-leader'; line: string };

/**
 * The first cause the agent's log shows, most specific first; undefined when the log shows none of them (still
 * starting, or a cause these rules do not know: then the caller points at `docker compose logs`).
 */
export function diagnoseAgentLog(log: string, ctx: DiagnosisContext): Diagnosis | undefined {
  if (/No installed keys could decrypt|failed to decrypt|Encryption is configured but remote state is not encrypted/i.test(log)) {
    return {
      cause: 'gossip-key',
      line: `the instructor's cluster rejected this machine's gossip key ("No installed keys could decrypt"): the join file is from another class or an older lab:up; get the current join.json (or use the address and the code) and run npm run lab:leave, then lab:join again`,
    };
  }
  if (/ACL not found|token does not exist|Permission denied|ACL_NOT_FOUND/i.test(log)) {
    return {
      cause: 'token',
      line: `the instructor's cluster rejected this machine's Consul token (ACL not found / permission denied): the instructor may have started the class over; run npm run lab:leave -- --forget, then lab:join again`,
    };
  }
  // memberlist's own words when TCP gets through and UDP does not (a firewall that drops UDP, either way): the node
  // then flaps between alive and failed, and so does its avatar on the page.
  if (/Was able to connect to \S+ over TCP but UDP probes failed/i.test(log)) {
    return {
      cause: 'udp',
      line: `gossip over UDP does not get through (TCP does): allow incoming UDP ${ctx.serfPort} on this machine, and make sure the network lets through ${ctx.portsHint}; until then your node flaps between alive and failed`,
    };
  }
  if (/EventMemberFailed: student-|Refuting a suspect message|Marking .* as failed, suspect timeout reached/i.test(log)) {
    return {
      cause: 'no-way-back',
      line: `the instructor's machines cannot reach this one back at ${ctx.address}: allow incoming TCP+UDP ${ctx.serfPort} and TCP ${ctx.apiPort} in this machine's firewall (a guest Wi-Fi that isolates clients blocks it; see the README's "Run it for a room")`,
    };
  }
  const rpc = /rpc error[^\n]*dial tcp [^\s]*?:(\d+)[^\n]*(i\/o timeout|connection refused|no route to host)/i.exec(log);
  if (rpc) {
    return {
      cause: 'rpc',
      line: `this machine joined the gossip but cannot reach a server's RPC port (TCP ${rpc[1]} on ${ctx.instructor}: ${rpc[2]}): your network must let through ${ctx.portsHint}`,
    };
  }
  if (/(couldn't join|Failed to join)[^\n]*(i\/o timeout|connection refused|no route to host|network is unreachable)/i.test(log)) {
    return {
      cause: 'unreachable',
      line: `this machine's agent cannot reach the instructor's Consul servers: your network must let through ${ctx.portsHint} (a guest Wi-Fi that isolates clients blocks it)`,
    };
  }
  if (/No cluster leader/i.test(log)) {
    return {
      cause: 'no-leader',
      line: `the instructor's cluster has no leader right now (servers down?): ask the instructor (npm run lab:status there)`,
    };
  }
  return undefined;
}

/** workshop-api's log: the same token and gossip reasons seen from the API's registration. */
export function diagnoseApiLog(log: string, ctx: DiagnosisContext): Diagnosis | undefined {
  const d = diagnoseAgentLog(log, ctx);
  return d && d.cause === 'token' ? d : undefined;
}
