/*
 * Text from outside (names and states read from Consul, which whoever can register there writes) printed on
 * a terminal. A raw ESC or CSI can move the cursor, clear the screen or retitle the window; a newline can fake
 * a whole line of our own output; bidi controls can make "alice" read as someone else; a megabyte-long name
 * can bury the report. The repo's habit was JSON.stringify at the call site (workshop-api's registration
 * errors), which leaves DEL, the C1 controls (U+009B is a one-character CSI), bidi and invisible characters
 * as they are: this is that habit, finished, in one place.
 */

/**
 * Characters never written raw: C0 controls, DEL and C1 controls (U+0000–U+001F, U+007F–U+009F), the bidi
 * marks, embeddings, overrides and isolates, the zero-width and invisible characters, the line and paragraph
 * separators, the BOM, the interlinear annotation marks, lone surrogates (not text at all) and backslash and
 * the double quote (the escape and the delimiter, so the quoting can be undone).
 */
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"\\]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Names shown as they are: what GitHub logins, Consul node names and service IDs are made of. */
const PLAIN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The longest text shown, in characters (code points); GitHub logins are at most 39. */
export const DEFAULT_MAX_CHARS = 64;

function escapeChar(c: string): string {
  switch (c) {
    case '"':
      return '\\"';
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default:
      return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
}

/** `s` with every unsafe character written as a JSON escape: JSON.parse(`"${escapeUnsafe(s)}"`) === s. */
export function escapeUnsafe(s: string): string {
  return s.replace(UNSAFE, escapeChar);
}

/**
 * A line of our own text that embeds text from outside (a check's label naming a Consul node): every unsafe
 * character as a JSON escape, but `"` and `\\` as they are (our own quoting inside the line stays readable).
 */
export function terminalSafeLine(s: string): string {
  return s.replace(UNSAFE, (c) => (c === '"' || c === '\\' ? c : escapeChar(c)));
}

/**
 * `s` as one safe terminal token: plain names (letters, digits, ".", "_", "-") as they are, anything else in
 * double quotes with JSON escapes (so a reader sees that the name is odd, and exactly how). Longer than
 * `maxChars` code points: cut there (never inside a surrogate pair) and marked `…(+N more)`, outside the quotes.
 */
export function quoteForTerminal(s: string, maxChars = DEFAULT_MAX_CHARS): string {
  // Only the head can be shown: look at no more of a huge string than that (a code point is at most 2 units).
  const head = Array.from(s.slice(0, maxChars * 2 + 2));
  const cut = head.length > maxChars;
  const shown = cut ? head.slice(0, maxChars).join('') : s;
  if (!cut && PLAIN.test(s)) return s;
  const quoted = `"${escapeUnsafe(shown)}"`;
  if (!cut) return quoted;
  const rest = s.length - shown.length; // UTF-16 units; exact count of code points is not worth a full scan
  return `${quoted}…(+${rest} more)`;
}

/**
 * JSON for stdout that is safe on a terminal too: JSON.stringify leaves DEL, C1, bidi and invisible
 * characters raw; here they are \u escapes (same value once parsed).
 */
export function terminalSafeJson(value: unknown): string {
  // After JSON.stringify the only backslashes and quotes are its own escapes and delimiters: leave those.
  const extra = /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;
  return JSON.stringify(value).replace(extra, escapeChar);
}

/**
 * As quoteForTerminal, but always in double quotes: a name inside a sentence of ours (`member "host-c" has ...`)
 * reads as a name even when it is plain. Plain names never start with `"`, so this never double-quotes.
 */
export function quotedForTerminal(s: string, maxChars = DEFAULT_MAX_CHARS): string {
  const q = quoteForTerminal(s, maxChars);
  return q.startsWith('"') ? q : `"${q}"`;
}

/**
 * A message from outside (an error line that may carry Consul's answer) as one safe line of at most `maxChars` code
 * points: terminalSafeLine, then cut with `…` (never inside an escape or a surrogate pair).
 */
export function terminalSafeText(s: string, maxChars = 300): string {
  // As in quoteForTerminal: only the head can be shown, so look at no more of a huge string than that.
  const head = Array.from(s.slice(0, maxChars * 2 + 2));
  if (head.length <= maxChars) return terminalSafeLine(s);
  return `${terminalSafeLine(head.slice(0, maxChars).join(''))}…`;
}
