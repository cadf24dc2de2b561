// The short JWT the enrollment service signs for one student (issue 18): Consul's lab-students auth method trusts its
// public key and turns it into the student's token at POST /v1/acl/login. Short-lived (60 s) because it is used at
// once, by this service, and a leaked one must be useless soon; never logged.
import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { STUDENT_JWT } from './names';

/** How long a student JWT is valid: it is exchanged within the same request. */
export const STUDENT_JWT_TTL_SECONDS = 60;

/** The EC P-256 private key in `pem` (PKCS#8), or an Error saying what is wrong with it (never quoting it). */
export function parseJwtKey(pem: string): KeyObject {
  if (!/^-----BEGIN PRIVATE KEY-----/.test(pem.trim())) throw new Error('must be a PKCS#8 PEM private key (BEGIN PRIVATE KEY)');
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new Error('not a readable PEM private key');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new Error('must be an EC P-256 key (ES256)');
  return key;
}

/** Signs a student JWT for `name`: ES256, iss/aud of STUDENT_JWT, claim lab_student = name, iat/nbf now, exp +60 s. */
export function studentJwtSigner(key: KeyObject, now: () => number = Date.now): (name: string) => Promise<string> {
  return (name) => {
    const t = Math.floor(now() / 1000);
    return new SignJWT({ [STUDENT_JWT.nameClaim]: name })
      .setProtectedHeader({ alg: STUDENT_JWT.algorithm, typ: 'JWT' })
      .setIssuer(STUDENT_JWT.issuer)
      .setAudience(STUDENT_JWT.audience)
      .setIssuedAt(t)
      .setNotBefore(t)
      .setExpirationTime(t + STUDENT_JWT_TTL_SECONDS)
      .setJti(randomUUID())
      .sign(key);
  };
}
