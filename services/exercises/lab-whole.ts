/*
 * `npm run lab:check` without an argument: the lab is up and whole (README "Topology: servers and hosts"): a
 * leader and 3 voters, both hosts alive, all 4 workshop instances passing and on the page, the demo client
 * succeeding. Run after `lab:up` and after undoing an exercise.
 */
import { check, CheckResult, DEMO, NODE_CHECKS, on, on2, serfOf } from './check';
import {
  allWorkshopPassingCheck,
  apiCheck,
  leaderCheck,
  pageMatchesCheck,
  RECENT_REQUESTS,
  recentRequests,
  RESTORE_AGENT,
  START_SERVERS,
} from './commonChecks';
import { LabFacts, LabHostName } from './facts';

/**
 * How many of the last RECENT_REQUESTS may fail while the lab still counts as whole: the default lab runs ONE demo
 * server, whose restart gap the client's single retry does not always bridge (README, exercise 1: one outright
 * failure every 15-30 s, more on a busy machine). Exercise 1 is where that gap has to go.
 */
export const LAB_CLIENT_FAILURES_TOLERATED = 3;

function votersCheck(f: LabFacts): CheckResult {
  const label = '3 raft voters, all alive';
  return on2(f.raft, "Consul's raft state", f.members, "Consul's members", label, (r, members) => {
    const alive = r.voters.filter((v) => members.some((m) => m.name === v && m.status === 'alive'));
    const ok = r.voters.length === 3 && alive.length === 3;
    return check(
      ok,
      ok ? label : `${label} (${alive.length} alive of ${r.voters.length} voters)`,
      `start the stopped servers: ${START_SERVERS}`,
    );
  });
}

function agentAliveCheck(f: LabFacts, host: LabHostName): CheckResult {
  const label = `${host}'s agent is alive (serfHealth passing)`;
  return on(f.nodeChecks, NODE_CHECKS, label, (checks) => {
    const serf = serfOf(checks, host);
    if (!serf) return check(false, label, `Consul has no node ${host}: is the lab up? \`npm run lab:up\``);
    return check(
      serf.status === 'passing',
      serf.status === 'passing' ? label : `${host}'s agent is alive (serfHealth is ${serf.status})`,
      `bring it back: ${RESTORE_AGENT[host]}`,
    );
  });
}

function demoServerCheck(f: LabFacts): CheckResult {
  const label = 'a consul-demo server is passing';
  return on(f.demoServersPassing, DEMO, label, (servers) => {
    const registered = f.consulDemo.ok ? f.consulDemo.value : [];
    const hint = registered.length
      ? `registered but not passing (on ${[...new Set(registered.map((i) => i.node))].join(', ')}): is that host's agent alive? \`npm run lab:status\``
      : 'none registered: start it with `docker compose start demo-server` (or `npm run lab:up`)';
    return check(servers.length >= 1, label, hint);
  });
}

function clientOkCheck(f: LabFacts): CheckResult {
  const label = `the demo client's requests succeed (at most ${LAB_CLIENT_FAILURES_TOLERATED} of the last ${RECENT_REQUESTS} failed: a lone server's restart gap)`;
  return recentRequests(f, label, (last) => {
    const failed = last.filter((r) => !r.ok).length;
    const noServer = f.demoServersPassing.ok && f.demoServersPassing.value.length === 0;
    return check(
      failed <= LAB_CLIENT_FAILURES_TOLERATED,
      failed ? `${label}: ${failed} failed` : label,
      noServer
        ? 'no demo server is passing (above): the client has nothing to find'
        : 'see why: `docker compose logs demo-client`; a second server removes the restart gap: `npm run lab:scale-server`',
    );
  });
}

export function labWhole(f: LabFacts): CheckResult[] {
  return [
    leaderCheck(f),
    votersCheck(f),
    agentAliveCheck(f, 'host-a'),
    agentAliveCheck(f, 'host-b'),
    allWorkshopPassingCheck(f),
    pageMatchesCheck(f),
    apiCheck(f),
    demoServerCheck(f),
    clientOkCheck(f),
  ];
}
