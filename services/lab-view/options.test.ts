import { UsageError } from '../shared/errors';
import { parseLabViewArgs } from './options';

const argv = (...a: string[]) => ['node', 'lab-view', ...a];

test('defaults: port 8090 on 0.0.0.0, no demo results, Consul at 127.0.0.1:8500', () => {
  expect(parseLabViewArgs(argv(), {})).toMatchObject({
    port: 8090,
    bind: '0.0.0.0',
    demoResults: undefined,
    nginxUrl: 'http://127.0.0.1:80',
    consulHttp: { host: '127.0.0.1', port: 8500 },
  });
});

test('the Nginx page for the checklist: flag, else LAB_VIEW_NGINX, no trailing slash; not a URL is bad input', () => {
  expect(parseLabViewArgs(argv('--nginx', 'http://127.0.0.1:8080/'), {}).nginxUrl).toBe('http://127.0.0.1:8080');
  expect(parseLabViewArgs(argv(), { LAB_VIEW_NGINX: 'http://10.0.0.2:81' }).nginxUrl).toBe('http://10.0.0.2:81');
  expect(() => parseLabViewArgs(argv('--nginx', 'ftp://x'), {})).toThrow(UsageError);
});

test('env sets them, flags win, empty env is unset', () => {
  const env = {
    LAB_VIEW_PORT: '9000',
    LAB_VIEW_BIND: '127.0.0.1',
    LAB_VIEW_DEMO_RESULTS: 'http://127.0.0.1:9100/results',
    CONSUL_HTTP_ADDR: '127.0.0.1:18500',
  };
  expect(parseLabViewArgs(argv(), env)).toMatchObject({ port: 9000, bind: '127.0.0.1', demoResults: 'http://127.0.0.1:9100/results' });
  expect(parseLabViewArgs(argv('--port', '9001'), env).port).toBe(9001);
  expect(parseLabViewArgs(argv(), { LAB_VIEW_PORT: '' }).port).toBe(8090);
});

test.each([
  [['--port', '0'], {}, /--port: port must be/],
  [[], { LAB_VIEW_PORT: 'x' }, /LAB_VIEW_PORT: port must be/],
  [['--bind', 'a b'], {}, /--bind: expected an IP address/],
  [['--demo-results', 'ftp://x/results'], {}, /--demo-results: expected an http/],
  [['--demo-results', 'http://u:secret@x/results'], {}, /credentials/],
  [[], { CONSUL_HTTP_ADDR: 'http://h:1/path' }, /CONSUL_HTTP_ADDR/],
])('bad input %j %j is a one-line UsageError', (args, env, re) => {
  let err: unknown;
  try {
    parseLabViewArgs(argv(...(args as string[])), env as NodeJS.ProcessEnv);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(UsageError);
  expect((err as Error).message).toMatch(re as RegExp);
  expect((err as Error).message).not.toContain('\n');
  expect((err as Error).message).not.toContain('secret');
});
