// lab:join's trust in the instructor (issue 18), against real TLS: certificates made by the pinned `consul tls` as
// lab:up makes them, served by a node https server the way the enrollment service serves its chain (its certificate,
// then the classroom CA). The pin check happens on the handshake alone: with a wrong pin, or a man in the middle with
// its own CA, nothing is sent (no request reaches the server); after it, requests trust that CA only and the
// instructor's address must be in the certificate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { EnrollError, fetchPinnedCa, pinnedFetch } from '../../scripts/lib/classroom/enrollClient';
import { caPin } from '../../scripts/lib/classroom/tls';
import { consulBinary } from '../harness/consul';

interface Pki {
  ca: string;
  cert: string;
  key: string;
}
let tmp: string;
let real: Pki;
let mitm: Pki;
const servers: https.Server[] = [];
const requests: string[] = [];

/** A CA and a client certificate for 127.0.0.1 (what lab:up gives the enrollment service), in `dir`. */
function makePki(dir: string): Pki {
  const run = (args: string[]): void => void execFileSync(consulBinary(), args, { cwd: dir, stdio: 'ignore', timeout: 30_000 });
  run(['tls', 'ca', 'create', '-days', '2']);
  run(['tls', 'cert', 'create', '-client', '-dc', 'dc1', '-days', '2', '-additional-ipaddress', '127.0.0.1']);
  const read = (f: string): string => readFileSync(path.join(dir, f), 'utf8');
  return { ca: read('consul-agent-ca.pem'), cert: read('dc1-client-consul-0.pem'), key: read('dc1-client-consul-0-key.pem') };
}

async function serve(pki: Pki, host = '127.0.0.1'): Promise<string> {
  const server = https.createServer({ cert: pki.cert + pki.ca, key: pki.key }, (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, host, r));
  return `https://${host}:${(server.address() as AddressInfo).port}`;
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'enroll-pin-'));
  for (const d of ['real', 'mitm']) execFileSync('mkdir', ['-p', path.join(tmp, d)]);
  real = makePki(path.join(tmp, 'real'));
  mitm = makePki(path.join(tmp, 'mitm'));
}, 60_000);

afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => (requests.length = 0));

test('the right pin gives the CA from the chain, and a pinned request then goes through', async () => {
  const url = await serve(real);
  const ca = await fetchPinnedCa(url, caPin(real.ca));
  expect(caPin(ca)).toBe(caPin(real.ca));
  expect(requests).toEqual([]);
  const res = await pinnedFetch(ca)(`${url}/v1/join-info`, { method: 'POST', body: '{"code":"x"}' });
  expect(res.status).toBe(200);
  expect(requests).toEqual(['POST /v1/join-info']);
}, 30_000);

test('a wrong pin, or a man in the middle with its own CA: one line, and nothing reaches the server', async () => {
  const url = await serve(real);
  const wrong = await fetchPinnedCa(url, '0123456789abcdef').catch((e: unknown) => e);
  expect(wrong).toBeInstanceOf(EnrollError);
  expect((wrong as EnrollError).kind).toBe('pin');
  expect((wrong as Error).message).toMatch(/does not match --pin 0123456789abcdef.*do not join/);
  // The man in the middle shows its own CA: the real pin matches nothing in its chain.
  const mitmUrl = await serve(mitm);
  const intercepted = await fetchPinnedCa(mitmUrl, caPin(real.ca)).catch((e: unknown) => e);
  expect((intercepted as EnrollError).kind).toBe('pin');
  expect(requests).toEqual([]);
}, 30_000);

test('after the pin, only the classroom CA is trusted, and only for the address in its certificate', async () => {
  const mitmUrl = await serve(mitm);
  const notOurs = await pinnedFetch(real.ca)(`${mitmUrl}/v1/join-info`, { method: 'POST', body: '{}' }).catch((e: unknown) => e);
  expect(notOurs).toBeInstanceOf(TypeError);
  // The certificate names 127.0.0.1 (and localhost): served on 127.0.0.2, it is not the instructor's address.
  const elsewhere = await serve(real, '127.0.0.2');
  const wrongAddress = await pinnedFetch(real.ca)(`${elsewhere}/health`).catch((e: unknown) => e);
  expect(String((wrongAddress as { cause?: { code?: string } }).cause?.code)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  // Plain http is refused before any connection.
  await expect(pinnedFetch(real.ca)('http://127.0.0.1:9/health')).rejects.toThrow(TypeError);
  expect(requests).toEqual([]);
}, 30_000);
