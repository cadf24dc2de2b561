import type Docker from 'dockerode';
import type { ClientRequest } from '../demo/clientLog';
import type { ComposeOptions } from '../docker/compose';
import type { LabConsul } from '../consul/labConsul';
import type { LabContainer } from '../docker/labContainers';
import type { Lab } from '../lab/openLab';
import { fakeCommandIo } from '../lab/testdata/fakeCommandIo';
import { classroomScaleEnv, scaleLine, scaleServer, scaleSteps, trafficLines, type ScaleServerDeps } from './scaleServer';

describe('scaleLine', () => {
  const range: [number, number] = [5000, 10000];
  it('says what will be done, and why staggered', () => {
    expect(scaleLine(2, 2, true, range)).toBe('demo-server already has 2 running replicas.');
    expect(scaleLine(1, 1, true, range)).toBe('demo-server already has 1 running replica.');
    expect(scaleLine(3, 1, true, range)).toBe('Scaling demo-server down from 3 to 1 (the removed servers deregister on the way out)');
    expect(scaleLine(1, 3, true, range)).toBe(
      "Scaling demo-server from 1 to 3, one replica at a time 6.0 s apart: each restarts after a random 5.0 s-10.0 s, so the next one's first restart comes after the previous one's can",
    );
    expect(scaleLine(1, 2, true, range)).toBe(
      'Scaling demo-server from 1 to 2: one new replica, nothing to stagger (the running server restarts after a random 5.0 s-10.0 s on its own schedule)',
    );
    expect(scaleLine(2, 3, true, range)).toContain('(the running servers restart after a random 5.0 s-10.0 s on their own schedule)');
    expect(scaleLine(1, 3, false, range)).toBe(
      'Scaling demo-server from 1 to 3, all at once (--no-stagger): their first restarts come from the same window and can line up',
    );
  });
});

describe('scaleSteps', () => {
  it('adds one replica at a time when staggered, else goes straight to the target', () => {
    expect(scaleSteps(1, 4, true)).toEqual([2, 3, 4]);
    expect(scaleSteps(1, 4, false)).toEqual([4]);
  });
});

describe('classroomScaleEnv', () => {
  it("hands a new replica its siblings' classroom token, and nothing outside classroom mode", () => {
    expect(classroomScaleEnv(['PATH=/bin', 'CONSUL_HTTP_TOKEN=s3cr3t'])).toEqual({ LAB_CLASSROOM_DEMO_TOKEN: 's3cr3t' });
    expect(classroomScaleEnv(['CONSUL_HTTP_TOKEN='])).toEqual({});
    expect(classroomScaleEnv([])).toEqual({});
  });
});

/** A successful request of the demo client through HTTP discovery, to one incarnation of one server on host-b. */
const where = { serviceId: 'consul-demo-host-b-7-aa11-1', address: '10.213.50.22', port: 34001 };
const req = (over: Partial<ClientRequest>): ClientRequest => ({
  ...{ ts: 1, discovery: 'http', protocol: 'v2', ok: true, attempts: 1, latencyMs: 3, error: null, ...where },
  ...over,
});

describe('trafficLines', () => {
  it('tables the traffic per server process and sums it up', () => {
    const lines = trafficLines(
      [
        req({}),
        req({ serviceId: 'consul-demo-host-b-7-aa11-2', port: 34002, attempts: 2 }),
        req({ ok: false, error: 'ECONNREFUSED', ts: 2 }),
      ],
      () => 'demo-server-1',
    );
    expect(lines[0]).toMatch(/demo-server-1 +consul-demo-host-b-7-aa11 +2 +100\.0 % +2 +v2/);
    expect(lines[1]).toBe('3 requests: 2 ok (66.7 %), 1 on the first try (33.3 %), 1 failed; last failure: ECONNREFUSED');
    expect(lines[2]).toMatch(/^INCARNATIONS: /);
  });
});

describe('scaleServer', () => {
  function lab(
    servers: number,
    client = true,
    state = 'running',
  ): { lab: Lab; composed: Array<{ args: string[]; env?: Record<string, string> }>; deps: ScaleServerDeps } {
    const c = (id: string, service: string): LabContainer => ({ id, name: `lab-${id}`, service, state, labels: {} }) as LabContainer;
    let containers = [
      ...Array.from({ length: servers }, (_, i) => c(`demo-server-${i + 1}`, 'demo-server')),
      ...(client ? [c('demo-client-1', 'demo-client')] : []),
    ];
    const docker = {
      getContainer: () => ({
        inspect: async () => ({ Config: { Cmd: ['server', '--restart-every', '5s-10s'], Env: ['CONSUL_HTTP_TOKEN=class-token'] } }),
        exec: async () => Promise.reject(new Error('no exec')),
      }),
      getNetwork: () => ({ inspect: async () => Promise.reject(new Error('no network')) }),
    } as unknown as Docker;
    const composed: Array<{ args: string[]; env?: Record<string, string> }> = [];
    const l: Lab = {
      docker,
      project: 'consul-lab',
      containers,
      endpoints: {} as Lab['endpoints'],
      consul: { instances: async () => [] } as unknown as LabConsul,
      refresh: async () => (l.containers = containers),
      close: () => undefined,
    };
    const deps: ScaleServerDeps = {
      compose: async (args: string[], o: ComposeOptions) => {
        composed.push({ args, env: o.env });
        const n = Number(args[args.indexOf('--scale') + 1]!.split('=')[1]);
        containers = [
          ...containers.filter((x) => x.service !== 'demo-server').slice(0),
          ...containers.filter((x) => x.service === 'demo-server').slice(0, n),
        ];
        return { code: 0, stdout: '', stderr: '' };
      },
      clientRequests: async () => [req({})],
    };
    return { lab: l, composed, deps };
  }

  it('scales down with compose (the class token passed in its env), then shows the instances and the traffic', async () => {
    const { lab: l, composed, deps } = lab(3);
    const f = fakeCommandIo();
    expect(await scaleServer(l, { n: '1', watchMs: 15_000, stagger: true }, f.io, deps)).toBe(0);
    expect(composed).toHaveLength(1);
    expect(composed[0]!.args).toEqual(['up', '-d', '--no-deps', '--no-recreate', '--scale', 'demo-server=1', 'demo-server']);
    expect(composed[0]!.env).toEqual({ LAB_CLASSROOM_DEMO_TOKEN: 'class-token' });
    const out = f.output();
    expect(out).toMatch(
      /^Scaling demo-server down from 3 to 1 \(the removed servers deregister on the way out\)\n {2}\[ {2}0\.0 s\] 1 running\n/,
    );
    expect(out).toContain(
      "\nInstances of consul-demo in Consul now (the ID's last number and the port change on every restart; the rest names the process)\n",
    );
    expect(out).toContain("\nWatching the demo client's requests for 15.0 s...\n");
    expect(out).toMatch(/1 requests: 1 ok \(100\.0 %\), 1 on the first try \(100\.0 %\), 0 failed\nINCARNATIONS: [^\n]+\n$/);
  });

  it('changes nothing at the target already, and exits 1 without a demo client to watch', async () => {
    const { lab: l, composed, deps } = lab(2, false);
    const f = fakeCommandIo();
    expect(await scaleServer(l, { n: '2', watchMs: 15_000, stagger: true }, f.io, deps)).toBe(1);
    expect(composed).toEqual([]);
    expect(f.output()).toMatch(/^demo-server already has 2 running replicas\.\n/);
    expect(f.output()).toMatch(/\n\nNo running demo-client container: nothing to watch\.\n$/);
  });

  it('scales up from none, the class token taken from a stopped replica', async () => {
    const { lab: l, composed, deps } = lab(1, false, 'exited');
    const f = fakeCommandIo();
    expect(await scaleServer(l, { watchMs: 1_000, stagger: true }, f.io, deps)).toBe(1);
    expect(f.output()).toMatch(/^Scaling demo-server from 0 to 1: one new replica, nothing to stagger/);
    expect(composed.map((x) => [x.args[5], x.env])).toEqual([['demo-server=1', { LAB_CLASSROOM_DEMO_TOKEN: 'class-token' }]]);
  });
});
