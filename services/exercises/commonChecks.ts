/*
 * The checks (and hints) more than one exercise runs: a raft leader, all workshop instances passing, the page
 * matching Consul, /api/ answering, the demo client's recent requests. A check only one exercise runs stays in
 * that exercise's file.
 */
import { check, CheckResult, hostOf, names, on, on2, PAGE, passingIds, serfOf, WORKSHOP } from './check';
import { DemoRequestFact, InstanceFact, isWorkshopNodeCheck, LAB_WORKSHOP_INSTANCES, LabFacts, LabHostName } from './facts';

/** How many of the demo client's most recent requests the checks judge. */
export const RECENT_REQUESTS = 20;

export const START_SERVERS = '`docker compose start consul-server-1 consul-server-2 consul-server-3`';

/** How to bring a host's agent back, whichever way it went down. */
export const RESTORE_AGENT: Record<LabHostName, string> = {
  'host-a': '`docker compose start host-a-agent` (or `npm run lab:partition -- --heal host-a` if it was cut off by hand)',
  'host-b': '`npm run lab:partition -- --heal host-b` or `npm run lab:kill-agent -- --restore host-b`',
};

export const TEMPLATE_LAG = 'consul-template re-renders within a second or two: run again; if it stays, `docker compose logs nginx`';

export function leaderCheck(f: LabFacts): CheckResult {
  return on(f.raft, "Consul's raft state", 'Consul has a raft leader', (r) =>
    check(r.leader !== null, 'Consul has a raft leader', `no leader: a majority of the 3 servers must run — ${START_SERVERS}`),
  );
}

/** Why workshop instances may be out: a critical node-level workshop check or a failed host says more than "restore". */
function workshopRestoreHint(f: LabFacts, missing: string[], instances: InstanceFact[]): string {
  const nodeChecks = f.nodeChecks.ok ? f.nodeChecks.value : [];
  const poisoned = nodeChecks.filter((c) => isWorkshopNodeCheck(c.checkId) && c.status !== 'passing');
  if (poisoned.length)
    return `a critical node-level check (${poisoned.map((c) => c.checkId).join(', ')}) takes its host down: \`npm run lab:restore-api\`, then \`npm run lab:up\``;
  const failedHosts = [...new Set(missing.map((id) => hostOf(id, instances)))].filter(
    (h): h is LabHostName => (h === 'host-a' || h === 'host-b') && serfOf(nodeChecks, h)?.status === 'critical',
  );
  if (failedHosts.length) return `${failedHosts.join(' and ')}'s agent is down: ${failedHosts.map((h) => RESTORE_AGENT[h]).join('; ')}`;
  return '`npm run lab:restore-api` brings stopped instances back';
}

export function allWorkshopPassingCheck(f: LabFacts): CheckResult {
  const label = `all ${LAB_WORKSHOP_INSTANCES.length} workshop instances passing`;
  return on(f.workshop, WORKSHOP, label, (instances) => {
    const passing = passingIds(instances);
    const missing = LAB_WORKSHOP_INSTANCES.map((w) => w.id).filter((id) => !passing.has(id));
    return check(
      missing.length === 0,
      missing.length ? `${label} (not: ${names(missing)})` : label,
      workshopRestoreHint(f, missing, instances),
    );
  });
}

export function pageMatchesCheck(f: LabFacts): CheckResult {
  const label = 'the Nginx page shows exactly the passing workshop instances';
  return on2(f.page, PAGE, f.workshop, WORKSHOP, label, (page, instances) => {
    const passing = passingIds(instances);
    const extra = page.tiles.filter((t) => !passing.has(t));
    const lacking = [...passing].filter((id) => !page.tiles.includes(id)).sort();
    const diff = [extra.length ? `shows ${names(extra)} (not passing)` : '', lacking.length ? `lacks ${names(lacking)}` : '']
      .filter(Boolean)
      .join(', ');
    return check(diff === '', label, `the page ${diff}: ${TEMPLATE_LAG}`);
  });
}

const API = "Nginx's /api/";

export function apiCheck(f: LabFacts, label = '/api/ answers 200 through Nginx'): CheckResult {
  return on(f.api, API, label, (status) =>
    check(
      status === 200,
      status === 200 ? label : `${label} (HTTP ${status})`,
      status === 503
        ? 'no workshop instance passes, so Nginx has none to send it to: `npm run lab:restore-api`'
        : 'see `docker compose logs nginx`',
    ),
  );
}

const CLIENT = "the demo client's requests";

/** The last RECENT_REQUESTS requests, or a failing check when fewer were read. */
export function recentRequests(f: LabFacts, label: string, fn: (last: DemoRequestFact[]) => CheckResult): CheckResult {
  return on(f.demo, CLIENT, label, (reqs) => {
    const last = reqs.slice(-RECENT_REQUESTS);
    if (last.length < RECENT_REQUESTS)
      return check(
        false,
        `${label} (only ${last.length} read)`,
        'is demo-client running and logging one JSON line per request? `docker compose logs demo-client`',
      );
    return fn(last);
  });
}
