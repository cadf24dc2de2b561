import fc from 'fast-check';
import {
  DEFAULT_MAX_CHARS,
  escapeUnsafe,
  quotedForTerminal,
  quoteForTerminal,
  terminalSafeJson,
  terminalSafeLine,
  terminalSafeText,
} from './terminalText';

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

describe('quotedForTerminal', () => {
  test('always quoted, escaped like quoteForTerminal, never quoted twice', () => {
    expect(quotedForTerminal('host-c')).toBe('"host-c"');
    expect(quotedForTerminal('x\u001b[2J')).toBe('"x\\u001b[2J"');
    expect(quotedForTerminal('x'.repeat(10), 4)).toBe('"xxxx"…(+6 more)');
  });
  it('property: nothing unsafe raw, always starts with a quote', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const out = quotedForTerminal(s);
        expect(out.startsWith('"')).toBe(true);
        expect(out).not.toMatch(NEVER_RAW);
        expect(out).not.toMatch(LONE_SURROGATE);
      }),
    );
  });
});

describe('terminalSafeText', () => {
  test('a message as one safe line, cut with …', () => {
    expect(terminalSafeText('rpc error: "no leader"\nmore\u001b[2J')).toBe('rpc error: "no leader"\\nmore\\u001b[2J');
    expect(terminalSafeText('🔑'.repeat(5), 3)).toBe('🔑🔑🔑…');
    expect(terminalSafeText('ab', 2)).toBe('ab');
  });
  it('property: nothing unsafe raw, bounded, whatever the input', () => {
    fc.assert(
      fc.property(hostile, fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 1, max: 300 }), (s, extra, max) => {
        const out = terminalSafeText(s + '\u009b'.repeat(extra), max);
        expect(out).not.toMatch(NEVER_RAW);
        expect(out).not.toMatch(LONE_SURROGATE);
        expect(out.length).toBeLessThanOrEqual(max * 6 + 1);
      }),
    );
  });
});

/*
 * lab:join prints what the enrollment service and join.json hand over (the student's node name and service ID as
 * the service answered them, the page and UI URLs, the service's error text). lab-join.ts has no formatting function
 * of its own to test, so this is the property for its lines built the way they should be: names through
 * quoteForTerminal, URLs and messages through terminalSafeText. (Today lab-join.ts prints them raw.)
 */
function joinLines(v: { nodeName: string; serviceId: string; page: string; consulUi: string; serverError: string }): string[] {
  return [
    `enrolled as "alice": node ${quoteForTerminal(v.nodeName)}, service ${quoteForTerminal(v.serviceId)}`,
    `your API registers as its own service ${quotedForTerminal(v.serviceId)}`,
    `your agent joined the cluster as ${quoteForTerminal(v.nodeName)}`,
    `${quoteForTerminal(v.serviceId)} is passing in Consul`,
    `  The page        ${terminalSafeText(v.page, 200)}`,
    `  The room's UI   ${terminalSafeText(v.consulUi, 200)}`,
    `lab:join: error: the enrollment service refused: ${terminalSafeText(v.serverError)}`,
  ];
}

const NEVER_RAW_BUT_NEWLINE =
  // eslint-disable-next-line no-control-regex -- the property is about control characters
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/;

describe("lab:join's lines with what the enrollment service handed over", () => {
  /** Full unicode, with the escapes a hostile service would send; URLs that `new URL` accepts (it drops \n and \t). */
  const anyText = fc.oneof(hostile, fc.string({ unit: 'grapheme-composite', maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }));
  const url = anyText.map((s) => `http://192.168.1.20:8080/${s}`);
  it('property: no control character but the line breaks of the report, one line each', () => {
    fc.assert(
      fc.property(anyText, anyText, url, url, anyText, (nodeName, serviceId, page, consulUi, serverError) => {
        const out = joinLines({ nodeName, serviceId, page, consulUi, serverError }).join('\n');
        expect(out).not.toMatch(NEVER_RAW_BUT_NEWLINE);
        expect(out).not.toMatch(LONE_SURROGATE);
        expect(out.split('\n')).toHaveLength(7);
      }),
    );
  });
  test('the case that matters: a URL new URL() accepts can carry a newline and an escape', () => {
    const page = 'http://192.168.1.20:8080/\n"alice" is on the page\u001b[2J';
    expect(() => new URL(page)).not.toThrow();
    expect(joinLines({ nodeName: 'student-alice', serviceId: 'workshop-alice', page, consulUi: 'http://x/', serverError: '' })[4]).toBe(
      '  The page        http://192.168.1.20:8080/\\n"alice" is on the page\\u001b[2J',
    );
  });
});
