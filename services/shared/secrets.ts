// Values registered here (e.g. the workshop-api GitHub token, CONSUL_HTTP_TOKEN) are replaced by "[redacted]"
// in every log line and every error message that goes through the shared logger / CLI runner.
const secrets = new Set<string>();

export function registerSecret(value: string | undefined): void {
  // Very short values would redact ordinary words; tokens are long.
  if (value && value.length >= 4) secrets.add(value);
}

// `scheme://user:password@` (or `scheme://token@`) anywhere in a line: credentials in a URL are secret even
// when nobody registered them (an address pasted into a flag, a library's error quoting a URL). Up to the
// last "@" before whitespace or a quote: a password may hold "/", "?", "#" or "@" (over-redacting beats leaking).
const URL_USERINFO = /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s"'<>]+@/g;

export function redactSecrets(text: string): string {
  let out = text.replace(URL_USERINFO, '$1[redacted]@');
  for (const s of secrets) out = out.split(s).join('[redacted]');
  return out;
}
