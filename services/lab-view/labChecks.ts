/*
 * The checklist panel's provider in the lab: the same checks as `npm run lab:check`, over facts read by HTTP
 * only (host-a's agent, Nginx on host-a's loopback, the demo client's /results): no Docker socket needed.
 */
import { consulUrl, type ConsulHttpAddress } from '../shared/consulAddress';
import { EXERCISES, checkExercise, demoRequestsFromResults, gatherFacts } from '../shared/exercises';
import type { ChecksProvider } from './checks';

export interface LabChecksOptions {
  consulHttp: ConsulHttpAddress;
  /** Nginx's page as this process reaches it, e.g. http://127.0.0.1:80 inside host-a. */
  nginxUrl: string;
  /** The demo client's results endpoint; without it the demo checks say they could not read it. */
  demoResults?: string;
}

export function labChecksProvider(opts: LabChecksOptions): ChecksProvider {
  return async () => {
    const facts = await gatherFacts({
      consulUrl: consulUrl(opts.consulHttp),
      nginxUrl: opts.nginxUrl,
      demoRequests: async () => {
        if (!opts.demoResults) throw new Error('no demo client results endpoint configured (--demo-results)');
        const res = await fetch(opts.demoResults, { signal: AbortSignal.timeout(2000) });
        if (!res.ok) throw new Error(`demo client results: HTTP ${res.status}`);
        return demoRequestsFromResults(await res.json());
      },
    });
    return EXERCISES.map((e) => checkExercise(e.id, facts));
  };
}
