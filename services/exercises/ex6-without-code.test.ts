// Exercise 6 (ex6-without-code.ts) on states built like a running lab's (testdata/labFacts.ts).
import { expectFail, expectPass, failures, healthyLab } from './testdata/labFacts';

const DONE = {
  inventoryDb: [
    { id: 'inventory-db', by: 'agent-config', status: 'passing' as const },
    { id: 'inventory-db-by-hand', by: 'hand', status: 'passing' as const },
  ],
  lastDie: {
    serviceId: 'workshop-api-b3',
    exitCode: 137,
    ms: 42.4,
    deregisteredAt: '2026-12-07T02:00:00.000Z',
    eventAt: 'x',
    container: 'c',
  },
};

describe('6: registration without code', () => {
  test('passes once all happened: agent-defined, by hand, the registrator killed api-b3 and its die event took it out', () => {
    const r = expectPass('6', healthyLab(DONE));
    expect(r.checks.map((c) => c.label)).toContain(
      "a hard kill of api-b3 left the catalog through Docker's die event, not a health check (deregistered 42 ms after the event, exit 137)",
    );
  });

  test('passes with api-b3 back (registered by the registrator) after its death was recorded', () => {
    expectPass('6', healthyLab({ ...DONE, apiB3: 'passing' }));
  });

  test('a fresh lab: the agent-defined one passes; the rest each says its command', () => {
    const f = failures(expectFail('6', healthyLab()));
    expect(f).toEqual([
      expect.stringMatching(
        /by hand .* — `docker compose exec host-b-agent consul services register -name=inventory-db -id=inventory-db-by-hand/,
      ),
      expect.stringMatching(/registered by the registrator .* — start the registrator and api-b3: `npm run lab:up -- --registrator`/),
      expect.stringMatching(/die event.* — kill it hard: `npm run lab:kill-api -- api-b3 --hard`/),
    ]);
  });

  test('inventory-db down: its agent-defined check fails, the one registered by hand stays (no check: the lesson)', () => {
    const f = failures(
      expectFail(
        '6',
        healthyLab({
          ...DONE,
          inventoryDb: [
            { id: 'inventory-db', by: 'agent-config', status: 'critical' },
            { id: 'inventory-db-by-hand', by: 'hand', status: 'critical' },
          ],
        }),
      ),
    );
    expect(f).toEqual([expect.stringMatching(/its TCP check is not passing\) — inventory-db is not answering on 6380/)]);
  });

  test('api-b3 registered by someone else is not the registrator', () => {
    const f = failures(expectFail('6', healthyLab({ ...DONE, apiB3: 'passing', apiB3By: 'hand' })));
    expect(f).toEqual([expect.stringMatching(/is registered, but not by the registrator/)]);
  });
});
