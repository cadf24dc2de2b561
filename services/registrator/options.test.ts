import { UsageError } from '../shared/errors';
import { DEFAULT_DOCKER_SOCKET, parseRegistratorArgs } from './options';

const argv = (...args: string[]) => ['node', 'registrator', ...args];

test('flags, with the defaults', () => {
  expect(parseRegistratorArgs(argv('--host', 'host-b', '--project', 'lab'), {})).toEqual({
    host: 'host-b',
    project: 'lab',
    consulHttp: expect.objectContaining({ host: '127.0.0.1', port: 8500 }),
    dockerSocket: DEFAULT_DOCKER_SOCKET,
    statusPort: 8089,
    logFormat: 'text',
  });
});

test('env fallbacks; a flag wins', () => {
  const env = {
    REGISTRATOR_HOST: 'host-a',
    REGISTRATOR_PROJECT: 'consul-lab',
    REGISTRATOR_STATUS_PORT: '9000',
    DOCKER_HOST: 'unix:///run/docker.sock',
    CONSUL_HTTP_ADDR: '127.0.0.1:8501',
    LOG_FORMAT: 'json',
  };
  expect(parseRegistratorArgs(argv(), env)).toMatchObject({
    host: 'host-a',
    project: 'consul-lab',
    statusPort: 9000,
    dockerSocket: '/run/docker.sock',
    consulHttp: expect.objectContaining({ port: 8501 }),
    logFormat: 'json',
  });
  expect(parseRegistratorArgs(argv('--host', 'host-b'), env).host).toBe('host-b');
});

test.each([
  [[], {}, /^--host \(or REGISTRATOR_HOST\) is required$/],
  [['--host', 'host-b'], {}, /^--project \(or REGISTRATOR_PROJECT\) is required$/],
  [['--host', 'Host_B', '--project', 'lab'], {}, /^--host: "Host_B" must match/],
  [[], { REGISTRATOR_HOST: '-b', REGISTRATOR_PROJECT: 'lab' }, /^REGISTRATOR_HOST: "-b" must match/],
  [['--host', 'host-b', '--project', 'lab'], { DOCKER_HOST: 'tcp://10.0.0.1:2375' }, /^DOCKER_HOST: .* is not a unix:\/\/\/path socket/],
  [['--host', 'host-b', '--project', 'lab'], { CONSUL_HTTP_ADDR: 'http://' }, /CONSUL_HTTP_ADDR/],
  [['--host', 'host-b', '--project', 'lab'], { LOG_FORMAT: 'xml' }, /log format/],
])('bad input is a UsageError (exit 2): %j %j', (args, env, message) => {
  expect(() => parseRegistratorArgs(argv(...args), env)).toThrow(UsageError);
  expect(() => parseRegistratorArgs(argv(...args), env)).toThrow(message);
});
