import fc from 'fast-check';
import type Docker from 'dockerode';
import type { LabConsul, ServiceInstance } from '../consul/labConsul';
import { Timeline } from '../term/timeline';
import {
  expectedHostEvents,
  loadHostWatch,
  markAlready,
  otherHostsLines,
  hostDownEvents,
  hostUpEvents,
  HostSides,
  nodeChecksReader,
  parseNodeChecks,
  passingByNode,
  pendingHostSides,
  serfStatus,
  snapshotHost,
  timedHostEvents,
  unitsOn,
  WatchedHost,
  watchedHostFrom,
  watchHost,
} from './hostWatch';

function inst(id: string, node: string, service = 'workshop', port = 8081): ServiceInstance {
  const ip = node === 'host-a' ? '10.0.0.21' : '10.0.0.22';
  return {
    id,
    service,
    address: ip,
    port,
    tags: [],
    meta: service === 'workshop' ? { name: id.replace('workshop-', '') } : {},
    node,
    status: 'passing',
  };
}

const b1 = inst('workshop-api-b1', 'host-b');
const b2 = inst('workshop-api-b2', 'host-b', 'workshop', 8082);
const demoB = inst('consul-demo-host-b-1', 'host-b', 'consul-demo', 34000);
const a1 = inst('workshop-api-a1', 'host-a');

const w: WatchedHost = {
  name: 'host-b',
  agent: { id: 'agent1', name: 'lab-host-b-agent-1' },
  workshop: [
    { name: 'api-b1', serviceId: 'workshop-api-b1', address: '10.0.0.22:8081' },
    { name: 'api-b2', serviceId: 'workshop-api-b2', address: '10.0.0.22:8082' },
  ],
  expectedBack: 3,
};

describe('node checks', () => {
  const raw = [
    { Node: 'host-b', CheckID: 'serfHealth', Status: 'critical', ServiceID: '' },
    { Node: 'host-b', CheckID: 'service:workshop-api-b1', Status: 'passing', ServiceID: 'workshop-api-b1' },
  ];
  it('parses /v1/health/node and reads the serfHealth verdict', () => {
    const checks = parseNodeChecks(raw);
    expect(checks[1]).toEqual({ checkId: 'service:workshop-api-b1', status: 'passing', serviceId: 'workshop-api-b1' });
    expect(serfStatus(checks)).toBe('critical');
    expect(serfStatus([])).toBe('absent');
    expect(parseNodeChecks(null)).toEqual([]);
  });
  it('reads odd entries through the gateway\'s checksSchema: a field that is not text reads "", never hides the rest', () => {
    expect(parseNodeChecks(['junk', { CheckID: 'serfHealth', Status: 7 }, ...raw])).toEqual([
      { checkId: '', status: '', serviceId: '' },
      { checkId: 'serfHealth', status: '', serviceId: '' },
      { checkId: 'serfHealth', status: 'critical', serviceId: '' },
      { checkId: 'service:workshop-api-b1', status: 'passing', serviceId: 'workshop-api-b1' },
    ]);
    expect(parseNodeChecks({ CheckID: 'serfHealth' })).toEqual([]);
  });
  it('whatever the answer, one check of text fields per entry of a list, none otherwise', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (answer) => {
        const checks = parseNodeChecks(answer);
        expect(checks).toHaveLength(Array.isArray(answer) ? answer.length : 0);
        for (const c of checks) for (const v of [c.checkId, c.status, c.serviceId]) expect(typeof v).toBe('string');
      }),
    );
  });
  it('reads them through the consul client, and names Consul when it fails', async () => {
    const ok = { health: { node: async (n: string) => (n === 'host-b' ? raw : []) } };
    expect(serfStatus(await nodeChecksReader(ok as never, 'http://127.0.0.1:8500')('host-b'))).toBe('critical');
    const down = { health: { node: async () => Promise.reject(new Error('connect ECONNREFUSED\nstack')) } };
    await expect(nodeChecksReader(down as never, 'http://127.0.0.1:8500')('host-b')).rejects.toThrow(
      'Consul at http://127.0.0.1:8500 (health/node/host-b): connect ECONNREFUSED',
    );
  });
});

describe('watchedHostFrom', () => {
  it("follows the host's instances whose own checks pass, and its workshop instances for Nginx", () => {
    const checks = parseNodeChecks([
      { CheckID: 'serfHealth', Status: 'critical', ServiceID: '' },
      { CheckID: 'service:workshop-api-b1', Status: 'passing', ServiceID: 'workshop-api-b1' },
      { CheckID: 'service:workshop-api-b2', Status: 'critical', ServiceID: 'workshop-api-b2' },
      { CheckID: 'service:consul-demo-host-b-1', Status: 'passing', ServiceID: 'consul-demo-host-b-1' },
    ]);
    const got = watchedHostFrom('host-b', [a1, b1, b2, demoB], checks);
    expect(got.expectedBack).toBe(2); // b2 was failing on its own: it is not expected back
    expect(got.workshop).toEqual([{ name: 'api-b1', serviceId: 'workshop-api-b1', address: '10.0.0.22:8081' }]);
  });
});

describe('hostDownEvents / hostUpEvents', () => {
  it('sees nothing while the host is fine', () => {
    const fine = {
      agent: { running: true },
      serf: 'passing' as const,
      passing: [b1, b2, demoB, a1],
      upstream: ['10.0.0.22:8081', '10.0.0.22:8082'],
      page: ['workshop-api-b1', 'workshop-api-b2'],
      at: {},
    };
    expect(hostDownEvents(fine, w)).toEqual([]);
    expect(hostUpEvents(fine, w).map((e) => e.key)).toEqual(['running', 'serf', 'consul', 'upstream', 'page']);
  });
  it('reports each side that dropped the host', () => {
    const gone = {
      agent: { running: false, exitCode: 137 },
      serf: 'critical' as const,
      passing: [a1],
      upstream: ['10.0.0.21:8081'],
      page: ['workshop-api-a1'],
      at: {},
    };
    expect(hostDownEvents(gone, w)).toEqual([
      { key: 'stopped', label: "host-b's agent container stopped (exit code 137)" },
      { key: 'serf', label: "host-b's agent marked failed by the servers (serfHealth critical)" },
      { key: 'consul', label: "every service on host-b out of Consul's passing set" },
      { key: 'upstream', label: "host-b's workshop instances gone from the Nginx upstream" },
      { key: 'page', label: "host-b's workshop instances gone from the Nginx page" },
    ]);
    expect(hostUpEvents(gone, w)).toEqual([]);
  });
  it('is not fooled by part of the host: one instance left is not "gone", one back is not "back"', () => {
    const half = { serf: 'passing' as const, passing: [b1, a1], upstream: ['10.0.0.22:8081'], page: ['api-b1'], at: {} };
    expect(hostDownEvents(half, w)).toEqual([]);
    expect(hostUpEvents(half, w).map((e) => e.key)).toEqual(['serf']);
  });
  it('judges nothing from a side that could not be read', () => {
    expect(hostDownEvents({ at: {} }, w)).toEqual([]);
    expect(hostUpEvents({ at: {} }, w)).toEqual([]);
  });
  it('expects Nginx events only when the host has workshop instances', () => {
    expect(expectedHostEvents({ ...w, workshop: [] }, 'down', true).map((e) => e.key)).toEqual(['stopped', 'serf', 'consul']);
    expect(expectedHostEvents({ ...w, agent: undefined }, 'up', false).map((e) => e.key)).toEqual(['serf', 'consul', 'page']);
    expect(expectedHostEvents(w, 'up', true)[2]!.label).toBe("host-b's services back in Consul's passing set (3 instances)");
  });
});

describe('unitsOn', () => {
  it('counts each workshop instance, and each demo server process once whatever its incarnations', () => {
    const old = inst('consul-demo-host-b-7-aa11-4', 'host-b', 'consul-demo', 34001);
    const next = inst('consul-demo-host-b-7-aa11-5', 'host-b', 'consul-demo', 34002);
    const other = inst('consul-demo-host-b-8-bb22-1', 'host-b', 'consul-demo', 34003);
    // A make-before-break handover: two incarnations of one process are one unit.
    expect(unitsOn([b1, b2, old, next], 'host-b')).toBe(3);
    expect(unitsOn([b1, b2, next], 'host-b')).toBe(3);
    expect(unitsOn([b1, b2, old, other], 'host-b')).toBe(4);
    expect(unitsOn([b1, inst('workshop-api-a1', 'host-a')], 'host-b')).toBe(1);
  });
});

describe('passingByNode', () => {
  it('counts passing instances per node', () => {
    expect(passingByNode([a1, b1, b2])).toEqual(
      new Map([
        ['host-a', 1],
        ['host-b', 2],
      ]),
    );
  });
});

describe('timing', () => {
  it('times each event by the answer that showed it', () => {
    const s = { at: { serf: 1_500, page: 1_900 } };
    const got = timedHostEvents(
      [
        { key: 'page', label: 'p' },
        { key: 'serf', label: 's' },
        { key: 'consul', label: 'c' },
      ],
      s,
      (x) => x - 1000,
      999,
    );
    expect(got.map((e) => [e.key, e.atMs])).toEqual([
      ['serf', 500],
      ['page', 900],
      ['consul', 999],
    ]);
  });
  it('asks only the sides of pending events', () => {
    const t = new Timeline();
    t.mark('disconnected', 'cut', 0);
    t.expect('serf', 's').expect('page', 'p').expect('stopped', 'x');
    t.mark('page', 'p', 5);
    expect([...pendingHostSides(t)].sort()).toEqual(['agent', 'serf']);
  });
});

describe('snapshotHost + watchHost against fake sides', () => {
  function sides(round: () => number): HostSides {
    const consul = {
      instances: async (service: string) => (round() < 2 ? [b1, b2, demoB, a1] : [a1]).filter((i) => i.service === service),
    } as unknown as LabConsul;
    const docker = {
      getContainer: (id: string) => ({
        inspect: async () => {
          if (id === 'agent1') return { State: { Running: round() < 1, ExitCode: 137 } };
          throw new Error('unexpected');
        },
        exec: async () => Promise.reject(new Error('no exec in this test')),
      }),
    } as unknown as Docker;
    return {
      docker,
      consul,
      nginxUrl: 'http://127.0.0.1:1', // nothing listens: the page side is never read
      nginxContainerId: 'nginx1', // exec fails: the upstream side is never read
      nodeChecks: async () => [{ checkId: 'serfHealth', status: round() < 1 ? 'passing' : 'critical', serviceId: '' }],
    };
  }

  it('leaves unreadable sides undefined', async () => {
    const s = await snapshotHost(
      sides(() => 5),
      w,
      new Set(['agent', 'serf', 'consul', 'upstream', 'page']),
    );
    expect(s.agent).toEqual({ running: false, exitCode: 137 });
    expect(s.serf).toBe('critical');
    expect(s.passing).toEqual([a1]);
    expect(s.upstream).toBeUndefined();
    expect(s.page).toBeUndefined();
    expect(Object.keys(s.at).sort()).toEqual(['agent', 'consul', 'serf']);
  });

  it('marks events as rounds show them, until done', async () => {
    let rounds = 0;
    const t = new Timeline();
    t.mark('sent', 'SIGKILL sent', 0);
    for (const e of expectedHostEvents({ ...w, workshop: [] }, 'down', false)) t.expect(e.key, e.label);
    const seen: string[] = [];
    const s = sides(() => rounds++ / 4); // 4 side reads per round: agent, serf, consul (x2 services)
    await watchHost(s, t, { ...w, workshop: [] }, hostDownEvents, { timeoutMs: 5000, pollMs: 1, onEvent: (_, l) => seen.push(l) });
    expect(t.done()).toBe(true);
    expect(seen).toEqual([
      "host-b's agent container stopped (exit code 137)",
      "host-b's agent marked failed by the servers (serfHealth critical)",
      "every service on host-b out of Consul's passing set",
    ]);
  });
});

describe('markAlready', () => {
  it('marks pending events already true at 0 with the note, never the action itself', () => {
    const t = new Timeline();
    t.expect('stopped', 'x').expect('serf', 's').expect('page', 'p');
    const lines: string[] = [];
    const got = markAlready(
      t,
      [
        { key: 'stopped', label: 'x' },
        { key: 'page', label: 'gone' },
      ],
      'already before',
      (ms, l) => lines.push(`${ms} ${l}`),
    );
    expect(got.map((e) => e.key)).toEqual(['page']);
    expect(lines).toEqual(['0 gone (already before)']);
    expect(t.has('stopped')).toBe(false);
  });
});

describe('otherHostsLines', () => {
  it('confirms the other hosts stayed passing, or says they did not', () => {
    const before = new Map([['host-a', 5]]);
    expect(otherHostsLines(['host-a'], before, new Map([['host-a', 5]]))).toEqual([
      "host-a's services stayed passing (5 passing instances before, 5 after)",
    ]);
    expect(otherHostsLines(['host-a'], before, new Map())[0]).toMatch(
      /^host-a has fewer passing instances than before \(5 before, 0 after\)/,
    );
    expect(otherHostsLines(['host-a'], before, undefined)[0]).toBe('host-a: 5 passing instances before; Consul did not answer afterwards');
  });
});

describe('loadHostWatch', () => {
  it('joins registrations, node checks and passing counts', async () => {
    const consul = {
      instances: async (service: string, o: { passingOnly?: boolean } = {}) =>
        [a1, b1, demoB].filter((i) => i.service === service && (!o.passingOnly || i.node === 'host-a')),
    } as unknown as LabConsul;
    const got = await loadHostWatch({ docker: {} as Docker, consul, nginxUrl: 'x' }, async () => [], 'host-b');
    expect(got.watched.expectedBack).toBe(2);
    expect(got.watched.workshop.map((i) => i.name)).toEqual(['api-b1']);
    expect(got.passingBefore).toEqual(new Map([['host-a', 1]]));
  });
});
