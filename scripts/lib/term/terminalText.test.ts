import fc from 'fast-check';
import { DEFAULT_MAX_CHARS, escapeUnsafe, quoteForTerminal, terminalSafeJson, terminalSafeLine } from './terminalText';

/** What may never reach a terminal raw: C0, DEL, C1, bidi/invisible controls, separators, lone surrogates. */
// eslint-disable-next-line no-control-regex -- the test is about control characters
const NEVER_RAW = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Strings full of what a hostile name would hold: escapes, controls, bidi marks, quotes, emoji, lone surrogates. */
const hostile = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      '\u001b',
      '[',
      '2J',
      '\u009b',
      '\u007f',
      '\n',
      '\r',
      '\t',
      '\u0000',
      '\u202e',
      '\u2066',
      '\u200b',
      '\ufeff',
      '"',
      '\\',
      'é',
      '🔑',
      '\ud800',
      '\udc00',
    ),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.constantFrom('a', 'b', '-', '.', '_', '0'),
  ),
  maxLength: 200,
});

describe('quoteForTerminal', () => {
  it('shows plain names as they are', () => {
    expect(quoteForTerminal('alice')).toBe('alice');
    expect(quoteForTerminal('student-bob.2_x')).toBe('student-bob.2_x');
  });

  it('quotes and escapes anything else', () => {
    expect(quoteForTerminal('eve\u001b[2J\nalice  joined ✓')).toBe('"eve\\u001b[2J\\nalice  joined ✓"');
    expect(quoteForTerminal('\u009b31m')).toBe('"\\u009b31m"');
    expect(quoteForTerminal('ali\u202eecila')).toBe('"ali\\u202eecila"');
    expect(quoteForTerminal('')).toBe('""');
    expect(quoteForTerminal('a "b" \\ c')).toBe('"a \\"b\\" \\\\ c"');
    expect(quoteForTerminal('-rf')).toBe('"-rf"'); // does not start like a name
  });

  it('cuts a huge name and says how much is hidden', () => {
    const out = quoteForTerminal('x'.repeat(1_000_000));
    expect(out).toBe(`"${'x'.repeat(DEFAULT_MAX_CHARS)}"…(+${1_000_000 - DEFAULT_MAX_CHARS} more)`);
  });

  it('never cuts inside a surrogate pair', () => {
    const out = quoteForTerminal('🔑'.repeat(10), 3);
    expect(out).toBe('"🔑🔑🔑"…(+14 more)');
  });

  it('property: nothing unsafe is ever written raw, whatever the input', () => {
    fc.assert(
      fc.property(hostile, fc.integer({ min: 1, max: 80 }), (s, max) => {
        const out = quoteForTerminal(s, max);
        expect(out).not.toMatch(NEVER_RAW);
        expect(out).not.toMatch(LONE_SURROGATE);
      }),
    );
  });

  it('property: the output is bounded by the limit, however long the input', () => {
    fc.assert(
      fc.property(hostile, fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 1, max: 80 }), (s, extra, max) => {
        const out = quoteForTerminal(s + 'y'.repeat(extra), max);
        // each shown code point is at most a 6-character escape (or 2 units), plus quotes and the "…(+N more)" mark
        expect(out.length).toBeLessThanOrEqual(max * 6 + 2 + 20);
      }),
    );
  });

  it('property: a name that is not cut can be read back exactly (JSON string syntax)', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const out = quoteForTerminal(s, 1000);
        expect(out.startsWith('"') ? JSON.parse(out) : out).toBe(s);
      }),
    );
  });

  it('property: distinct names print distinctly (no two students look alike)', () => {
    fc.assert(
      fc.property(hostile, hostile, (a, b) => {
        fc.pre(a !== b);
        expect(quoteForTerminal(a, 1000)).not.toBe(quoteForTerminal(b, 1000));
      }),
    );
  });

  it('escapeUnsafe round-trips through JSON.parse', () => {
    fc.assert(fc.property(hostile, (s) => expect(JSON.parse(`"${escapeUnsafe(s)}"`)).toBe(s)));
  });
});

describe('terminalSafeJson', () => {
  it('property: same value as JSON.stringify once parsed, with nothing unsafe raw', () => {
    fc.assert(
      fc.property(fc.dictionary(hostile, hostile, { maxKeys: 4 }), fc.array(hostile, { maxLength: 4 }), (obj, list) => {
        const value = { obj, list };
        const out = terminalSafeJson(value);
        expect(out).not.toMatch(NEVER_RAW);
        expect(out).not.toMatch(LONE_SURROGATE);
        expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});

describe('terminalSafeLine', () => {
  test('escapes controls, C1, bidi and invisibles; leaves quotes, backslashes and plain text as they are', () => {
    expect(terminalSafeLine('a "b" \\ c')).toBe('a "b" \\ c');
    expect(terminalSafeLine('x\u001b[2J\ny\u009b\u202ez\u200b')).toBe('x\\u001b[2J\\ny\\u009b\\u202ez\\u200b');
    expect(terminalSafeLine('✓ alice — ok')).toBe('✓ alice — ok');
  });
});
