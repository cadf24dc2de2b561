/*
 * npm run lab:roster — who is in the room, read from the instructor's Consul: one line per student saying
 * whether they joined (their ACL token exists), their agent is alive (serfHealth of node student-<name>),
 * their API passes (their own service workshop-<name>, ID the same, on that node) and their avatar is on the
 * shared page.
 *
 * Everything here but `readRoster`'s two boundaries is pure. Names, node names and check names come from
 * Consul, i.e. from whoever could register there: they are data, printed only through quoteForTerminal.
 */
import { readBounded } from '../../../services/shared/readBounded';
import { errorMessage } from '../../../services/shared/errors';
import { parsePageAvatarLinks } from '../../../services/shared/pageLinks';
import { registerSecret } from '../../../services/shared/secrets';
import {
  STUDENT_NAME,
  studentFromTokenDescription,
  studentNodeName,
  studentServiceId,
  studentServiceName,
} from '../../../services/enrollment/names';
import { quoteForTerminal } from '../term/terminalText';

/** A student's agent runs as node `student-<name>` (services/enrollment/names.ts's rule). */
const STUDENT_NODE_PREFIX = studentNodeName('');

/** One yes/no about a student, and when no, a short why (our own words, or data already quoted). */
export interface Fact {
  ok: boolean;
  why?: string;
}

export interface StudentRow {
  name: string;
  joined: Fact;
  agentAlive: Fact;
  apiPassing: Fact;
  onPage: Fact;
}

/** The shared page: its HTML, or why it could not be read (a roster without it still says the rest). */
export type PageRead = { ok: true; html: string } | { ok: false; error: string };

/** Consul's answers the roster is built from, as parsed JSON (shape not trusted). */
export interface RosterInputs {
  /** GET /v1/acl/tokens */
  tokens: unknown;
  /** GET /v1/catalog/nodes */
  nodes: unknown;
  /** GET /v1/health/state/any filtered to CheckID serfHealth */
  serfChecks: unknown;
  /**
   * The students' instances: GET /v1/health/service/workshop-<name> (studentServicePath) for each student, the
   * answers' entries concatenated. Each student's instance is its own service (services/enrollment/names.ts).
   */
  workshop: unknown;
  page: PageRead;
}

export interface Roster {
  consulUrl: string;
  pageUrl: string;
  /** Set when the page could not be read: every "on the page" is then ✗ "page unreadable". */
  pageError?: string;
  students: StudentRow[];
}

function asRecord(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Student names with a token, and how many tokens each (two would mean a doubled enrollment). */
export function tokenNames(tokens: unknown): Map<string, number> {
  const names = new Map<string, number>();
  for (const t of asArray(tokens)) {
    // The enrollment service's rule (`lab student <name>`), the one its name check uses too.
    const name = studentFromTokenDescription(str(asRecord(t).Description));
    if (name) names.set(name, (names.get(name) ?? 0) + 1);
  }
  return names;
}

/** Student names with a node `student-<name>` in the catalog. */
export function nodeNames(nodes: unknown): Set<string> {
  const names = new Set<string>();
  for (const n of asArray(nodes)) {
    const node = str(asRecord(n).Node);
    if (node.startsWith(STUDENT_NODE_PREFIX) && node.length > STUDENT_NODE_PREFIX.length) names.add(node.slice(STUDENT_NODE_PREFIX.length));
  }
  return names;
}

/** Node name → its serfHealth status ("passing", "critical", ...). */
export function serfStatusByNode(checks: unknown): Map<string, string> {
  const byNode = new Map<string, string>();
  for (const c of asArray(checks)) {
    const r = asRecord(c);
    if (str(r.CheckID) === 'serfHealth') byNode.set(str(r.Node), str(r.Status));
  }
  return byNode;
}

/** Service IDs the page shows an avatar for: `/avatars/<id>` links (ids are URL-encoded there). */
export function pageAvatarIds(html: string): Set<string> {
  return new Set(parsePageAvatarLinks(html));
}

interface WorkshopEntry {
  id: string;
  node: string;
  checks: Array<{ id: string; name: string; status: string }>;
}

function workshopEntries(raw: unknown): WorkshopEntry[] {
  return asArray(raw).map((e) => {
    const r = asRecord(e);
    return {
      id: str(asRecord(r.Service).ID),
      node: str(asRecord(r.Node).Node),
      checks: asArray(r.Checks).map((c) => {
        const ch = asRecord(c);
        return { id: str(ch.CheckID), name: str(ch.Name), status: str(ch.Status) };
      }),
    };
  });
}

function joinedFact(tokenCount: number): Fact {
  if (tokenCount === 0) return { ok: false, why: 'no token' };
  return tokenCount === 1 ? { ok: true } : { ok: true, why: `${tokenCount} tokens` };
}

function agentFact(name: string, nodes: Set<string>, serf: Map<string, string>): Fact {
  if (!nodes.has(name)) return { ok: false, why: 'no node' };
  const status = serf.get(studentNodeName(name));
  if (status === undefined) return { ok: false, why: 'no serfHealth' };
  if (status === 'passing') return { ok: true };
  return { ok: false, why: `serfHealth ${quoteForTerminal(status, 16)}` };
}

/** The student's instance is the one on their own node: a `workshop-<name>` elsewhere is someone else's. */
function apiFact(name: string, entries: WorkshopEntry[]): Fact {
  const id = studentServiceId(name);
  const node = studentNodeName(name);
  const withId = entries.filter((e) => e.id === id);
  const mine = withId.find((e) => e.node === node);
  if (!mine) {
    const elsewhere = withId[0];
    return { ok: false, why: elsewhere ? `only on node ${quoteForTerminal(elsewhere.node, 40)}` : 'not registered' };
  }
  // As Consul's ?passing filter: every check of the instance, the node's serfHealth included.
  const bad = mine.checks.find((c) => c.status !== 'passing');
  if (!bad) return { ok: true };
  if (bad.id === 'serfHealth') return { ok: false, why: 'agent down' };
  return { ok: false, why: `${quoteForTerminal(bad.status, 16)} (${quoteForTerminal(bad.name || bad.id, 32)})` };
}

function pageFact(name: string, page: PageRead, ids: Set<string>): Fact {
  if (!page.ok) return { ok: false, why: 'page unreadable' };
  return ids.has(studentServiceId(name)) ? { ok: true } : { ok: false, why: 'not there' };
}

/** Students = token holders ∪ student nodes, sorted by name (code unit order: stable on every machine). */
export function buildRoster(inputs: RosterInputs): StudentRow[] {
  const tokens = tokenNames(inputs.tokens);
  const nodes = nodeNames(inputs.nodes);
  const serf = serfStatusByNode(inputs.serfChecks);
  const entries = workshopEntries(inputs.workshop);
  const ids = inputs.page.ok ? pageAvatarIds(inputs.page.html) : new Set<string>();
  const names = [...new Set([...tokens.keys(), ...nodes])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.map((name) => ({
    name,
    joined: joinedFact(tokens.get(name) ?? 0),
    agentAlive: agentFact(name, nodes, serf),
    apiPassing: apiFact(name, entries),
    onPage: pageFact(name, inputs.page, ids),
  }));
}

const LABELS: Array<[keyof Omit<StudentRow, 'name'>, string]> = [
  ['joined', 'joined'],
  ['agentAlive', 'agent alive'],
  ['apiPassing', 'API passing'],
  ['onPage', 'on the page'],
];

function factText(label: string, f: Fact): string {
  return `${label} ${f.ok ? '✓' : '✗'}${f.why ? ` ${f.why}` : ''}`;
}

/** Counts for the summary line. */
export function rosterCounts(students: StudentRow[]): Record<keyof Omit<StudentRow, 'name'>, number> {
  const count = (k: keyof Omit<StudentRow, 'name'>): number => students.filter((s) => s[k].ok).length;
  return { joined: count('joined'), agentAlive: count('agentAlive'), apiPassing: count('apiPassing'), onPage: count('onPage') };
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * One line per student (`alice  joined ✓  agent alive ✓  API passing ✓  on the page ✓`, ✗ with a short why),
 * columns aligned, then one summary line.
 */
export function renderRoster(roster: Roster): string {
  const lines: string[] = [];
  // 40: GitHub logins are at most 39 characters; a longer name is not one, and must not widen every line.
  const rows = roster.students.map((s) => [quoteForTerminal(s.name, 40), ...LABELS.map(([k, label]) => factText(label, s[k]))]);
  const widths = rows.reduce<number[]>((w, r) => r.map((cell, i) => Math.max(w[i] ?? 0, [...cell].length)), []);
  for (const r of rows) lines.push(('  ' + r.map((cell, i) => cell + ' '.repeat(widths[i]! - [...cell].length)).join('  ')).trimEnd());
  const c = rosterCounts(roster.students);
  const n = roster.students.length;
  lines.push(
    n === 0
      ? `No student has joined yet (Consul ${roster.consulUrl}).`
      : `${plural(n, 'student', 'students')}: ${c.joined} joined, ${plural(c.agentAlive, 'agent', 'agents')} alive, ` +
          `${plural(c.apiPassing, 'API', 'APIs')} passing, ${c.onPage} on the page (Consul ${roster.consulUrl}, page ${roster.pageUrl}).`,
  );
  if (roster.pageError) lines.push(`The page could not be read: ${roster.pageError}`);
  return lines.join('\n');
}

/** The JSON form (`--json`): the same facts, without the terminal layout. */
export function rosterJson(roster: Roster): object {
  return {
    consulUrl: roster.consulUrl,
    pageUrl: roster.pageUrl,
    pageError: roster.pageError,
    students: roster.students,
    counts: rosterCounts(roster.students),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Reading: the two boundaries (Consul's HTTP API, the page) are functions, so tests can fake them.

/** Consul could not be asked (not running, wrong port, timed out): exit 1 with this one line. */
export class ConsulUnreachableError extends Error {
  override name = 'ConsulUnreachableError';
}

/** Consul answered, but not with a roster: ACLs off (not classroom mode), a refused token, an odd status. */
export class RosterUnavailableError extends Error {
  override name = 'RosterUnavailableError';
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/** GET a path of Consul's HTTP API (`/v1/...`); throws only when no answer came. */
export type ConsulGet = (path: string) => Promise<HttpAnswer>;

export const ROSTER_PATHS = {
  tokens: '/v1/acl/tokens',
  nodes: '/v1/catalog/nodes',
  serfChecks: `/v1/health/state/any?filter=${encodeURIComponent('CheckID == "serfHealth"')}`,
} as const;

/** Where a student's instance is: the health of its own service workshop-<name>. */
export function studentServicePath(name: string): string {
  return `/v1/health/service/${encodeURIComponent(studentServiceName(name))}`;
}

/** Consul's error bodies are one short line of text; show at most that, quoted (it is still data). */
function bodyLine(body: string): string {
  return quoteForTerminal(body.trim().split('\n')[0] ?? '', 120);
}

/**
 * What an answer to GET /v1/acl/tokens means when it is not a list. Consul 1.20 with ACLs disabled answers
 * 401 "ACL support disabled" (older versions 403 / 500, same text); an unknown token is 403 "ACL not found",
 * a token without acl:read 403 "Permission denied".
 */
export function tokensError(consulUrl: string, a: HttpAnswer): RosterUnavailableError {
  if (/ACL support disabled/i.test(a.body)) {
    return new RosterUnavailableError(
      `the lab at ${consulUrl} is not in classroom mode (Consul's ACLs are off, so no student can have joined): start it with npm run lab:up -- --classroom`,
    );
  }
  if (a.status === 403 || a.status === 401) {
    return new RosterUnavailableError(
      `Consul at ${consulUrl} refused to list the ACL tokens (${a.status} ${bodyLine(a.body)}): lab:roster needs the management token: ` +
        `it reads the classroom dir's management.token (LAB_CLASSROOM_DIR, default .classroom/) when CONSUL_HTTP_TOKEN is unset; set it to the management token or unset it`,
    );
  }
  return new RosterUnavailableError(`Consul at ${consulUrl} answered ${a.status} to ${ROSTER_PATHS.tokens}: ${bodyLine(a.body)}`);
}

function parseJson(consulUrl: string, path: string, a: HttpAnswer): unknown {
  try {
    return JSON.parse(a.body) as unknown;
  } catch {
    throw new RosterUnavailableError(`Consul at ${consulUrl} answered ${path} with something that is not JSON: ${bodyLine(a.body)}`);
  }
}

/** Ask Consul (and the page) for everything the roster needs; the page failing is part of the roster, not an error. */
export async function readRoster(consulUrl: string, pageUrl: string, get: ConsulGet, readPage: () => Promise<string>): Promise<Roster> {
  const ask = async (path: string): Promise<HttpAnswer> => {
    try {
      return await get(path);
    } catch (err) {
      throw new ConsulUnreachableError(
        `Consul at ${consulUrl} is not reachable (${errorMessage(err).split('\n')[0]}): is the lab up? (npm run lab:status)`,
      );
    }
  };
  // Tokens first: without ACLs (not classroom mode) the rest is not worth asking for.
  const tokens = await ask(ROSTER_PATHS.tokens);
  if (tokens.status !== 200) throw tokensError(consulUrl, tokens);
  const pageP: Promise<PageRead> = readPage().then(
    (html) => ({ ok: true, html }),
    (err: unknown) => ({ ok: false, error: errorMessage(err).split('\n')[0]! }),
  );
  const askJson = async (path: string): Promise<unknown> => {
    const a = await ask(path);
    if (a.status !== 200) throw new RosterUnavailableError(`Consul at ${consulUrl} answered ${a.status} to ${path}: ${bodyLine(a.body)}`);
    return parseJson(consulUrl, path, a);
  };
  const tokenList = parseJson(consulUrl, ROSTER_PATHS.tokens, tokens);
  const [nodes, serfChecks] = await Promise.all([ROSTER_PATHS.nodes, ROSTER_PATHS.serfChecks].map(askJson));
  // One query per student (each instance is its own service). Only names a student can have (the GitHub rule):
  // a node named anything else, from whoever could register it, cannot have an instance of its own to look for.
  const names = [...new Set([...tokenNames(tokenList).keys(), ...nodeNames(nodes)])].filter((n) => STUDENT_NAME.test(n));
  const workshop = (await Promise.all(names.map((n) => askJson(studentServicePath(n))))).flatMap(asArray);
  const page = await pageP;
  const students = buildRoster({ tokens: tokenList, nodes, serfChecks, workshop, page });
  return { consulUrl, pageUrl, ...(page.ok ? {} : { pageError: page.error }), students };
}

/** A room of a few hundred students is well under this; a bigger answer is not Consul being normal. */
const MAX_CONSUL_BODY = 16 * 1024 * 1024;
const MAX_PAGE_BODY = 4 * 1024 * 1024;

/**
 * Consul's HTTP API by fetch. The token, when given (CONSUL_HTTP_TOKEN, as with Consul's CLI), goes in the
 * X-Consul-Token header; without one the agent's default token applies, which on the instructor's host-a
 * agent is the management token.
 */
export function httpConsulGet(consulUrl: string, token: string | undefined, timeoutMs = 3000): ConsulGet {
  registerSecret(token);
  return async (path) => {
    const res = await fetch(`${consulUrl}${path}`, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: token ? { 'X-Consul-Token': token } : {},
      redirect: 'error',
    });
    return { status: res.status, body: (await readBounded(res, MAX_CONSUL_BODY)).toString('utf8') };
  };
}

/** The shared page's HTML, whatever its status (a 503 "no healthy instance" page is a page with no avatars). */
export function httpReadPage(pageUrl: string, timeoutMs = 3000): () => Promise<string> {
  return async () => {
    const res = await fetch(`${pageUrl}/`, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { 'cache-control': 'no-cache' },
      redirect: 'error',
    });
    return (await readBounded(res, MAX_PAGE_BODY)).toString('utf8');
  };
}
