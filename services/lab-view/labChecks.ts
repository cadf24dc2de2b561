/*
 * The checklist panel's provider in the lab: the same checks as `npm run lab:check`, over facts read by HTTP
 * only (host-a's agent, Nginx on host-a's loopback, the demo client's /results): no Docker socket needed.
 */
import { consulUrl, type ConsulHttpAddress } from '../shared/consul/address';
import {
  CLASSROOM_EXERCISE,
  ROOM_EXERCISE,
  EXERCISES,
  checkExercise,
  connectClientFromResults,
  demoRequestsFromResults,
  gatherFacts,
  type ConnectClientFact,
  type DemoRequestFact,
} from '../exercises';
import { registerSecret } from '../shared/secrets';
import type { ChecksProvider } from './checks';
import { MAX_BODY } from './demoResults';
import { readBounded } from '../shared/readBounded';

export interface LabChecksOptions {
  consulHttp: ConsulHttpAddress;
  /** Nginx's page as this process reaches it, e.g. http://127.0.0.1:80 inside host-a. */
  nginxUrl: string;
  /** The demo client's results endpoint; without it the demo checks say they could not read it. */
  demoResults?: string;
  /** inventory-client's results endpoint (exercise 7); without it its checks say they could not read it. */
  connectResults?: string;
  /** Consul's ACL token; CONSUL_HTTP_TOKEN when unset, as for the collector's client (createConsulClient). */
  consulToken?: string;
}

/** The demo client's recent requests: bounded like the collector's read, and no redirect is followed. */
export async function fetchDemoRequests(url: string, timeoutMs = 2000): Promise<DemoRequestFact[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  if (!res.ok) throw new Error(`demo client results: HTTP ${res.status}`);
  const body = await readBounded(res, MAX_BODY);
  return demoRequestsFromResults(JSON.parse(body.toString('utf8')));
}

/** inventory-client's requests and TLS probe, bounded and without redirects like the demo client's. */
export async function fetchConnectClient(url: string, timeoutMs = 2000): Promise<ConnectClientFact> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  if (!res.ok) throw new Error(`inventory-client results: HTTP ${res.status}`);
  const body = await readBounded(res, MAX_BODY);
  return connectClientFromResults(JSON.parse(body.toString('utf8')));
}

export function labChecksProvider(opts: LabChecksOptions): ChecksProvider {
  // Without the token every Consul read gets 403 when ACLs are on, and the checklist shows only failures.
  const consulToken = opts.consulToken ?? process.env.CONSUL_HTTP_TOKEN;
  // A secret: redacted from any log line or error message that quotes it.
  registerSecret(consulToken);
  const demoResults = opts.demoResults;
  const connectResults = opts.connectResults;
  return async () => {
    const facts = await gatherFacts({
      consulUrl: consulUrl(opts.consulHttp),
      nginxUrl: opts.nginxUrl,
      consulToken,
      demoRequests: async () => {
        if (!demoResults) throw new Error('no demo client results endpoint configured (--demo-results)');
        return fetchDemoRequests(demoResults);
      },
      connectClient: async () => {
        if (!connectResults) throw new Error('no inventory-client results endpoint configured (--connect-results)');
        return fetchConnectClient(connectResults);
      },
    });
    // The classroom exercise only where it can apply: a lab known to run without ACLs (not `lab:up -- --classroom`)
    // would otherwise show the projector a line that can never pass. (lab:check still answers it, with the hint.)
    const notClassroom = facts.classroom.ok && !facts.classroom.value.acls;
    // The room exercises are the view's own memory, drawn in its room section: a checklist line would repeat it.
    return EXERCISES.filter((e) => e.id !== ROOM_EXERCISE && !(notClassroom && e.id === CLASSROOM_EXERCISE)).map((e) =>
      checkExercise(e.id, facts),
    );
  };
}
