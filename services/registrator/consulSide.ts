import { withTimeout } from '../shared/async';
import type { ConsulClient } from '../shared/consul/client';
import { readAs } from '../shared/consul/http';
import { agentServicesSchema } from '../shared/consul/schemas';
import { registratorLastDieKey } from './names';
import type { ConsulSide } from './registrator';

/** Every call has a deadline: a wedged agent is an outage the loop retries, never a hang. */
const DEADLINE_MS = 5000;

/** The host's agent through the gateway's `consul` client. */
export function createConsulSide(consul: ConsulClient, host: string): ConsulSide {
  return {
    async services() {
      const answer: unknown = await withTimeout(consul.agent.service.list(), DEADLINE_MS, 'Consul agent service list');
      const services = readAs('GET /v1/agent/services', answer, agentServicesSchema);
      return Object.entries(services).map(([id, s]) => ({ id: s.ID || id, meta: s.Meta }));
    },
    async register(registration) {
      await withTimeout(consul.agent.service.register(registration), DEADLINE_MS, 'Consul service registration');
    },
    async deregister(serviceId) {
      await withTimeout(consul.agent.service.deregister(serviceId), DEADLINE_MS, 'Consul service deregistration');
    },
    async writeLastDie(record) {
      await withTimeout(consul.kv.set(registratorLastDieKey(host), JSON.stringify(record)), DEADLINE_MS, 'Consul KV write');
    },
  };
}
