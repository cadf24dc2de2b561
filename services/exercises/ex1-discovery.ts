/*
 * README "1. Discovery and high availability with consul-demo": close the lone demo server's restart gap (a
 * second server, or one restarting make-before-break), so the client's requests all succeed on the first try,
 * found both by DNS and by HTTP.
 */
import { CONSUL_DEMO_META, MAKE_BEFORE_BREAK } from '../shared/names';
import { check, CheckResult, DEMO, on2 } from './check';
import { RECENT_REQUESTS, recentRequests } from './commonChecks';
import { LabFacts } from './facts';

export function discovery(f: LabFacts): CheckResult[] {
  const serversLabel = 'the restart gap is closed: two or more demo servers, or one restarting make-before-break';
  return [
    // consul-demo registers its restart mode in Meta.restart_mode (its registration.ts); the modes: services/shared/names.ts.
    on2(f.demoServersPassing, DEMO, f.consulDemo, DEMO, serversLabel, (servers, instances) => {
      const mbb = instances.some((i) => i.passing && i.meta[CONSUL_DEMO_META.restartMode] === MAKE_BEFORE_BREAK);
      const ok = servers.length >= 2 || mbb;
      return check(
        ok,
        `${serversLabel} (${servers.length >= 2 ? `${servers.length} servers` : mbb ? 'make-before-break' : `${servers.length} server, break-before-make`})`,
        'add a second server: `npm run lab:scale-server` (or close the gap of one: `npm run lab:up -- --restart-mode make-before-break`)',
      );
    }),
    recentRequests(f, `the demo client's last ${RECENT_REQUESTS} requests all succeeded on the first try`, (last) => {
      const label = `the demo client's last ${RECENT_REQUESTS} requests all succeeded on the first try`;
      const firstTry = last.filter((r) => r.ok && r.attempts <= 1).length;
      return check(
        firstTry === last.length,
        firstTry === last.length ? label : `${label} (${firstTry} of ${last.length})`,
        'requests still land in a restart gap: run a second server (`npm run lab:scale-server`) or make-before-break, and wait ~20 s',
      );
    }),
    recentRequests(f, 'the client found the server both by DNS and by HTTP', (last) => {
      const seen = new Set(last.map((r) => r.discovery));
      const label = 'the client found the server both by DNS and by HTTP';
      const ok = seen.has('dns') && seen.has('http');
      return check(
        ok,
        ok ? label : `${label} (only ${[...seen].join(', ') || 'none'})`,
        'the client alternates DNS and HTTP discovery by default: check its flags (`docker compose logs demo-client`)',
      );
    }),
  ];
}
