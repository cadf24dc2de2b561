import type { ConsulAgent } from './consul';
import type { ManagedProcess } from './processes';

/** The environment a consul-demo process gets: this test's Consul, and none of the developer's DEMO_* settings. */
export function demoEnv(consul: ConsulAgent, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DEMO_') && k !== 'LOG_FORMAT'));
  return { ...env, CONSUL_HTTP_ADDR: consul.httpAddr, CONSUL_DNS_ADDR: consul.dnsAddr, ...extra };
}

/** One line of a consul-demo server's `--log-format json` log (stderr). */
export interface DemoLogEvent {
  ts: string;
  msg: string;
  serviceId?: string;
  address?: string;
  version?: string;
}

/** The server's log events with message `msg`, in order. */
export function serverEvents(p: ManagedProcess, msg: string): DemoLogEvent[] {
  return p.stderrLines
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as DemoLogEvent)
    .filter((e) => e.msg === msg);
}
