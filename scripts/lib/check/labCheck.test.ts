import { renderResult } from './labCheck';

const result = {
  id: '1',
  title: 'Discovery and high availability',
  checks: [
    { ok: false, label: 'two or more demo server processes passing (1)', hint: 'add a second server: `npm run lab:scale-server`' },
    { ok: true, label: 'the client found the server both by DNS and by HTTP', hint: '' },
  ],
};

test('a heading, ✓ / ✗ lines with the hint after a dash, a summary', () => {
  expect(renderResult(result)).toBe(
    [
      'Exercise 1: Discovery and high availability',
      '  ✗ two or more demo server processes passing (1) — add a second server: `npm run lab:scale-server`',
      '  ✓ the client found the server both by DNS and by HTTP',
      '1 of 2 checks pass: 1 to go.',
    ].join('\n'),
  );
});

test('another project: the hints need its -p; the lab check lists the exercise ids', () => {
  expect(renderResult(result, 'checklab')).toContain('This lab is "checklab": add `-p checklab` to the commands above');
  const lab = renderResult(
    { id: 'lab', title: 'The lab is up and whole', checks: [{ ok: true, label: 'Consul has a raft leader', hint: '' }] },
    'checklab',
  );
  expect(lab.split('\n')).toEqual([
    'Lab: The lab is up and whole',
    '  ✓ Consul has a raft leader',
    'The check passes.',
    'Exercises: 1, 2, 3, 4, 5, 5-node-check, 6, 7, 8, classroom, room (npm run lab:check -- <id>)',
  ]);
});

test('what Consul holds, named in a label or hint, goes out terminal-safe; our own quotes stay', () => {
  const out = renderResult({
    id: 'classroom',
    title: 'Every student joined, alive, passing and on the page',
    checks: [{ ok: false, label: 'agent of "x\u001b[2J\u009b" alive', hint: 'see\nnext \u202eline' }],
  });
  expect(out.split('\n')[1]).toBe('  ✗ agent of "x\\u001b[2J\\u009b" alive — see\\nnext \\u202eline');
  // eslint-disable-next-line no-control-regex -- that is what must not be there
  expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
});
