import net from 'node:net';
import type { ManagedProcess } from './processes';

/** What a consul-demo process needs to know of a Consul agent: a ConsulAgent, or a RestartableConsul (HTTP only). */
export interface DemoConsul {
  httpAddr: string;
  dnsAddr?: string;
}

/** The environment a consul-demo process gets: this test's Consul, and none of the developer's DEMO_* settings. */
export function demoEnv(consul: DemoConsul, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DEMO_') && k !== 'LOG_FORMAT'));
  return { ...env, CONSUL_HTTP_ADDR: consul.httpAddr, ...(consul.dnsAddr ? { CONSUL_DNS_ADDR: consul.dnsAddr } : {}), ...extra };
}

/** One line of a consul-demo server's `--log-format json` log (stderr). */
export interface DemoLogEvent {
  ts: string;
  level: string;
  msg: string;
  serviceId?: string;
  address?: string;
  version?: string;
  /** `listening`: `127.0.0.1:40123`. */
  bind?: string;
  [field: string]: unknown;
}

/** All of the server's JSON log events, in order. */
export function logEvents(p: ManagedProcess): DemoLogEvent[] {
  return p.stderrLines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as DemoLogEvent);
}

/** The server's log events with message `msg`, in order. */
export function serverEvents(p: ManagedProcess, msg: string): DemoLogEvent[] {
  return logEvents(p).filter((e) => e.msg === msg);
}

/** The port of the server's latest incarnation, from its `listening` line. */
export function listeningPort(p: ManagedProcess): number | undefined {
  const bind = serverEvents(p, 'listening').at(-1)?.bind;
  return bind ? Number(bind.slice(bind.lastIndexOf(':') + 1)) : undefined;
}

/**
 * Send `payload` on a new connection to a consul-demo server and collect `expectLines` reply lines; rejects
 * with the connection's error (e.g. ECONNREFUSED), or after `timeoutMs` with what did arrive.
 */
export function talk(port: number, payload: string | Buffer, expectLines: number, timeoutMs = 5000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let buf = '';
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`no ${expectLines} lines from :${port}, got ${JSON.stringify(buf)}`));
    }, timeoutMs);
    s.setEncoding('utf8');
    s.on('connect', () => s.write(payload));
    s.on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\n');
      if (lines.length - 1 >= expectLines) {
        clearTimeout(t);
        s.destroy();
        resolve(lines.slice(0, expectLines));
      }
    });
    s.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}
