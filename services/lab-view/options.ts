import { isIP } from 'node:net';
import { createProgram } from '../shared/cli';
import { type ConsulHttpAddress, parsePort, redactAddress } from '../shared/consul/address';
import { consulHttpAddrFromEnv } from '../shared/consul/client';
import { UsageError } from '../shared/errors';
import { type LogFormat, parseLogFormat } from '../shared/logger';

export const NAME = 'lab-view';
export const DEFAULT_PORT = 8090;
/** In the lab, Nginx shares host-a's network namespace with the lab view. */
export const DEFAULT_NGINX_URL = 'http://127.0.0.1:80';

export interface LabViewOptions {
  port: number;
  bind: string;
  /** The consul-demo client's results endpoint, e.g. http://127.0.0.1:9100/results; unset = panel says so. */
  demoResults?: string;
  /** inventory-client's results endpoint (exercise 7's checklist), e.g. http://127.0.0.1:8092/results; unset = its checks say so. */
  connectResults?: string;
  /** Nginx's page for the checklist (exercise 3 and the rest), as this process reaches it. */
  nginxUrl: string;
  logFormat: LogFormat;
  consulHttp: ConsulHttpAddress;
}

/** An http(s) URL without credentials (they would end up in log lines). */
export function parseResultsUrl(value: string, what = '--demo-results'): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new UsageError(`${what}: expected an http:// URL, got ${JSON.stringify(redactAddress(value))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${what}: expected an http:// or https:// URL, got ${JSON.stringify(redactAddress(value))}`);
  }
  if (url.username || url.password) throw new UsageError(`${what}: credentials in the URL are not supported`);
  return url.toString();
}

interface Flags {
  port?: string;
  bind?: string;
  demoResults?: string;
  connectResults?: string;
  nginx?: string;
  logFormat?: string;
}

/** The flag, else the env var (empty = unset, as Compose passes an unset variable), with the name to blame. */
function pick(flag: string | undefined, flagName: string, env: string | undefined, envName: string): [string, string] | undefined {
  if (flag !== undefined) return [flag, flagName];
  if (env) return [env, envName];
  return undefined;
}

/** Flags, else env (LAB_VIEW_PORT, LAB_VIEW_BIND, LAB_VIEW_DEMO_RESULTS, LAB_VIEW_CONNECT_RESULTS, LAB_VIEW_NGINX, LOG_FORMAT); bad input = one line, exit 2 (runCli). */
export function parseLabViewArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): LabViewOptions {
  const program = createProgram(NAME, "The lab view: a live page of the lab's Consul cluster, hosts, services and the demo's requests")
    .option('--port <port>', `port to listen on (env LAB_VIEW_PORT, default ${DEFAULT_PORT})`)
    .option('--bind <addr>', 'address to listen on (env LAB_VIEW_BIND, default 0.0.0.0)')
    .option('--demo-results <url>', "the consul-demo client's results endpoint, GET …/results (env LAB_VIEW_DEMO_RESULTS)")
    .option('--connect-results <url>', "inventory-client's results endpoint, GET …/results (exercise 7; env LAB_VIEW_CONNECT_RESULTS)")
    .option('--nginx <url>', `the Nginx page the checklist reads (env LAB_VIEW_NGINX, default ${DEFAULT_NGINX_URL})`)
    .option('--log-format <format>', 'text or json (env LOG_FORMAT)')
    .addHelpText('after', '\nEnv: CONSUL_HTTP_ADDR the local Consul agent (default 127.0.0.1:8500), CONSUL_HTTP_TOKEN its ACL token.');
  program.parse(argv);
  const flags = program.opts<Flags>();
  if (program.args.length) throw new UsageError(`unexpected argument ${JSON.stringify(program.args[0]!.slice(0, 100))}`);

  const port = pick(flags.port, '--port', env.LAB_VIEW_PORT, 'LAB_VIEW_PORT');
  const bind = pick(flags.bind, '--bind', env.LAB_VIEW_BIND, 'LAB_VIEW_BIND');
  const results = pick(flags.demoResults, '--demo-results', env.LAB_VIEW_DEMO_RESULTS, 'LAB_VIEW_DEMO_RESULTS');
  const connect = pick(flags.connectResults, '--connect-results', env.LAB_VIEW_CONNECT_RESULTS, 'LAB_VIEW_CONNECT_RESULTS');
  const nginx = pick(flags.nginx, '--nginx', env.LAB_VIEW_NGINX, 'LAB_VIEW_NGINX');
  const bindAddr = bind ? parseBind(...bind) : '0.0.0.0';
  const logFormat: LogFormat = parseLogFormat(flags.logFormat ?? env.LOG_FORMAT);
  return {
    port: port ? parsePort(...port) : DEFAULT_PORT,
    bind: bindAddr,
    demoResults: results ? parseResultsUrl(...results) : undefined,
    connectResults: connect ? parseResultsUrl(...connect) : undefined,
    nginxUrl: (nginx ? parseResultsUrl(...nginx) : DEFAULT_NGINX_URL).replace(/\/+$/, ''),
    logFormat,
    consulHttp: consulHttpAddrFromEnv(env),
  };
}

/** An IP address or a host name, as net.Server.listen takes it. */
export function parseBind(value: string, what: string): string {
  const v = value.trim();
  const host = v.startsWith('[') && v.endsWith(']') ? v.slice(1, -1) : v;
  if (isIP(host) || /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(host)) return host;
  throw new UsageError(`${what}: expected an IP address or host name, got ${JSON.stringify(value.slice(0, 100))}`);
}
