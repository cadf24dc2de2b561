import Consul from 'consul';
import {
  ConsulHttpAddress,
  DEFAULT_CONSUL_DNS_ADDR,
  DEFAULT_CONSUL_HTTP_ADDR,
  HostPort,
  parseConsulHttpAddr,
  parseHostPort,
} from './consulAddress';

export type ConsulClient = InstanceType<typeof Consul>;

export function consulHttpAddrFromEnv(env: NodeJS.ProcessEnv = process.env): ConsulHttpAddress {
  return parseConsulHttpAddr(env.CONSUL_HTTP_ADDR || DEFAULT_CONSUL_HTTP_ADDR);
}

export function consulDnsAddrFromEnv(env: NodeJS.ProcessEnv = process.env): HostPort {
  return parseHostPort(env.CONSUL_DNS_ADDR || DEFAULT_CONSUL_DNS_ADDR, 'CONSUL_DNS_ADDR', 8600);
}

export function consulBaseUrl(addr: ConsulHttpAddress): string {
  const host = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
  return `${addr.secure ? 'https' : 'http'}://${host}:${addr.port}`;
}

/**
 * The one place the repo builds a Consul HTTP client (the `consul` npm package).
 * The ACL token comes from CONSUL_HTTP_TOKEN when set, as with Consul's own CLI.
 */
export function createConsulClient(
  addr: ConsulHttpAddress = consulHttpAddrFromEnv(),
  opts: { token?: string } = {},
): ConsulClient {
  const token = opts.token ?? process.env.CONSUL_HTTP_TOKEN;
  return new Consul({
    host: addr.host,
    port: addr.port,
    secure: addr.secure,
    ...(token ? { defaults: { token } } : {}),
  });
}
