import { ConsulHttpAddress, parseConsulHttpAddr, parsePort } from '../../../services/shared/consulAddress';
import { consulBaseUrl } from '../../../services/shared/consulClient';
import { LabContainer, publishedPort } from './labContainers';

export interface LabEndpoints {
  consul: ConsulHttpAddress;
  /** http://127.0.0.1:8500 */
  consulUrl: string;
  /** http://127.0.0.1:8080 */
  nginxUrl: string;
}

/**
 * Where the running lab answers on this machine. The ports the containers actually publish win:
 * they are the truth even when the lab was started with other LAB_* ports (or a .env file) than
 * this shell has, or when CONSUL_HTTP_ADDR is left over from running Consul by hand. Without a running
 * container to ask: LAB_CONSUL_HTTP_PORT / LAB_NGINX_PORT, then CONSUL_HTTP_ADDR, then the defaults.
 */
export function labEndpoints(containers: LabContainer[], env: NodeJS.ProcessEnv = process.env): LabEndpoints {
  const agent = containers.find((c) => c.service === 'consul-agent' && c.state === 'running');
  const nginx = containers.find((c) => c.service === 'nginx' && c.state === 'running');

  const consulPublished = publishedPort(agent, 8500);
  let consul: ConsulHttpAddress;
  if (consulPublished) consul = { ...consulPublished, secure: false };
  else if (env.LAB_CONSUL_HTTP_PORT) consul = { host: '127.0.0.1', port: parsePort(env.LAB_CONSUL_HTTP_PORT, 'LAB_CONSUL_HTTP_PORT'), secure: false };
  else consul = parseConsulHttpAddr(env.CONSUL_HTTP_ADDR || '127.0.0.1:8500');

  const nginxPublished = publishedPort(nginx, 80);
  const nginxPort = nginxPublished?.port ?? (env.LAB_NGINX_PORT ? parsePort(env.LAB_NGINX_PORT, 'LAB_NGINX_PORT') : 8080);
  const nginxHost = nginxPublished?.host ?? '127.0.0.1';

  return { consul, consulUrl: consulBaseUrl(consul), nginxUrl: `http://${nginxHost}:${nginxPort}` };
}

/** The URLs students open in a browser: "localhost" reads better than 127.0.0.1 and works the same. */
export function browserUrl(url: string): string {
  return url.replace('//127.0.0.1:', '//localhost:');
}
