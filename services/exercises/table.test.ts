// The exercise table against README.md: every anchor is a `###` heading there and every id is one exercise, so a
// renamed README section or a copied row fails here instead of leaving lab:check pointing nowhere.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EXERCISES, findExercise } from './table';

const README = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

/**
 * GitHub's anchor for a heading's text (as github-slugger makes it): the rendered text lowercased, everything
 * but letters, digits, marks, connectors, spaces and hyphens dropped, spaces → hyphens.
 */
function slug(heading: string): string {
  const rendered = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '');
  return rendered
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every heading of a Markdown text outside code fences, in order, with its anchor (a repeat gets -1, -2, …). */
function headings(markdown: string): Array<{ level: number; anchor: string }> {
  const seen = new Map<string, number>();
  const out: Array<{ level: number; anchor: string }> = [];
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const m = inFence ? null : /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[2]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.push({ level: m[1]!.length, anchor: `#${n ? `${base}-${n}` : base}` });
  }
  return out;
}

test("GitHub's anchors, as the README's headings get them", () => {
  expect(slug('1. Discovery and high availability with consul-demo')).toBe('1-discovery-and-high-availability-with-consul-demo');
  expect(slug('Topology: servers and hosts')).toBe('topology-servers-and-hosts');
  expect(slug('What the lab protects (and what it does not)')).toBe('what-the-lab-protects-and-what-it-does-not');
  expect(slug("The `lab:check` [command](docs/x.md)'s exit")).toBe('the-labcheck-commands-exit');
  const h = headings('# A\n```sh\n# not a heading\n```\n## A\n### B: c\n');
  expect(h).toEqual([
    { level: 1, anchor: '#a' },
    { level: 2, anchor: '#a-1' },
    { level: 3, anchor: '#b-c' },
  ]);
});

test("every exercise's anchor is a ### section of README.md", () => {
  const sections = new Set(
    headings(README)
      .filter((h) => h.level === 3)
      .map((h) => h.anchor),
  );
  expect(sections.size).toBeGreaterThan(5);
  expect(EXERCISES.filter((e) => !sections.has(e.anchor)).map((e) => `${e.id}: ${e.anchor}`)).toEqual([]);
});

test('no two exercises share an id', () => {
  const ids = EXERCISES.map((e) => e.id);
  expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
});

test('the exercise list: ids, titles and README anchors, lab first', () => {
  expect(EXERCISES.map((e) => e.id)).toEqual(['lab', '1', '2', '3', '4', '5', '5-node-check', '6', '7', '8', 'classroom', 'room']);
  expect(findExercise('1')?.title).toBe('Discovery and high availability');
  for (const e of EXERCISES) expect(e.anchor).toMatch(/^#[a-z0-9-]+$/);
});
