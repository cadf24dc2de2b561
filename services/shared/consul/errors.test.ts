import { ConsulError, consulErrorDetail, consulErrorText, hintFor, isPermanentConsulError } from './errors';

/** What the consul client (papi) rejects with when the agent answers 4xx: message, statusCode and the body. */
function responseError(status: number, message: string, body: string): Error {
  return Object.assign(new Error(message), { statusCode: status, response: { statusCode: status, body } });
}

test('errors retrying cannot fix are told apart from transient ones', () => {
  const http = (statusCode: number, message: string) => Object.assign(new Error(message), { statusCode });
  expect(isPermanentConsulError(http(400, 'Invalid check'))).toBe(true);
  expect(isPermanentConsulError(http(403, 'Permission denied'))).toBe(true);
  expect(isPermanentConsulError(http(403, "Permission denied: token with AccessorID 'x' lacks permission 'service:write'"))).toBe(true);
  expect(
    isPermanentConsulError(
      Object.assign(new TypeError('Invalid character in header content ["X-Consul-Token"]'), { code: 'ERR_INVALID_CHAR' }),
    ),
  ).toBe(true);
  // Transient: the token may still be replicating, the agent restarting, a leader being elected.
  expect(isPermanentConsulError(http(403, 'ACL not found'))).toBe(false);
  expect(isPermanentConsulError(http(500, 'No cluster leader'))).toBe(false);
  expect(isPermanentConsulError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8500'), { code: 'ECONNREFUSED' }))).toBe(false);
  expect(isPermanentConsulError('not an error')).toBe(false);
});

test('429 and a timeout are retried; a client-side validation error is not', () => {
  expect(isPermanentConsulError(responseError(429, 'too many requests', 'rate limit exceeded'))).toBe(false);
  expect(isPermanentConsulError(new Error('Consul service registration: no answer within 5000 ms'))).toBe(false);
  expect(isPermanentConsulError(Object.assign(new Error('name required'), { isValidation: true }))).toBe(true);
});

test("Consul's reason is read from the body when the client keeps only the status text", () => {
  // What consul 2.0.1 (papi) makes of a 403 whose text body is longer than it keeps as the message.
  const long = Object.assign(new Error('forbidden'), {
    statusCode: 403,
    response: {
      statusCode: 403,
      body: "Permission denied: token with AccessorID '00000000-0000-0000-0000-000000000002' lacks permission 'service:write' on \"consul-demo\"",
    },
  });
  expect(consulErrorText(long)).toMatch(/^forbidden: Permission denied: token with AccessorID/);
  expect(isPermanentConsulError(long)).toBe(true);
  const notFound = Object.assign(new Error('forbidden'), { statusCode: 403, response: { statusCode: 403, body: 'ACL not found' } });
  expect(isPermanentConsulError(notFound)).toBe(false);
  // A short body is already the message: not repeated.
  expect(consulErrorText(Object.assign(new Error('Permission denied'), { response: { body: 'Permission denied' } }))).toBe(
    'Permission denied',
  );
});

test('consulErrorDetail: status and reason from a response error; plain errors keep their message', () => {
  expect(consulErrorDetail(responseError(403, 'forbidden', 'Permission denied\nmore'))).toEqual({
    status: 403,
    reason: 'forbidden: Permission denied',
  });
  expect(consulErrorDetail(new Error('connect ECONNREFUSED 127.0.0.1:8500'))).toEqual({
    status: undefined,
    reason: 'connect ECONNREFUSED 127.0.0.1:8500',
  });
});

test('ConsulError: status, reason and a hint per status; no status = no answer', () => {
  const e = (status: number | undefined, reason = '') => new ConsulError('GET /v1/x: …', { what: 'GET /v1/x', status, reason });
  expect(e(403, 'Permission denied: lacks acl:read').hint).toMatch(/policy lacks this permission/);
  expect(e(403, 'ACL not found').hint).toMatch(/does not know the token/);
  expect(e(401, 'ACL support disabled').hint).toMatch(/not in classroom mode/);
  expect(e(404).hint).toMatch(/no such object/);
  expect(e(400).hint).toMatch(/invalid/);
  expect(e(429).hint).toMatch(/rate limiting/);
  expect(e(500, 'No cluster leader').hint).toMatch(/no leader yet/);
  expect(e(undefined).hint).toBe('');
  expect(hintFor(undefined)).toMatch(/is the lab up/);
  // What retrying can fix, as for the client's errors.
  expect(isPermanentConsulError(e(400))).toBe(true);
  expect(isPermanentConsulError(new ConsulError('PUT x: HTTP 403: Permission denied', { status: 403 }))).toBe(true);
  expect(isPermanentConsulError(new ConsulError('PUT x: HTTP 403: ACL not found', { status: 403 }))).toBe(false);
  expect(isPermanentConsulError(e(503))).toBe(false);
  expect(consulErrorDetail(e(503))).toEqual({ status: 503, reason: 'GET /v1/x: …' });
  // withMessage keeps everything but the words.
  const w = e(403, 'Permission denied').withMessage('other words');
  expect([w.message, w.status, w.reason, w.what]).toEqual(['other words', 403, 'Permission denied', 'GET /v1/x']);
});
