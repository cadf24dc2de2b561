import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { STUDENT_JWT } from './names';
import { parseJwtKey, studentJwtSigner } from './studentJwt';

const pkcs8 = (k: ReturnType<typeof generateKeyPairSync>['privateKey']): string => k.export({ type: 'pkcs8', format: 'pem' }).toString();
const P256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });

describe('studentJwtSigner', () => {
  it('signs ES256 with iss, aud, lab_student, iat = nbf = now and exp 60 s later', async () => {
    const now = 1_800_000_000_000;
    const jwt = await studentJwtSigner(parseJwtKey(pkcs8(P256.privateKey)), () => now)('alice');
    expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: 'ES256' });
    const { payload } = await jwtVerify(jwt, P256.publicKey, {
      issuer: STUDENT_JWT.issuer,
      audience: STUDENT_JWT.audience,
      algorithms: ['ES256'],
      currentDate: new Date(now + 1000),
    });
    expect(payload).toMatchObject({ lab_student: 'alice', iat: now / 1000, nbf: now / 1000, exp: now / 1000 + 60 });
    expect(typeof payload.jti).toBe('string');
  });
});

describe('parseJwtKey', () => {
  it.each([
    ['not PEM', 'hello', /PKCS#8/],
    ['an SEC1 EC key', P256.privateKey.export({ type: 'sec1', format: 'pem' }).toString(), /PKCS#8/],
    ['junk inside', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', /not a readable/],
    ['a P-384 key', pkcs8(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey), /P-256/],
    ['an RSA key', pkcs8(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey), /P-256/],
  ])('refuses %s without quoting it', (_what, pem, msg) => {
    let err: Error | undefined;
    try {
      parseJwtKey(pem);
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toMatch(msg);
    expect(err?.message).not.toContain('AAAA');
  });
});
