import { consulErrorDetail, consulErrorText, isPermanentConsulError } from './errors';

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
