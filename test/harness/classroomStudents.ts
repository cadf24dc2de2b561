// Students made the way the enrollment service makes them, against a real Consul with ACLs: the lab-students JWT
// auth method and its binding rules (services/enrollment/names.ts), and a login per name with a short ES256 JWT.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import {
  STUDENT_AUTH_METHOD,
  STUDENT_BINDING_RULES,
  STUDENT_JWT,
  studentAuthMethod,
  studentLoginMeta,
} from '../../services/enrollment/names';

export interface StudentLogins {
  /** What the enrollment service does for a name: sign a JWT, log in; the student's token comes back. */
  login(name: string): Promise<{ SecretID: string; AccessorID: string; ExpirationTime?: string }>;
}

async function ok<T>(res: Promise<Response>, what: string): Promise<T> {
  const r = await res;
  if (!r.ok) throw new Error(`${what}: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

/** Sets up the students' auth method at `consulUrl` (with the management token) and returns how to log students in. */
export async function studentLogins(consulUrl: string, managementToken: string): Promise<StudentLogins> {
  const call = (method: string, path: string, body: unknown, token?: string): Promise<Response> =>
    fetch(`${consulUrl}${path}`, {
      method,
      headers: token ? { 'X-Consul-Token': token } : {},
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const key: KeyObject = privateKey;
  await ok(
    call('PUT', '/v1/acl/auth-method', studentAuthMethod(publicKey.export({ type: 'spki', format: 'pem' }).toString()), managementToken),
    'auth method',
  );
  for (const rule of STUDENT_BINDING_RULES)
    await ok(call('PUT', '/v1/acl/binding-rule', { AuthMethod: STUDENT_AUTH_METHOD, ...rule }, managementToken), 'binding rule');
  return {
    async login(name) {
      const jwt = await new SignJWT({ [STUDENT_JWT.nameClaim]: name })
        .setProtectedHeader({ alg: STUDENT_JWT.algorithm })
        .setIssuer(STUDENT_JWT.issuer)
        .setAudience(STUDENT_JWT.audience)
        .setIssuedAt()
        .setExpirationTime('2m')
        .sign(key);
      return ok(
        call('POST', '/v1/acl/login', { AuthMethod: STUDENT_AUTH_METHOD, BearerToken: jwt, Meta: studentLoginMeta(name) }),
        `login ${name}`,
      );
    },
  };
}
