import Consul from 'consul';
import {
  ConsulHttpAddress,
  DEFAULT_CONSUL_DNS_ADDR,
  DEFAULT_CONSUL_HTTP_ADDR,
  HostPort,
  parseConsulHttpAddr,
  parseHostPort,
  urlHost,
} from './address';
import { registerSecret } from '../secrets';

export type ConsulClient = InstanceType<typeof Consul>;

/** CONSUL_HTTP_ADDR, parsed completely (UsageError naming the variable, exit 2); unset or empty = 127.0.0.1:8500. */
export function consulHttpAddrFromEnv(env: NodeJS.ProcessEnv = process.env): ConsulHttpAddress {
  return parseConsulHttpAddr(env.CONSUL_HTTP_ADDR || DEFAULT_CONSUL_HTTP_ADDR);
}

export function consulDnsAddrFromEnv(env: NodeJS.ProcessEnv = process.env): HostPort {
  return parseHostPort(env.CONSUL_DNS_ADDR || DEFAULT_CONSUL_DNS_ADDR, 'CONSUL_DNS_ADDR', 8600);
}

/** The part of the `consul` client's (papi's) request pipeline that `_ext` hooks into. */
interface PapiRequest {
  req?: { hostname?: string };
}
type PapiExt = (event: 'onRequest', fn: (request: PapiRequest, next: () => void) => void) => void;

/**
 * The one place the repo builds a Consul HTTP client (the `consul` npm package).
 * The ACL token comes from CONSUL_HTTP_TOKEN when set, as with Consul's own CLI.
 *
 * IPv6: the package builds `http://<host>:<port>/v1` and hands the URL's hostname to http.request. A bare
 * `::1` makes that URL invalid ("Invalid URL" on the first request); a bracketed `[::1]` makes a valid URL,
 * but http.request then resolves the literal "[::1]" and fails with ENOTFOUND (both seen with consul 2.0.1
 * against an agent on [::1]). So the client gets the bracketed host, and an `onRequest` extension (papi's
 * documented hook, run after the request options are built) takes the brackets off the hostname again.
 */
export function createConsulClient(addr: ConsulHttpAddress = consulHttpAddrFromEnv(), opts: { token?: string } = {}): ConsulClient {
  const token = opts.token ?? process.env.CONSUL_HTTP_TOKEN;
  // An ACL token is a secret: no log line or error message may carry it.
  registerSecret(token);
  const host = urlHost(addr.host);
  const v6 = host !== addr.host; // urlHost brackets IPv6 only
  const client = new Consul({
    host,
    port: addr.port,
    secure: addr.secure,
    ...(token ? { defaults: { token } } : {}),
  });
  if (v6) {
    const ext = (client as unknown as { _ext: PapiExt })._ext.bind(client);
    ext('onRequest', (request, next) => {
      const h = request.req?.hostname;
      if (request.req && h?.startsWith('[') && h.endsWith(']')) request.req.hostname = h.slice(1, -1);
      next();
    });
  }
  return client;
}
