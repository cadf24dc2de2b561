import { redactSecrets, registerSecret } from './secrets';

test('credentials in any URL are redacted even when nobody registered them', () => {
  expect(redactSecrets('cannot reach http://user:hunter2x@consul:8500/v1')).toBe('cannot reach http://[redacted]@consul:8500/v1');
  expect(redactSecrets('"https://tok3n@h" and http://a:b@[::1]:1')).toBe('"https://[redacted]@h" and http://[redacted]@[::1]:1');
  expect(redactSecrets('mail me at x@y.z, see http://host:8500/')).toBe('mail me at x@y.z, see http://host:8500/');
});

test('registered values are redacted', () => {
  registerSecret('secrets-test-token-123');
  expect(redactSecrets('token secrets-test-token-123 refused')).toBe('token [redacted] refused');
});
