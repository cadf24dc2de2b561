// Values registered here (e.g. the workshop-api GitHub token) are replaced by "[redacted]"
// in every log line and every error message that goes through the shared logger / CLI runner.
const secrets = new Set<string>();

export function registerSecret(value: string | undefined): void {
  // Very short values would redact ordinary words; tokens are long.
  if (value && value.length >= 4) secrets.add(value);
}

export function redactSecrets(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('[redacted]');
  return out;
}
