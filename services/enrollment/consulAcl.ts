// What the enrollment service asks of Consul, over its HTTP API with fetch: the `consul` npm client (2.x) has
// no ACL token or policy endpoints (only bootstrap/replication), and these few calls are plain JSON requests.
// The agent it talks to (host-a's, on 127.0.0.1:8500) has no default token (a caller without one is anonymous:
// read only), so every call sends the service's CONSUL_HTTP_TOKEN, the management token the overlay gives it.
import { studentNodeName, studentServiceId, studentServiceName, studentTokenDescription, studentTokenIdentities } from './names';

export interface MintedToken {
  accessorId: string;
  secretId: string;
}

/** The part of Consul the enrollment service needs (a fake in the app's tests). */
export interface StudentRegistry {
  /** Why `name` is taken (a token, a node, a service ID), or undefined when it is free. */
  takenBy(name: string, signal?: AbortSignal): Promise<string | undefined>;
  mintToken(name: string, datacenter: string, signal?: AbortSignal): Promise<MintedToken>;
  /** The Description and accessor of the token whose secret is `secret`; undefined when Consul does not know it. */
  tokenSelf(secret: string): Promise<{ accessorId: string; description: string } | undefined>;
  deleteToken(accessorId: string): Promise<void>;
}

export class ConsulHttpError extends Error {
  override name = 'ConsulHttpError';
  constructor(
    readonly status: number,
    what: string,
  ) {
    super(`${what}: Consul answered HTTP ${status}`);
  }
}

interface TokenListEntry {
  AccessorID: string;
  Description?: string;
}

export function consulAclRegistry(baseUrl: string, token: string | undefined, timeoutMs = 5000): StudentRegistry {
  /** Each call ends at `timeoutMs` or when `signal` (a caller's deadline over several calls) aborts, whichever is first. */
  const call = async (method: string, path: string, body?: unknown, asToken = token, signal?: AbortSignal): Promise<Response> =>
    fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...(asToken ? { 'X-Consul-Token': asToken } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'error',
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
    });
  const json = async <T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> => {
    const res = await call(method, path, body, token, signal);
    if (!res.ok) {
      await res.body?.cancel();
      throw new ConsulHttpError(res.status, `${method} ${path.split('?')[0]}`);
    }
    return (await res.json()) as T;
  };

  return {
    async takenBy(name, signal) {
      const tokens = await json<TokenListEntry[]>('GET', '/v1/acl/tokens', undefined, signal);
      // GitHub logins are case-insensitive (so are Consul's node and service names): Alice is alice.
      const description = studentTokenDescription(name).toLowerCase();
      if (tokens.some((t) => t.Description?.toLowerCase() === description)) return 'token';
      const node = await call('GET', `/v1/catalog/node/${encodeURIComponent(studentNodeName(name))}`, undefined, token, signal);
      if (node.ok && (await node.json()) !== null) return 'node';
      if (!node.ok) {
        await node.body?.cancel();
        if (node.status !== 404) throw new ConsulHttpError(node.status, 'GET /v1/catalog/node');
      }
      // The student's own service workshop-<name> (any instance), or an instance with its ID under the shared name
      // (a workshop-api started without --service, as before students had a service of their own).
      const own = await json<unknown[]>('GET', `/v1/catalog/service/${encodeURIComponent(studentServiceName(name))}`, undefined, signal);
      if (own.length > 0) return 'service';
      const filter = encodeURIComponent(`ServiceID == "${studentServiceId(name)}"`);
      const shared = await json<unknown[]>('GET', `/v1/catalog/service/workshop?filter=${filter}`, undefined, signal);
      return shared.length > 0 ? 'service' : undefined;
    },
    async mintToken(name, datacenter, signal) {
      const t = await json<{ AccessorID: string; SecretID: string }>(
        'PUT',
        '/v1/acl/token',
        { Description: studentTokenDescription(name), ...studentTokenIdentities(name, datacenter) },
        signal,
      );
      return { accessorId: t.AccessorID, secretId: t.SecretID };
    },
    async tokenSelf(secret) {
      const res = await call('GET', '/v1/acl/token/self', undefined, secret);
      if (!res.ok) await res.body?.cancel();
      if (res.status === 403 || res.status === 401 || res.status === 404) return undefined;
      if (!res.ok) throw new ConsulHttpError(res.status, 'GET /v1/acl/token/self');
      const t = (await res.json()) as TokenListEntry;
      return { accessorId: t.AccessorID, description: t.Description ?? '' };
    },
    async deleteToken(accessorId) {
      const res = await call('DELETE', `/v1/acl/token/${encodeURIComponent(accessorId)}`);
      await res.body?.cancel();
      if (!res.ok) throw new ConsulHttpError(res.status, 'DELETE /v1/acl/token');
    },
  };
}
