import { fakeLab } from './testdata/fakeLab';
import { labStatus, type StatusDeps } from './statusCommand';
import type { StatusReport } from './statusReport';

/** A report of a lab whose Consul did (or did not) answer; the other sections do not matter here. */
function report(consulAnswers: boolean): StatusReport {
  const down = { ok: false as const, error: 'connect ECONNREFUSED 127.0.0.1:8500' };
  return {
    project: 'consul-lab',
    consulUrl: 'http://127.0.0.1:8500',
    nginxUrl: 'http://127.0.0.1:8080',
    labViewUrl: 'http://127.0.0.1:8090',
    containers: [],
    members: consulAnswers ? { ok: true, value: [] } : down,
    leader: down,
    services: down,
    hosts: down,
    demoClient: down,
    page: down,
    upstream: down,
  };
}

function world(r: StatusReport | Error) {
  const lab = fakeLab();
  const out: string[] = [];
  const deps: StatusDeps = {
    openLab: async () => lab,
    gatherStatus: async () => {
      if (r instanceof Error) throw r;
      return r;
    },
    out: (text) => void out.push(text),
  };
  return { lab, out, deps };
}

test('exit 0 when Consul answered, 1 when it did not; --json is one object; the lab is closed', async () => {
  const up = world(report(true));
  await expect(labStatus({ window: 60_000, json: true }, up.deps)).resolves.toBe(0);
  expect(JSON.parse(up.out.join(''))).toMatchObject({ project: 'consul-lab', members: { ok: true } });
  expect(up.lab.closed).toBe(1);

  const down = world(report(false));
  await expect(labStatus({ window: 60_000 }, down.deps)).resolves.toBe(1);
  expect(down.out.join('')).toContain('ECONNREFUSED');
  expect(down.lab.closed).toBe(1);
});

test('a failed read: its error, and the lab is still closed', async () => {
  const w = world(new Error('engine gone'));
  await expect(labStatus({ window: 60_000 }, w.deps)).rejects.toThrow('engine gone');
  expect(w.lab.closed).toBe(1);
});
