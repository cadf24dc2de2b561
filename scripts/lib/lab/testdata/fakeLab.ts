// A Lab for unit tests of the commands that open one: the default endpoints, no Docker or Consul behind them, and a
// count of close() calls (every command must close the lab it opened).
import type { Lab } from '../openLab';

export type FakeLab = Lab & { closed: number };

export function fakeLab(project = 'consul-lab'): FakeLab {
  const lab = {
    project,
    containers: [],
    endpoints: {
      consul: { host: '127.0.0.1', port: 8500, secure: false },
      consulUrl: 'http://127.0.0.1:8500',
      nginxUrl: 'http://127.0.0.1:8080',
      labViewUrl: 'http://127.0.0.1:8090',
    },
    closed: 0,
    close: () => void lab.closed++,
  } as unknown as FakeLab;
  return lab;
}
