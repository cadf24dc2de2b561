import { spawnLines } from './spawnLines';

/** Runs `script` in a real node child (the same pipes and timing as install-tools.sh gets). */
function runNode(script: string, keep = 50): Promise<{ code: number | null; tail: string[]; seen: string[] }> {
  const seen: string[] = [];
  return spawnLines(process.execPath, ['-e', script], { keep, onLine: (l) => seen.push(l) }).then((r) => ({ ...r, seen }));
}

describe('spawnLines', () => {
  test('a line written in two chunks is one line; stdout and stderr keep their own partial lines', async () => {
    // The delays make each write its own chunk in the parent; stderr's line lands between stdout's halves.
    const { code, seen } = await runNode(`
      const wait = (ms) => new Promise((r) => setTimeout(r, ms));
      (async () => {
        process.stdout.write('first half, ');
        await wait(150);
        process.stderr.write('a stderr line\\n');
        await wait(150);
        process.stdout.write('second half\\nnext line\\n');
      })();
    `);
    expect(code).toBe(0);
    expect(seen).toEqual(['a stderr line', 'first half, second half', 'next line']);
  });

  test('the last line, written just before a non-zero exit without a newline, is in the tail', async () => {
    // ~1 MB first, so the exit comes while the parent still has output to read (resolving on 'exit' lost it).
    const { code, tail, seen } = await runNode(
      `
      let all = '';
      for (let i = 0; i < 20000; i++) all += '[install-tools] building, step ' + i + ' of many, padding padding\\n';
      process.stderr.write(all);
      // exit once node has written it all to the pipe (node drops what is still queued at exit)
      process.stderr.write('[install-tools] error: go build failed', () => process.exit(3));
    `,
      5,
    );
    expect(code).toBe(3);
    expect(seen).toHaveLength(20001);
    expect(tail).toHaveLength(5);
    expect(tail[tail.length - 1]).toBe('[install-tools] error: go build failed');
    expect(tail[0]).toBe('[install-tools] building, step 19996 of many, padding padding');
  });

  test('resolves once the pipes are drained, not at the exit', async () => {
    // Deterministic form of the race: the pipe is still open (a background job holds it) when sh exits.
    const { code, tail } = await spawnLines('sh', ['-c', '(sleep 0.3; echo "[install-tools] error: the last line") & exit 3'], { keep: 5 });
    expect(code).toBe(3);
    expect(tail).toEqual(['[install-tools] error: the last line']);
  });
});
