/*
 * README "7. Connect: mutual TLS and intentions": inventory-client on host-a reaches inventory-db on host-b only
 * through two sidecar proxies (Consul's built-in proxy), with certificates from Connect's CA; an intention that
 * denies inventory-client → inventory-db makes inventory-db's proxy refuse the next connection, and allowing it
 * again lets it through.
 */
import { check, CheckResult, on, on2 } from './check';
import { CONNECT_CLIENT_SERVICE, ConnectClientFact, INVENTORY_DB_SERVICE, LabFacts, SIDECAR_SUFFIX } from './facts';

const CA = "Connect's CA roots";
const SIDECARS = "Consul's sidecar proxies";
const INTENTION = 'the intention inventory-client → inventory-db';
const CLIENT = "inventory-client's requests (docker compose logs inventory-client)";
export const DENY = '`docker compose exec host-a-agent consul intention create -deny inventory-client inventory-db`';
export const ALLOW = '`docker compose exec host-a-agent consul intention create -allow -replace inventory-client inventory-db`';
/** The client's error when a proxy accepted the connection and closed it without an answer (inventory-client). */
const CLOSED = 'closed without a reply';

/** The last few requests all went through. */
function passingNow(c: ConnectClientFact): boolean {
  const last = c.requests.slice(-3);
  return last.length > 0 && last.every((r) => r.ok);
}

/** Refused by a proxy, then through again: the client's history has a refusal followed by a success. */
function refusedThenThrough(c: ConnectClientFact): boolean {
  const refused = c.requests.findIndex((r) => !r.ok && r.error.includes(CLOSED));
  return refused >= 0 && c.requests.slice(refused).some((r) => r.ok);
}

export function connectExercise(f: LabFacts): CheckResult[] {
  const caLabel = "Connect's CA is active";
  const sidecarLabel = 'both sidecar proxies registered and passing (inventory-db on host-b, inventory-client on host-a)';
  const throughLabel = 'inventory-client reaches inventory-db through its upstream (127.0.0.1:16380 → mutual TLS → host-b)';
  const denyLabel = "a deny intention made inventory-db's proxy refuse the client, and allowing it again let it through";
  const tlsLabel = "between the hosts it is TLS, with inventory-db's certificate from Connect's CA; plain text is refused";
  return [
    on(f.connectCa, CA, caLabel, (ca) =>
      check(
        ca !== null,
        ca ? `${caLabel} (${ca.activeRoot}, trust domain ${ca.trustDomain})` : caLabel,
        'the servers enable Connect in consul/server.hcl: `npm run lab:up`',
      ),
    ),
    on(f.sidecars, SIDECARS, sidecarLabel, (sidecars) => {
      const missing = [INVENTORY_DB_SERVICE, CONNECT_CLIENT_SERVICE]
        .map((s) => `${s}${SIDECAR_SUFFIX}`)
        .filter((name) => !sidecars.some((i) => i.service === name && i.passing));
      return check(
        missing.length === 0,
        missing.length ? `${sidecarLabel} (not passing: ${missing.join(', ')})` : sidecarLabel,
        'start the proxies: `docker compose up -d inventory-db-proxy inventory-client-proxy`',
      );
    }),
    on2(f.connectClient, CLIENT, f.intention, INTENTION, throughLabel, (client, intention) => {
      const ok = passingNow(client);
      const last = client.requests[client.requests.length - 1];
      return check(
        ok,
        ok || !last ? throughLabel : `${throughLabel} (now: ${last.error})`,
        intention?.action === 'deny'
          ? `an intention denies it: allow it again, ${ALLOW}`
          : 'is inventory-db up? `docker compose ps inventory-db inventory-db-proxy`',
      );
    }),
    on2(f.connectClient, CLIENT, f.intention, INTENTION, denyLabel, (client, intention) => {
      if (intention === null) return check(false, `${denyLabel} (no intention yet)`, `deny it: ${DENY}`);
      if (intention.action === 'deny')
        return check(
          false,
          `${denyLabel} (denied now)`,
          refusedThenThrough(client) ? `allow it again: ${ALLOW}` : `watch \`docker compose logs -f inventory-client\`, then ${ALLOW}`,
        );
      return check(
        refusedThenThrough(client),
        denyLabel,
        `the client has not been refused since it started: deny it (${DENY}), watch it fail, then ${ALLOW}`,
      );
    }),
    on2(f.connectClient, CLIENT, f.connectCa, CA, tlsLabel, (client, ca) => {
      const t = client.tls;
      const spiffe = ca ? `spiffe://${ca.trustDomain}/` : undefined;
      const ok =
        t !== null &&
        spiffe !== undefined &&
        t.ok &&
        t.uri.startsWith(spiffe) &&
        t.uri.endsWith(`/svc/${INVENTORY_DB_SERVICE}`) &&
        !t.plainAnswered;
      return check(
        ok,
        ok ? `${tlsLabel} (${t.uri}, issued by ${t.issuer}${t.refused ? '; no client certificate, no entry' : ''})` : tlsLabel,
        t === null
          ? 'inventory-client probes the sidecar every 5 s: wait, or `docker compose logs inventory-client`'
          : t.plainAnswered
            ? "inventory-db answered plain text on the sidecar's port: is something else on 21000?"
            : `the sidecar presented ${t.uri || 'no certificate'}: \`docker compose restart inventory-db-proxy\``,
      );
    }),
  ];
}
