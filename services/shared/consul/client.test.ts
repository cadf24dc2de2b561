import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { parseConsulHttpAddr } from './address';
import { consulHttpAddrFromEnv, createConsulClient } from './client';
import { UsageError } from '../errors';
import { redactSecrets } from '../secrets';

/**
 * The consul client against a real HTTP server on the IPv6 loopback (a stand-in for the agent's HTTP API:
 * the boundary here is the socket, which is what the bracket handling is about). Skipped where the machine
 * has no ::1. test/integration/workshop-api-hardening.test.ts does the same against a real Consul.
 */
async function listenV6(): Promise<{ server: http.Server; port: number; hosts: string[] } | undefined> {
  const hosts: string[] = [];
  const server = http.createServer((req, res) => {
    hosts.push(req.headers.host ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify('127.0.0.1:8300'));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '::1', () => resolve());
    });
  } catch {
    return undefined;
  }
  return { server, port: (server.address() as AddressInfo).port, hosts };
}

test.each(['[::1]:PORT', 'http://[::1]:PORT', 'http://[::1]:PORT/'])('CONSUL_HTTP_ADDR=%s reaches an agent on ::1', async (form) => {
  const srv = await listenV6();
  if (!srv) return console.warn('no IPv6 loopback here: skipped');
  try {
    const addr = consulHttpAddrFromEnv({ CONSUL_HTTP_ADDR: form.replace('PORT', String(srv.port)) });
    const client = createConsulClient(addr, { token: '' });
    expect(await client.status.leader()).toBe('127.0.0.1:8300');
    expect(srv.hosts).toEqual([`[::1]:${srv.port}`]);
    client.destroy();
  } finally {
    srv.server.close();
  }
});

test('an address with credentials is a UsageError at start-up, before any client exists', () => {
  expect(() => consulHttpAddrFromEnv({ CONSUL_HTTP_ADDR: 'http://user:topSecret99@127.0.0.1:8500' })).toThrow(UsageError);
});

test('CONSUL_HTTP_TOKEN is registered as a secret', () => {
  createConsulClient({ host: '127.0.0.1', port: 1, secure: false }, { token: 'acl-token-0123456789' }).destroy();
  expect(redactSecrets('token acl-token-0123456789')).toBe('token [redacted]');
});

test('every address parseConsulHttpAddr accepts makes a client (so callers need no catch for it)', () => {
  const host = fc.oneof(
    fc.ipV4(),
    fc.ipV6().map((ip) => `[${ip}]`),
    fc.domain(),
    fc.constantFrom('localhost', 'lab_consul-agent_1'),
  );
  fc.assert(
    fc.property(
      fc.constantFrom('', 'http://', 'https://'),
      host,
      fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
      fc.constantFrom('', '/'),
      (scheme, h, port, slash) => {
        const addr = parseConsulHttpAddr(`${scheme}${h}${port === undefined ? '' : `:${port}`}${slash}`);
        expect(() => createConsulClient(addr)).not.toThrow();
      },
    ),
    { numRuns: 500 },
  );
});
