import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { toolPath } from '../../test/harness/paths';
import { createEnrollmentServer, type EnrollmentServer } from './server';

/** A throwaway CA and a `consul tls cert create -client` certificate (it names 127.0.0.1), by the pinned Consul. */
function makeCerts(): { ca: string; cert: string; key: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'enroll-server-'));
  try {
    const consul = toolPath('consul');
    execFileSync(consul, ['tls', 'ca', 'create', '-days', '2'], { cwd: dir, stdio: 'ignore', timeout: 30_000 });
    execFileSync(consul, ['tls', 'cert', 'create', '-client', '-days', '2'], { cwd: dir, stdio: 'ignore', timeout: 30_000 });
    const read = (f: string): string => readFileSync(path.join(dir, f), 'utf8');
    return { ca: read('consul-agent-ca.pem'), cert: read('dc1-client-consul-0.pem'), key: read('dc1-client-consul-0-key.pem') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('createEnrollmentServer', () => {
  let certs: ReturnType<typeof makeCerts>;
  let srv: EnrollmentServer;
  let port: number;
  beforeAll(() => {
    certs = makeCerts();
  });
  beforeEach(async () => {
    srv = createEnrollmentServer(
      (_req, res) => res.end('ok'),
      { certPem: certs.cert + certs.ca, keyPem: certs.key },
      { firstByteTimeoutMs: 300 },
    );
    await srv.listen(0, '127.0.0.1');
    port = (srv.server.address() as AddressInfo).port;
  });
  afterEach(async () => srv.close(200));

  const get = (agent?: https.Agent): Promise<string> =>
    new Promise((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port, path: '/', ca: certs.ca, agent: agent ?? false }, (res) => {
          let t = '';
          res.on('data', (c: Buffer) => (t += c.toString()));
          res.on('end', () => resolve(t));
        })
        .on('error', reject);
    });

  /** A raw TCP connection: what it receives until the server closes it, and how long that took. */
  const raw = (send?: string): Promise<{ text: string; ms: number }> =>
    new Promise((resolve, reject) => {
      const t0 = Date.now();
      const s = net.connect(port, '127.0.0.1', () => {
        if (send) s.write(send);
      });
      let text = '';
      s.on('data', (c: Buffer) => (text += c.toString()));
      s.on('close', () => resolve({ text, ms: Date.now() - t0 }));
      s.on('error', reject);
    });

  it('serves https', async () => {
    expect(await get()).toBe('ok');
  });

  it('plain http: a 400 "use https", then the connection is closed', async () => {
    const { text } = await raw('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(text).toContain('{"error":"use https');
  });

  it('a connection that sends nothing is closed after the first-byte timeout', async () => {
    const { text, ms } = await raw();
    expect(text).toBe('');
    expect(ms).toBeGreaterThanOrEqual(250);
  });

  it('close() ends idle keep-alive and silent connections at once, without waiting for their timeouts', async () => {
    const agent = new https.Agent({ keepAlive: true });
    expect(await get(agent)).toBe('ok');
    const silent = net.connect(port, '127.0.0.1');
    await new Promise((r) => silent.once('connect', r));
    const t0 = Date.now();
    await srv.close(5000);
    expect(Date.now() - t0).toBeLessThan(4000);
    agent.destroy();
    silent.destroy();
  });

  it('a port in use: one line', async () => {
    const other = createEnrollmentServer((_req, res) => res.end(), { certPem: certs.cert, keyPem: certs.key });
    await expect(other.listen(port, '127.0.0.1')).rejects.toThrow(`cannot listen on 127.0.0.1:${port}: address already in use`);
  });
});
