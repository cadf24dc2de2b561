// The classroom CA (issue 18): TLS on Consul's internal RPC, so nobody on the venue Wi-Fi speaks raft to the servers
// and a laptop with the gossip key cannot join as a server (verify_server_hostname: only a certificate for
// server.dc1.consul signed by THIS CA may hold a raft connection). Made by `lab:up --classroom` for each new class with
// the pinned Consul's own `consul tls ca create` / `consul tls cert create`, run in a throwaway container of the Consul
// image the lab already has (the instructor needs no consul binary). The CA key stays in the classroom dir (0600) and
// is never handed out: students get the CA certificate (in the join info) and a short pin of it (on the projected line).
//
// The container works in a tmpfs and logs nothing (log driver "none"): the keys go from its stdout straight to 0600
// files here, never through the engine's disk.
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { demuxDockerLogs } from '../docker/engine';
import { ensurePrivateDir, writePrivateFile } from './secrets';

/** Under the classroom dir. */
export const TLS_DIR = 'tls';
/** How long the CA and the certificates are valid: a workshop, resumed over a few days, not years. */
export const TLS_DAYS = 30;
/** The servers get one certificate each (docker-compose.yml's consul-server-1..3). */
export const SERVER_COUNT = 3;

export interface CertPair {
  certPem: string;
  keyPem: string;
}

/** What the containers need (the CA key is not here: it never leaves the classroom dir). */
export interface ClassroomTls {
  caPem: string;
  /** Index 0 = consul-server-1. */
  servers: CertPair[];
  /** The enrollment service's https certificate: a client certificate (not a server one: its key must not be able to hold raft). */
  enrollment: CertPair;
}

const FILES = {
  ca: 'consul-agent-ca.pem',
  caKey: 'consul-agent-ca-key.pem',
  server: (i: number) => `dc1-server-consul-${i}.pem`,
  serverKey: (i: number) => `dc1-server-consul-${i}-key.pem`,
  client: 'dc1-client-consul-0.pem',
  clientKey: 'dc1-client-consul-0-key.pem',
};

/** The shell script run in the container: Consul's own commands, then every file on stdout behind a `==> name` line. */
export function tlsScript(lan: string, days = TLS_DAYS): string {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(lan)) throw new Error(`not an IPv4 address: ${JSON.stringify(lan)}`);
  const server = `consul tls cert create -server -dc dc1 -days ${days} -additional-ipaddress ${lan} >/dev/null`;
  return [
    'set -e',
    'cd /work',
    `consul tls ca create -days ${days} >/dev/null`,
    ...Array.from({ length: SERVER_COUNT }, () => server),
    `consul tls cert create -client -dc dc1 -days ${days} -additional-ipaddress ${lan} >/dev/null`,
    'for f in *.pem; do printf "==> %s\\n" "$f"; cat "$f"; done',
  ].join('\n');
}

/** `==> name` sections of the script's stdout, by file name. */
export function parseTlsOutput(stdout: string): Map<string, string> {
  const files = new Map<string, string>();
  let name: string | undefined;
  let lines: string[] = [];
  const flush = (): void => {
    if (name) files.set(name, lines.join('\n').trim() + '\n');
  };
  for (const line of stdout.split('\n')) {
    const m = /^==> ([A-Za-z0-9._-]+\.pem)$/.exec(line);
    if (m) {
      flush();
      name = m[1];
      lines = [];
    } else if (name) lines.push(line);
  }
  flush();
  return files;
}

/** The pair of files `cert`/`key` from the parsed output, each a PEM block of its kind. */
function pair(files: Map<string, string>, cert: string, key: string): CertPair {
  const certPem = files.get(cert);
  const keyPem = files.get(key);
  if (!certPem?.includes('BEGIN CERTIFICATE') || !keyPem?.includes('PRIVATE KEY'))
    throw new Error(`consul tls did not make ${cert} and ${key}`);
  return { certPem, keyPem };
}

/** The files the container made, as ClassroomTls plus the CA key. */
export function tlsFromFiles(files: Map<string, string>): { tls: ClassroomTls; caKeyPem: string } {
  const ca = pair(files, FILES.ca, FILES.caKey);
  return {
    tls: {
      caPem: ca.certPem,
      servers: Array.from({ length: SERVER_COUNT }, (_, i) => pair(files, FILES.server(i), FILES.serverKey(i))),
      enrollment: pair(files, FILES.client, FILES.clientKey),
    },
    caKeyPem: ca.keyPem,
  };
}

/**
 * The CA's pin: the first 16 hex digits (64 bits) of the SHA-256 of its certificate (DER). Short enough to project
 * and type; a second CA with the same pin would take ~2^64 work, far beyond one class.
 */
export function caPin(caPem: string): string {
  return createHash('sha256').update(new X509Certificate(caPem).raw).digest('hex').slice(0, 16);
}

/** A pin as the student typed it, normalised (case, colons and spaces ignored), or undefined when it is not 16 hex digits. */
export function normalisePin(text: string): string | undefined {
  const p = text.toLowerCase().replace(/[\s:]/g, '');
  return /^[0-9a-f]{16}$/.test(p) ? p : undefined;
}

/** Run the script in a throwaway container of `image` (tmpfs work dir, no logs) and return its stdout. */
async function runTlsContainer(docker: Docker, image: string, script: string, timeoutMs = 60_000): Promise<string> {
  const container = await docker.createContainer({
    Image: image,
    Entrypoint: ['sh', '-c', script],
    Cmd: [],
    Labels: { 'lab.purpose': 'classroom-tls' },
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: {
      NetworkMode: 'none',
      LogConfig: { Type: 'none', Config: {} },
      // World-writable like /tmp: the offline image runs as uid 100, the official one as root.
      Tmpfs: { '/work': 'rw,nosuid,nodev,size=1m,mode=1777' },
    },
  });
  try {
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise<void>((resolve) => stream.on('end', () => resolve()));
    await container.start();
    // Timers cleared on every path: a pending one would keep lab:up's process alive after its work is done.
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      container.wait() as Promise<{ StatusCode: number }>,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`consul tls: no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([ended, new Promise((r) => (grace = setTimeout(r, 2000)))]).finally(() => clearTimeout(grace));
    const { stdout, stderr } = demuxDockerLogs(Buffer.concat(chunks));
    if (waited.StatusCode !== 0) {
      throw new Error(`consul tls in ${image} exited ${waited.StatusCode}: ${stderr.trim().split('\n').pop() ?? ''}`);
    }
    return stdout;
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/** Where each file lives under `<classroom dir>/tls`. */
function tlsPaths(dir: string) {
  const d = path.join(dir, TLS_DIR);
  return {
    dir: d,
    ca: path.join(d, 'ca.pem'),
    caKey: path.join(d, 'ca-key.pem'),
    server: (i: number) => path.join(d, `server-${i + 1}.pem`),
    serverKey: (i: number) => path.join(d, `server-${i + 1}-key.pem`),
    enrollment: path.join(d, 'enrollment.pem'),
    enrollmentKey: path.join(d, 'enrollment-key.pem'),
  };
}

/**
 * A new classroom CA and certificates for the LAN address `lan`, made with `image`'s consul and written to
 * `<dir>/tls/` (0700 dir, 0600 files, the CA key included).
 */
export async function makeClassroomTls(docker: Docker, image: string, lan: string, dir: string): Promise<ClassroomTls> {
  const { tls, caKeyPem } = tlsFromFiles(parseTlsOutput(await runTlsContainer(docker, image, tlsScript(lan))));
  const p = tlsPaths(dir);
  ensurePrivateDir(p.dir);
  writePrivateFile(p.ca, tls.caPem);
  writePrivateFile(p.caKey, caKeyPem);
  tls.servers.forEach((s, i) => {
    writePrivateFile(p.server(i), s.certPem);
    writePrivateFile(p.serverKey(i), s.keyPem);
  });
  writePrivateFile(p.enrollment, tls.enrollment.certPem);
  writePrivateFile(p.enrollmentKey, tls.enrollment.keyPem);
  return tls;
}

/**
 * The class's TLS material from `<dir>/tls/` (lab:up --resume), or undefined when it is missing. Certificates made for
 * another LAN address than `lan` are refused (they would not match what students connect to).
 */
export function readClassroomTls(dir: string, lan: string): ClassroomTls | undefined {
  const p = tlsPaths(dir);
  const all = [
    p.ca,
    p.enrollment,
    p.enrollmentKey,
    ...Array.from({ length: SERVER_COUNT }, (_, i) => [p.server(i), p.serverKey(i)]).flat(),
  ];
  if (!all.every((f) => existsSync(f))) return undefined;
  const read = (f: string): string => readFileSync(f, 'utf8');
  const tls: ClassroomTls = {
    caPem: read(p.ca),
    servers: Array.from({ length: SERVER_COUNT }, (_, i) => ({ certPem: read(p.server(i)), keyPem: read(p.serverKey(i)) })),
    enrollment: { certPem: read(p.enrollment), keyPem: read(p.enrollmentKey) },
  };
  const cert = new X509Certificate(tls.enrollment.certPem);
  if (!cert.checkIP(lan))
    throw new Error(`--resume: the class's certificates are for another LAN address than ${lan}: start a new class (without --resume)`);
  if (Date.parse(cert.validTo) < Date.now())
    throw new Error("--resume: the class's certificates have expired: start a new class (without --resume)");
  return tls;
}
