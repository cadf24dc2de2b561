import { ManagedProcess, startProcess } from './processes';
import { distPath } from './paths';
import { freePort } from './ports';

/** A built workshop-api (dist/) on 127.0.0.1, registered through `consulHttpAddr`. */
export interface WorkshopInstance {
  name: string;
  id: string;
  port: number;
  url: string;
  process: ManagedProcess;
}

export interface WorkshopOptions {
  consulHttpAddr: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Resolve once the instance logged "registered in Consul" (default true). */
  waitRegistered?: boolean;
}

export async function startWorkshopApi(name: string, opts: WorkshopOptions): Promise<WorkshopInstance> {
  const port = await freePort();
  const proc = startProcess(process.execPath, [distPath('services/workshop-api/cli.js'), '--bind', '127.0.0.1', ...(opts.args ?? [])], {
    name: `workshop-${name}`,
    env: {
      ...process.env,
      CONSUL_HTTP_ADDR: opts.consulHttpAddr,
      WORKSHOP_NAME: name,
      WORKSHOP_HOST: '127.0.0.1',
      WORKSHOP_PORT: String(port),
      ...opts.env,
    },
  });
  if (opts.waitRegistered ?? true) await proc.waitForLine(/registered in Consul/, 15_000);
  return { name, id: `workshop-${name}`, port, url: `http://127.0.0.1:${port}`, process: proc };
}
