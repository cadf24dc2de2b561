// What the enrollment service asks of Consul, through the gateway's endpoints (services/shared/consul/endpoints.ts:
// the `consul` npm client 2.x has no ACL login or token endpoints). Least privilege (issue 18): its own token (CONSUL_HTTP_TOKEN, the preset `enrollment`
// token, policy lab-enrollment) only READS: the students' tokens (secrets hidden), the catalog. A student's token comes
// from Consul's login with a JWT this service signs (auth method lab-students, whose binding rules fix what the
// token may write); leaving is the student's own token logging itself out. So nothing here can write an ACL.
import { ConsulError } from '../shared/consul/errors';
import { aclLogin, aclLogout, aclTokenSelf, aclTokensOf, catalogNode, catalogService } from '../shared/consul/endpoints';
import type { ConsulTarget } from '../shared/consul/http';
import { WORKSHOP_SERVICE_NAME } from '../shared/names';
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

export interface ConsulRegistryOptions {
  consulUrl: string;
  /** The service's own token (the preset `enrollment` token): reads only. */
  token: string | undefined;
  /** Signs the student JWT for a name (studentJwt.ts). */
  signJwt: (name: string) => Promise<string>;
  /** Per call (default 5 s); a caller's signal may end it sooner. */
  timeoutMs?: number;
}

export function consulAclRegistry(opts: ConsulRegistryOptions): StudentRegistry {
  const consul: ConsulTarget = { baseUrl: opts.consulUrl, token: opts.token, timeoutMs: opts.timeoutMs ?? 5000 };

  return {
    async takenBy(name, signal) {
      // Secrets come back hidden (acl = "read"); expired tokens are not listed.
      const tokens = await aclTokensOf(consul, STUDENT_AUTH_METHOD, signal);
      if (tokens.some((t) => studentOfToken(t)?.toLowerCase() === name)) return 'token';
      if ((await catalogNode(consul, studentNodeName(name), signal)) !== null) return 'node';
      // The student's own service workshop-<name> (any instance), or an instance with its ID under the shared name
      // (a workshop-api started without --service).
      if ((await catalogService(consul, studentServiceName(name), { signal })).length > 0) return 'service';
      const shared = await catalogService(consul, WORKSHOP_SERVICE_NAME, { filter: `ServiceID == "${studentServiceId(name)}"`, signal });
      return shared.length > 0 ? 'service' : undefined;
    },

    async login(name, signal) {
      const jwt = await opts.signJwt(name);
      const t = await aclLogin(consul, { AuthMethod: STUDENT_AUTH_METHOD, BearerToken: jwt, Meta: studentLoginMeta(name) }, signal);
      // The binding rules decide what the token may write: one that is not exactly this student's (rules edited by
      // hand) is logged out again rather than handed over.
      const service = (t.ServiceIdentities ?? []).map((s) => s.ServiceName);
      if (studentOfToken(t) !== name || service.length !== 1 || service[0] !== studentServiceName(name)) {
        await aclLogout(consul, t.SecretID).catch(() => undefined);
        throw new Error(`the ${STUDENT_AUTH_METHOD} auth method's binding rules are not the lab's (run lab:up again to put them back)`);
      }
      return { accessorId: t.AccessorID, secretId: t.SecretID, expirationTime: t.ExpirationTime || undefined };
    },

    async tokenSelf(secret, signal) {
      try {
        const t = await aclTokenSelf(consul, secret, signal);
        return { accessorId: t.AccessorID, student: studentOfToken(t) };
      } catch (err) {
        // 403 "ACL not found" (or 401/404): Consul does not know that secret.
        if (err instanceof ConsulError && (err.status === 403 || err.status === 401 || err.status === 404)) return undefined;
        throw err;
      }
    },

    async logout(secret, signal) {
      await aclLogout(consul, secret, signal);
    },
  };
}
