import type { ComposeOptions, ComposeResult } from '../docker/compose';
import type { LabContainer } from '../docker/labContainers';
import { fakeCommandIo } from './testdata/fakeCommandIo';
import { fakeContainer } from './testdata/fakeContainer';
import { labDown, type DownDeps } from './labDown';

function world(containers: LabContainer[][], result: Partial<ComposeResult> = {}) {
  const fake = fakeCommandIo();
  const compose: Array<{ args: string[]; opts: ComposeOptions }> = [];
  let listed = 0;
  const deps: DownDeps = {
    ...fake.io,
    root: '/repo',
    env: {},
    connectDocker: async () => ({
      listContainers: async () => containers[Math.min(listed++, containers.length - 1)]!,
      runningLabEnv: async () => ({ LAB_NGINX_PORT: '18080' }),
    }),
    runCompose: async (args, opts) => {
      compose.push({ args, opts });
      opts.onLine?.(' Container consul-lab-nginx-1  Stopping', 'stderr');
      opts.onLine?.(' Container consul-lab-nginx-1  Stopped', 'stderr');
      return { code: 0, stdout: '', stderr: '', ...result };
    },
  };
  return { deps, fake, compose };
}

const RUNNING = [fakeContainer('consul-lab', 'nginx'), fakeContainer('consul-lab', 'host-a')];

test('down with the settings the lab was started with; the outcome lines of Compose are the progress; data kept without -v', async () => {
  const w = world([RUNNING, []]);
  await expect(labDown({}, w.deps)).resolves.toBe(0);
  expect(w.compose[0]!.args).toEqual(['--profile', '*', 'down', '--remove-orphans']);
  expect(w.compose[0]!.opts).toMatchObject({ project: 'consul-lab', env: { LAB_NGINX_PORT: '18080' }, cwd: '/repo' });
  expect(w.fake.out).toEqual([
    'Stopping lab "consul-lab" (2 containers)\n',
    'Lab "consul-lab" is down after 0.0 s. Consul data kept (add -v to remove it).\n',
  ]);
  expect(w.fake.progressTexts()).toEqual(['Container consul-lab-nginx-1 Stopped']);
});

test('-v removes the volumes; with no containers it still removes the network', async () => {
  const w = world([[]]);
  await labDown({ volumes: true, project: 'other' }, w.deps);
  expect(w.compose[0]!.args).toEqual(['--profile', '*', 'down', '--remove-orphans', '--volumes']);
  expect(w.fake.out).toEqual([
    'Lab "other" has no containers; removing its network and volumes if any\n',
    'Lab "other" is down after 0.0 s.\n',
  ]);
});

test('a failed down, or containers left: one line', async () => {
  await expect(labDown({}, world([RUNNING], { code: 1, stderr: 'Error: permission denied' }).deps)).rejects.toThrow(
    /^docker compose down failed: .*permission denied/,
  );
  await expect(labDown({}, world([RUNNING, RUNNING.slice(0, 1)]).deps)).rejects.toThrow(
    '1 containers of "consul-lab" are still there: consul-lab-nginx-1',
  );
});
