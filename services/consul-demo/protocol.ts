/**
 * The demo's wire protocol: line-delimited text over TCP, many exchanges per connection.
 *   v1: client sends `ping`, server answers `pong`
 *   v2: client sends `syn`,  server answers `ack`
 * The wrong word gets `error: expected ping` (or `syn`) and the connection stays open, so a client
 * that guessed the version wrong learns which one it reached.
 */
export type Version = 'v1' | 'v2';
export const VERSIONS: readonly Version[] = ['v1', 'v2'];

export const WORDS: Record<Version, { request: string; reply: string }> = {
  v1: { request: 'ping', reply: 'pong' },
  v2: { request: 'syn', reply: 'ack' },
};

/** Longest line the server accepts, in bytes without the newline. */
export const MAX_LINE_BYTES = 1024;

export function isVersion(value: unknown): value is Version {
  return value === 'v1' || value === 'v2';
}

/**
 * The server's reply to one received line (without its newline). Surrounding whitespace is ignored so
 * that a human typing into `nc -C` or telnet (which send `\r\n`) gets the same answer as a program.
 */
export function replyTo(version: Version, line: string): string {
  const { request, reply } = WORDS[version];
  return line.trim() === request ? reply : `error: expected ${request}`;
}

/**
 * "Binary garbage", as the server defines it: a control byte that no text line contains
 * (anything below 0x20 except tab and carriage return, and DEL), or bytes that are not valid UTF-8.
 * The control-byte test runs on every byte as it arrives, so garbage is caught before a newline.
 */
export function isControlByte(b: number): boolean {
  return (b < 0x20 && b !== 0x09 && b !== 0x0d && b !== 0x0a) || b === 0x7f;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The line's text, or undefined when it is not valid UTF-8. */
export function decodeLine(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}
