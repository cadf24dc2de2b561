// What the enrollment service asks of Consul, over its HTTP API with fetch (the `consul` npm client 2.x has no ACL
// login or token endpoints). Least privilege (issue 18): its own token (CONSUL_HTTP_TOKEN, the preset `enrollment`
// token, policy lab-enrollment) only READS: the students' tokens (secrets hidden), the catalog. A student's token comes
// from Consul's login with a JWT this service signs (auth method lab-students, whose binding rules fix what the
// token may write); leaving is the student's own token logging itself out. So nothing here can write an ACL.
import { STUDENT_AUTH_METHOD, studentLoginMeta, studentNodeName, studentOfToken, studentServiceId, studentServiceName } from './names';

export interface StudentToken {
  accessorId: string;
  secretId: string;
  /** When Consul deletes it (the auth method's MaxTokenTTL), RFC 3339; undefined if it never does. */
  expirationTime?: string;
}

/** The part of Consul the enrollment service needs (a fake in the app's tests). Names are lower case. */
export interface StudentRegistry {
  /** Why `name` is taken (a student's token, a node, a service), or undefined when it is free. */
  takenBy(name: string, signal?: AbortSignal): Promise<string | undefined>;
  /** The student's token, from Consul's login with a JWT for `name`. */
  login(name: string, signal?: AbortSignal): Promise<StudentToken>;
  /** Whose token `secret` is (the student, if any, and its accessor); undefined when Consul does not know it. */
  tokenSelf(secret: string, signal?: AbortSignal): Promise<{ accessorId: string; student: string | undefined } | undefined>;
  /** Deletes the login token `secret`, as itself (Consul lets a login token log itself out). */
  logout(secret: string, signal?: AbortSignal): Promise<void>;
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

export interface ConsulRegistryOptions {
  consulUrl: string;
  /** The service's own token (the preset `enrollment` token): reads only. */
  token: string | undefined;
  /** Signs the student JWT for a name (studentJwt.ts). */
  signJwt: (name: string) => Promise<string>;
  /** Per call (default 5 s); a caller's signal may end it sooner. */
  timeoutMs?: number;
}

interface ConsulToken {
  AccessorID: string;
  SecretID?: string;
  AuthMethod?: string;
  NodeIdentities?: Array<{ NodeName?: string }>;
  ServiceIdentities?: Array<{ ServiceName?: string }>;
  ExpirationTime?: string;
}

export function consulAclRegistry(opts: ConsulRegistryOptions): StudentRegistry {
  const timeoutMs = opts.timeoutMs ?? 5000;
  /** `asToken` null: no token header at all (the login must carry none). */
  const call = async (method: string, path: string, body: unknown, asToken: string | null | undefined, signal?: AbortSignal) =>
    fetch(`${opts.consulUrl}${path}`, {
      method,
      headers: { ...(asToken ? { 'X-Consul-Token': asToken } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'error',
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
    });
  /** The JSON answer; any other status is a ConsulHttpError naming the call without its query (nor a body). */
  const json = async <T>(method: string, path: string, body: unknown, asToken: string | null | undefined, signal?: AbortSignal) => {
    const res = await call(method, path, body, asToken, signal);
    if (!res.ok) {
      await res.body?.cancel();
      throw new ConsulHttpError(res.status, `${method} ${path.split('?')[0]}`);
    }
    return (await res.json()) as T;
  };

  return {
    async takenBy(name, signal) {
      // Secrets come back hidden (acl = "read"); expired tokens are not listed.
      const tokens = await json<ConsulToken[]>(
        'GET',
        `/v1/acl/tokens?authmethod=${encodeURIComponent(STUDENT_AUTH_METHOD)}`,
        undefined,
        opts.token,
        signal,
      );
      if (tokens.some((t) => studentOfToken(t)?.toLowerCase() === name)) return 'token';
      const node = await call('GET', `/v1/catalog/node/${encodeURIComponent(studentNodeName(name))}`, undefined, opts.token, signal);
      if (node.ok && (await node.json()) !== null) return 'node';
      if (!node.ok) {
        await node.body?.cancel();
        if (node.status !== 404) throw new ConsulHttpError(node.status, 'GET /v1/catalog/node');
      }
      // The student's own service workshop-<name> (any instance), or an instance with its ID under the shared name
      // (a workshop-api started without --service).
      const own = await json<unknown[]>(
        'GET',
        `/v1/catalog/service/${encodeURIComponent(studentServiceName(name))}`,
        undefined,
        opts.token,
        signal,
      );
      if (own.length > 0) return 'service';
      const filter = encodeURIComponent(`ServiceID == "${studentServiceId(name)}"`);
      const shared = await json<unknown[]>('GET', `/v1/catalog/service/workshop?filter=${filter}`, undefined, opts.token, signal);
      return shared.length > 0 ? 'service' : undefined;
    },

    async login(name, signal) {
      const jwt = await opts.signJwt(name);
      const t = await json<ConsulToken>(
        'POST',
        '/v1/acl/login',
        { AuthMethod: STUDENT_AUTH_METHOD, BearerToken: jwt, Meta: studentLoginMeta(name) },
        null,
        signal,
      );
      if (!t.SecretID) throw new Error('POST /v1/acl/login: Consul answered without a token');
      // The binding rules decide what the token may write: one that is not exactly this student's (rules edited by
      // hand) is logged out again rather than handed over.
      const service = (t.ServiceIdentities ?? []).map((s) => s.ServiceName);
      if (studentOfToken(t) !== name || service.length !== 1 || service[0] !== studentServiceName(name)) {
        await call('POST', '/v1/acl/logout', undefined, t.SecretID).then(
          (r) => r.body?.cancel(),
          () => undefined,
        );
        throw new Error(`the ${STUDENT_AUTH_METHOD} auth method's binding rules are not the lab's (run lab:up again to put them back)`);
      }
      return { accessorId: t.AccessorID, secretId: t.SecretID, expirationTime: t.ExpirationTime || undefined };
    },

    async tokenSelf(secret, signal) {
      const res = await call('GET', '/v1/acl/token/self', undefined, secret, signal);
      // 403 "ACL not found" (or 401/404): Consul does not know that secret.
      if (res.status === 403 || res.status === 401 || res.status === 404) {
        await res.body?.cancel();
        return undefined;
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new ConsulHttpError(res.status, 'GET /v1/acl/token/self');
      }
      const t = (await res.json()) as ConsulToken;
      return { accessorId: t.AccessorID, student: studentOfToken(t) };
    },

    async logout(secret, signal) {
      const res = await call('POST', '/v1/acl/logout', undefined, secret, signal);
      await res.body?.cancel();
      if (!res.ok) throw new ConsulHttpError(res.status, 'POST /v1/acl/logout');
    },
  };
}
