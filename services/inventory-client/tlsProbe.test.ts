import { X509Certificate } from 'node:crypto';
import type tls from 'node:tls';
import { tlsRecordSchema } from './names';
import { certificateFacts, describeTlsError, probeTls, uriSan } from './tlsProbe';
import { closingServer, freePort, haveOpenssl, makeCert, pongServer, type Running, type TestCert, tlsServer } from './testdata/servers';

const SPIFFE = 'spiffe://11111111-2222-3333-4444-555555555555.consul/ns/default/dc/dc1/svc/inventory-db';
const at = (port: number) => ({ host: '127.0.0.1', port });
let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

// Node cannot write an X.509 certificate: the TLS servers need `openssl` on PATH (Debian's, on every machine the lab
// is developed on). Missing, these tests fail saying so, never skip.
describe('against a real TLS server on loopback (certificate made by openssl)', () => {
  let cert: TestCert;
  beforeAll(() => {
    if (!haveOpenssl) throw new Error('openssl is not on PATH: install it (apt-get install openssl) to run these tests');
    cert = makeCert('Consul CA 7', SPIFFE);
  });

  test('mutual TLS required (TLS 1.3): the certificate is read, then the server refuses us; a plain PING gets no PONG', async () => {
    running = await tlsServer(cert, { requireClientCert: true });
    const r = await probeTls(at(running.port), 1000);
    expect(tlsRecordSchema.parse(r)).toEqual(r);
    const x509 = new X509Certificate(cert.certPem);
    expect(r).toMatchObject({
      kind: 'tls',
      target: `127.0.0.1:${running.port}`,
      ok: true,
      uri: SPIFFE,
      issuer: 'Consul CA 7',
      serial: x509.serialNumber,
      validTo: new Date(x509.validTo).toISOString(),
      refused: true,
      plainAnswered: false,
    });
    expect(r.refusal).toBe('tlsv13 alert certificate required (alert 116)');
    expect(r.plainOutcome).not.toBe('PONG');
    expect(r.error).toBeUndefined();
  });

  test('mutual TLS required (TLS 1.2, refused inside the handshake): the certificate is still read', async () => {
    running = await tlsServer(cert, { requireClientCert: true, maxVersion: 'TLSv1.2' });
    const r = await probeTls(at(running.port), 1000);
    expect(r).toMatchObject({ ok: true, uri: SPIFFE, issuer: 'Consul CA 7', refused: true, plainAnswered: false });
    expect(r.refusal).toEqual(expect.any(String));
  });

  test('a server that does not ask for a client certificate: refused is false (not what Connect does)', async () => {
    running = await tlsServer(cert, { requireClientCert: false });
    const r = await probeTls(at(running.port), 300);
    expect(r).toMatchObject({ ok: true, uri: SPIFFE, refused: false, refusal: null, plainAnswered: false });
  });
});

test('a plain-text server: no certificate, the error says why, and the plain PING is answered', async () => {
  running = await pongServer();
  const r = await probeTls(at(running.port), 500);
  expect(tlsRecordSchema.parse(r)).toEqual(r);
  expect(r).toMatchObject({
    ok: false,
    uri: null,
    issuer: null,
    serial: null,
    validTo: null,
    refused: false,
    plainAnswered: true,
    plainOutcome: 'PONG',
  });
  expect(r.error).toEqual(expect.any(String));
  expect(r.error).not.toMatch(/\n/);
});

test('nothing listening: connection refused, twice', async () => {
  const r = await probeTls(at(await freePort()), 500);
  expect(r).toMatchObject({ ok: false, error: 'connection refused', plainAnswered: false, plainOutcome: 'connection refused' });
});

test('accepted and closed: no certificate, closed', async () => {
  running = await closingServer();
  const r = await probeTls(at(running.port), 500);
  expect(r).toMatchObject({ ok: false, refused: false, plainOutcome: 'closed without a reply' });
  expect(r.error).toMatch(/closed|reset|disconnected/i);
});

describe('reading a peer certificate object (as getPeerCertificate returns it)', () => {
  const peer = (over: Partial<tls.PeerCertificate>): Partial<tls.PeerCertificate> => ({
    raw: Buffer.from('x'),
    issuer: { CN: 'pri-1abcd.consul.ca.11111111.consul', C: '', ST: '', L: '', O: '', OU: '' },
    serialNumber: '0A1B',
    valid_to: 'Dec  8 02:00:00 2026 GMT',
    subjectaltname: `DNS:inventory-db.svc.default.11111111.consul, URI:${SPIFFE}`,
    ...over,
  });

  test('uri, issuer CN, serial, validTo as ISO', () => {
    expect(certificateFacts(peer({}))).toEqual({
      uri: SPIFFE,
      issuer: 'pri-1abcd.consul.ca.11111111.consul',
      serial: '0A1B',
      validTo: '2026-12-08T02:00:00.000Z',
    });
  });

  test('none: {} or null is no certificate; missing parts are null', () => {
    expect(certificateFacts({})).toBeUndefined();
    expect(certificateFacts(null)).toBeUndefined();
    expect(certificateFacts(peer({ subjectaltname: 'DNS:a', valid_to: 'never', serialNumber: '' }))).toMatchObject({
      uri: null,
      serial: null,
      validTo: 'never',
    });
  });

  test('text from the peer is terminal-safe', () => {
    const f = certificateFacts(peer({ subjectaltname: 'URI:spiffe://x/\u001b[2J', issuer: { CN: 'ca\u0007' } as tls.Certificate }));
    expect(f?.uri).toBe('spiffe://x/\\u001b[2J');
    expect(f?.issuer).toBe('ca\\u0007');
  });

  test('uriSan: the first URI, quoted ones unquoted', () => {
    expect(uriSan(undefined)).toBeNull();
    expect(uriSan('DNS:a, DNS:b')).toBeNull();
    expect(uriSan('URI:spiffe://a/b, URI:spiffe://c')).toBe('spiffe://a/b');
    expect(uriSan('DNS:a, URI:"spiffe://a/b,c"')).toBe('spiffe://a/b,c');
  });

  test("describeTlsError: OpenSSL's reason and the alert's number, without codes and source file", () => {
    const message =
      '800C8267337F0000:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1605:SSL alert number 116\n';
    const err = Object.assign(new Error(message), { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' });
    expect(describeTlsError(err)).toBe('tlsv13 alert certificate required (alert 116)');
    expect(describeTlsError(Object.assign(new Error(message), { code: 'ERR_SSL_X', reason: 'handshake failure' }))).toBe(
      'handshake failure (alert 116)',
    );
    expect(describeTlsError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe('connection refused');
  });
});
