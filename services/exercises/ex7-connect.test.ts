// Exercise 7 (ex7-connect.ts) on states built like a running lab's (testdata/labFacts.ts).
import { expectFail, expectPass, failures, GOOD_TLS, healthyLab } from './testdata/labFacts';

const REFUSED = 'closed without a reply';
const DONE = { intention: 'allow' as const, requests: [true, true, REFUSED, REFUSED, true, true, true] as Array<true | string> };

describe('7: Connect, mutual TLS and intentions', () => {
  test('passes once denied, refused, allowed and through again, with the sidecar presenting a Connect certificate', () => {
    const r = expectPass('7', healthyLab({ connect: DONE }));
    expect(r.checks.map((c) => c.label)).toContain(
      "between the hosts it is TLS, with inventory-db's certificate from Connect's CA; plain text is refused (spiffe://e9874775-e16d-33de-389c-400ac815d0a1.consul/ns/default/dc/dc1/svc/inventory-db, issued by Consul CA 7; no client certificate, no entry)",
    );
  });

  test('a fresh lab: it works; the intention step says how to deny', () => {
    expect(failures(expectFail('7', healthyLab()))).toEqual([
      expect.stringMatching(
        /\(no intention yet\) — deny it: `docker compose exec host-a-agent consul intention create -deny inventory-client inventory-db`/,
      ),
    ]);
  });

  test('while denied: the client is refused, and both hints say how to allow it again', () => {
    const f = failures(expectFail('7', healthyLab({ connect: { intention: 'deny', requests: [true, REFUSED, REFUSED, REFUSED] } })));
    expect(f).toEqual([
      expect.stringMatching(
        /\(now: closed without a reply\) — an intention denies it: allow it again, `docker compose exec host-a-agent consul intention create -allow -replace/,
      ),
      expect.stringMatching(/\(denied now\) — watch `docker compose logs -f inventory-client`, then/),
    ]);
  });

  test('allowed without ever having been refused is not the lesson yet', () => {
    expect(failures(expectFail('7', healthyLab({ connect: { intention: 'allow' } })))).toEqual([
      expect.stringMatching(/has not been refused since it started/),
    ]);
  });

  test('a sidecar down, no CA, or a probe that got plain text through each fail with their own hint', () => {
    expect(failures(expectFail('7', healthyLab({ connect: { ...DONE, sidecars: { 'inventory-db': 'critical' } } })))).toEqual([
      expect.stringMatching(/not passing: inventory-db-sidecar-proxy\) — start the proxies/),
    ]);
    expect(failures(expectFail('7', healthyLab({ connect: { ...DONE, ca: false } })))).toEqual([
      expect.stringMatching(/^Connect's CA is active — /),
      expect.stringMatching(/plain text is refused — /),
    ]);
    expect(failures(expectFail('7', healthyLab({ connect: { ...DONE, tls: { ...GOOD_TLS, plainAnswered: true } } })))).toEqual([
      expect.stringMatching(/answered plain text/),
    ]);
    expect(
      failures(
        expectFail(
          '7',
          healthyLab({ connect: { ...DONE, tls: { ...GOOD_TLS, uri: 'spiffe://other.consul/ns/default/dc/dc1/svc/inventory-db' } } }),
        ),
      ),
    ).toEqual([expect.stringMatching(/the sidecar presented spiffe:\/\/other.consul/)]);
  });
});
