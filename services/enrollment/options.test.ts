import { redactSecrets } from '../shared/secrets';
import { enrollmentOptionsFromEnv } from './options';

const JOIN = JSON.stringify({ version: 1, datacenter: 'dc1', joinCode: 'kite-maple-7421', gossipKey: 'g'.repeat(43) + '=' });

describe('enrollmentOptionsFromEnv', () => {
  it('reads the env, with defaults', () => {
    const o = enrollmentOptionsFromEnv({
      ENROLL_JOIN_INFO: JOIN,
      CONSUL_HTTP_ADDR: '127.0.0.1:8500',
      CONSUL_HTTP_TOKEN: 'mgmt-token-1234',
    });
    expect(o).toMatchObject({
      consulUrl: 'http://127.0.0.1:8500',
      port: 8099,
      bind: '0.0.0.0',
      joinCode: 'kite-maple-7421',
      datacenter: 'dc1',
    });
    // Registered as secrets: redacted from every log line.
    expect(redactSecrets('code kite-maple-7421 token mgmt-token-1234')).toBe('code [redacted] token [redacted]');
  });

  it.each([
    [{}, /ENROLL_JOIN_INFO is not set/],
    [{ ENROLL_JOIN_INFO: '{' }, /ENROLL_JOIN_INFO: not JSON/],
    [{ ENROLL_JOIN_INFO: '{"datacenter":"dc1"}' }, /ENROLL_JOIN_INFO: joinCode/],
    [{ ENROLL_JOIN_INFO: '{"joinCode":"kite-maple-1"}' }, /ENROLL_JOIN_INFO: datacenter/],
    [{ ENROLL_JOIN_INFO: JOIN, ENROLL_PORT: 'x' }, /ENROLL_PORT/],
  ])('refuses %j in one line', (env, msg) => {
    expect(() => enrollmentOptionsFromEnv(env as NodeJS.ProcessEnv)).toThrow(msg);
  });
});
