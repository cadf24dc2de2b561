import fc from 'fast-check';
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

test('a password with /?#@: or unicode in a URL is redacted all the same', () => {
  expect(redactSecrets('GET http://user:pa/ss@host:8500/v1 failed')).toBe('GET http://[redacted]@host:8500/v1 failed');
  expect(redactSecrets('http://u:abc@def@h')).toBe('http://[redacted]@h');
  fc.assert(
    fc.property(
      fc.string({
        // Whitespace and quotes end a URL in free text (in a real URL they are percent-encoded).
        unit: fc.oneof(
          fc.constantFrom('/', '?', '#', '@', ':', '%', 'é', '🔑'),
          fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }).filter((c) => !/[\s"'<>]/.test(c)),
        ),
        minLength: 4,
        maxLength: 30,
      }),
      fc.constantFrom('http://', 'https://'),
      (pw, scheme) => {
        const out = redactSecrets(`cannot reach ${scheme}user:${pw}@consul:8500/v1 now`);
        fc.pre(!`cannot reach ${scheme}[redacted]@consul:8500/v1 now user`.includes(pw));
        expect(out).not.toContain(pw);
      },
    ),
    { numRuns: 2000 },
  );
});
