/*
 * npm run lab:roster — who is in the room, read from the instructor's Consul: one line per student saying
 * whether they joined (a live token of the lab-students auth method, and when it expires), their agent is alive
 * (serfHealth of node student-<name>), their API passes (their own service workshop-<name>, ID the same, on that
 * node) and their avatar is on the shared page. Then what should not be there: a gossip member with no token of its
 * own (the gossip key alone lets a machine join), a member that claims to be a server, a changed keyring.
 *
 * Everything here but `readRoster`'s two boundaries is pure. Names, node names, member names and check names come
 * from Consul, i.e. from whoever could register or join there: they are data, printed only through quoteForTerminal.
 */
import { readBounded } from '../../../services/shared/readBounded';
import { errorMessage } from '../../../services/shared/errors';
import { parsePageAvatarLinks } from '../../../services/shared/pageLinks';
import { ConsulError, hintFor } from '../../../services/shared/consul/errors';
import { consulAnswer, type ConsulTarget } from '../../../services/shared/consul/http';
import {
  catalogNodesSchema,
  checksSchema,
  healthEntriesSchema,
  keyringSchema,
  listOrEmpty,
  membersSchema,
  serfStatus,
  tokenListEntrySchema,
} from '../../../services/shared/consul/schemas';
import {
  STUDENT_AUTH_METHOD,
  STUDENT_NAME,
  studentNodeName,
  studentOfToken,
  studentServiceId,
  studentServiceName,
} from '../../../services/enrollment/names';
import { studentFromNodeName } from '../../../services/shared/names';
import { quotedForTerminal, quoteForTerminal, terminalSafeText } from '../../../services/shared/terminalText';
import { INSTRUCTOR_AGENT_NODES } from './classroomTokens';

/** The lab's own agents: each joined with an agent token of its own (classroomTokens.ts). */
const LAB_NODES: ReadonlySet<string> = new Set(INSTRUCTOR_AGENT_NODES);
/** The lab's servers: any other member tagged role=consul is a server someone started with the gossip key. */
export const LAB_SERVERS: ReadonlySet<string> = new Set(INSTRUCTOR_AGENT_NODES.filter((n) => n.startsWith('consul-server-')));

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
  /** When the student's (latest) live token expires; absent without a live token or when it never expires. */
  expires?: { at: string; inSeconds: number };
}

/**
 * What should not be in the room. `no-token`: a gossip member that is neither one of the lab's own nodes nor a
 * student-<name> with a live token (the gossip key alone let it join). `server`: a member tagged role=consul that is
 * not one of the lab's servers. `keyring`: the LAN keyring is not the class's one key (any member with the key may
 * install and switch keys in Consul CE); never the keys themselves.
 */
export type RosterFlag =
  | { kind: 'no-token'; member: string; address: string; status: string }
  | { kind: 'server'; member: string; address: string; status: string }
  | { kind: 'keyring'; keys: number; primaryIsClassKey: boolean | null };

/** The LAN keyring as read: how many keys, whether the primary is the class's key (null: that key is unknown). */
export type KeyringState = { ok: true; keys: number; primaryIsClassKey: boolean | null } | { ok: false; error: string };

/** GET /v1/operator/keyring's answer (parsed JSON), or why it could not be read (a report, not an error). */
export type KeyringRead = { ok: true; value: unknown } | { ok: false; error: string };

/** The shared page: its HTML, or why it could not be read (a roster without it still says the rest). */
export type PageRead = { ok: true; html: string } | { ok: false; error: string };

/** Consul's answers the roster is built from, as parsed JSON (shape not trusted). */
export interface RosterInputs {
  /** GET /v1/acl/tokens?authmethod=lab-students: the students' login tokens. */
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
  /** GET /v1/agent/members (the LAN gossip pool as the instructor's agent sees it); absent: not checked. */
  members?: unknown;
  /** GET /v1/operator/keyring; absent: not checked. */
  keyring?: KeyringRead;
  /** The class's gossip key (secrets.json), to compare the keyring's primary key with; only ever compared. */
  classGossipKey?: string;
  /** Now, in ms since the epoch: tokens expire. */
  now?: number;
}

export interface Roster {
  consulUrl: string;
  pageUrl: string;
  /** Set when the page could not be read: every "on the page" is then ✗ "page unreadable". */
  pageError?: string;
  students: StudentRow[];
  /** What should not be in the room (empty: nothing). */
  flags: RosterFlag[];
  /** The keyring as read, when it was (no key material). */
  keyring?: KeyringState;
}

/** A student's token as the roster needs it: whose, which, until when. Never its secret. */
export interface StudentToken {
  name: string;
  accessorId: string;
  /** ms since the epoch; undefined when the token never expires (not one the auth method made) or the time is odd. */
  expiresAt?: number;
}

/** The students' tokens in a token list: made by the lab-students auth method, for node student-<name> (studentOfToken). */
export function studentTokens(tokens: unknown): StudentToken[] {
  const out: StudentToken[] = [];
  for (const t of Array.isArray(tokens) ? (tokens as unknown[]) : []) {
    const name = studentOfToken(t);
    if (name === undefined) continue;
    const r = tokenListEntrySchema.parse(t);
    const at = Date.parse(r.ExpirationTime);
    out.push({ name, accessorId: r.AccessorID, ...(Number.isFinite(at) ? { expiresAt: at } : {}) });
  }
  return out;
}

/** Per student: how many live (unexpired) tokens, how many expired, and the latest expiry of the live ones. */
export interface TokenSummary {
  live: number;
  expired: number;
  expiresAt?: number;
}

/** Student names with a token (live or expired), each with its TokenSummary. */
export function tokenNames(tokens: unknown, now: number = Date.now()): Map<string, TokenSummary> {
  const names = new Map<string, TokenSummary>();
  for (const t of studentTokens(tokens)) {
    const s = names.get(t.name) ?? { live: 0, expired: 0 };
    if (t.expiresAt !== undefined && t.expiresAt <= now) s.expired += 1;
    else {
      s.live += 1;
      // The latest of the live ones: a re-enrolled student uses the newest token.
      if (t.expiresAt !== undefined && (s.expiresAt === undefined || t.expiresAt > s.expiresAt)) s.expiresAt = t.expiresAt;
    }
    names.set(t.name, s);
  }
  return names;
}

/** Student names with a node `student-<name>` in the catalog. */
export function nodeNames(nodes: unknown): Set<string> {
  const names = new Set<string>();
  for (const n of listOrEmpty(catalogNodesSchema, nodes)) {
    const name = studentFromNodeName(n.Node);
    if (name !== undefined) names.add(name);
  }
  return names;
}

/** Node name → its serfHealth status ("passing", "critical", ...). */
export function serfStatusByNode(checks: unknown): Map<string, string> {
  const byNode = new Map<string, string>();
  for (const c of listOrEmpty(checksSchema, checks)) {
    if (c.CheckID === 'serfHealth') byNode.set(c.Node, c.Status);
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
  return listOrEmpty(healthEntriesSchema, raw).map((e) => ({
    id: e.Service.ID,
    node: e.Node.Node,
    checks: e.Checks.map((c) => ({ id: c.CheckID, name: c.Name, status: c.Status })),
  }));
}

function joinedFact(t: TokenSummary | undefined): Fact {
  if (!t || (t.live === 0 && t.expired === 0)) return { ok: false, why: 'no token' };
  if (t.live === 0) return { ok: false, why: 'token expired' };
  return t.live === 1 ? { ok: true } : { ok: true, why: `${t.live} tokens` };
}

/** "11 h 20 min", "20 min", "<1 min": how long a token has left, to the minute (rounded down). */
export function formatRemaining(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min < 1) return '<1 min';
  const h = Math.floor(min / 60);
  const m = min % 60;
  return h === 0 ? `${m} min` : m === 0 ? `${h} h` : `${h} h ${m} min`;
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
  const now = inputs.now ?? Date.now();
  const tokens = tokenNames(inputs.tokens, now);
  const nodes = nodeNames(inputs.nodes);
  const serf = serfStatusByNode(inputs.serfChecks);
  const entries = workshopEntries(inputs.workshop);
  const ids = inputs.page.ok ? pageAvatarIds(inputs.page.html) : new Set<string>();
  const names = [...new Set([...tokens.keys(), ...nodes])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.map((name) => {
    const t = tokens.get(name);
    const row: StudentRow = {
      name,
      joined: joinedFact(t),
      agentAlive: agentFact(name, nodes, serf),
      apiPassing: apiFact(name, entries),
      onPage: pageFact(name, inputs.page, ids),
    };
    if (t?.live && t.expiresAt !== undefined) {
      row.expires = { at: new Date(t.expiresAt).toISOString(), inSeconds: Math.floor((t.expiresAt - now) / 1000) };
    }
    return row;
  });
}

/**
 * The members that should not be there. A member that has `left` is skipped: it is out of the pool and stays listed
 * only until Consul reaps it (every lab:leave would otherwise raise a flag for a day).
 */
export function memberFlags(members: unknown, tokens: unknown, now: number = Date.now()): RosterFlag[] {
  const live = new Set([...tokenNames(tokens, now)].filter(([, t]) => t.live > 0).map(([name]) => name));
  const flags: RosterFlag[] = [];
  for (const m of listOrEmpty(membersSchema, members)) {
    const member = m.Name;
    const address = m.Addr;
    const status = serfStatus(m.Status);
    if (status === 'left') continue;
    const student = studentFromNodeName(member);
    if (!LAB_NODES.has(member) && !(student !== undefined && live.has(student))) flags.push({ kind: 'no-token', member, address, status });
    // role=consul is how a server announces itself in serf (what lab:status's server/client column reads too).
    if (m.Tags.role === 'consul' && !LAB_SERVERS.has(member)) flags.push({ kind: 'server', member, address, status });
  }
  return flags;
}

/**
 * The LAN pools of GET /v1/operator/keyring: the number of distinct keys installed, and whether the only primary key
 * is the class's (null when the class's key is unknown). A key itself never leaves this function.
 */
export function keyringState(keyring: unknown, classGossipKey: string | undefined): { keys: number; primaryIsClassKey: boolean | null } {
  const keys = new Set<string>();
  const primaries = new Set<string>();
  for (const p of listOrEmpty(keyringSchema, keyring)) {
    if (p.WAN) continue; // the servers' WAN pool: the same keys, and not where students gossip
    for (const k of Object.keys(p.Keys)) keys.add(k);
    for (const k of Object.keys(p.PrimaryKeys ?? {})) primaries.add(k);
  }
  const primaryIsClassKey = classGossipKey === undefined ? null : primaries.size === 1 && primaries.has(classGossipKey);
  return { keys: keys.size, primaryIsClassKey };
}

/** What should not be in the room: members without a token of their own, unexpected servers, a changed keyring. */
export function buildFlags(inputs: RosterInputs): { flags: RosterFlag[]; keyring?: KeyringState } {
  const flags = inputs.members === undefined ? [] : memberFlags(inputs.members, inputs.tokens, inputs.now ?? Date.now());
  if (!inputs.keyring) return { flags };
  if (!inputs.keyring.ok) return { flags, keyring: inputs.keyring };
  const state = keyringState(inputs.keyring.value, inputs.classGossipKey);
  // An answer without a LAN pool is not a keyring to judge (nor a reason to claim it changed).
  if (state.keys === 0) return { flags, keyring: { ok: false, error: 'no LAN keyring in the answer' } };
  if (state.keys > 1 || state.primaryIsClassKey === false) flags.push({ kind: 'keyring', ...state });
  return { flags, keyring: { ok: true, ...state } };
}

type FactKey = 'joined' | 'agentAlive' | 'apiPassing' | 'onPage';

const LABELS: Array<[FactKey, string]> = [
  ['joined', 'joined'],
  ['agentAlive', 'agent alive'],
  ['apiPassing', 'API passing'],
  ['onPage', 'on the page'],
];

function factText(label: string, f: Fact): string {
  return `${label} ${f.ok ? '✓' : '✗'}${f.why ? ` ${f.why}` : ''}`;
}

/** Counts for the summary line. */
export function rosterCounts(students: StudentRow[]): Record<FactKey, number> {
  const count = (k: FactKey): number => students.filter((s) => s[k].ok).length;
  return { joined: count('joined'), agentAlive: count('agentAlive'), apiPassing: count('apiPassing'), onPage: count('onPage') };
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** One line per flag: what is wrong and what it means. Names and addresses quoted (they are the member's own words). */
export function flagLine(f: RosterFlag): string {
  switch (f.kind) {
    case 'no-token':
      return `⚠ member ${quotedForTerminal(f.member, 48)} (${quoteForTerminal(f.address, 48)}) has no token of its own: it joined with the gossip key alone`;
    case 'server':
      return (
        `⚠ member ${quotedForTerminal(f.member, 48)} (${quoteForTerminal(f.address, 48)}) claims to be a SERVER: the lab's are consul-server-1..3; ` +
        'without a server certificate of the classroom CA it gets no raft data, but someone with the gossip key tried: a new class (lab:up --classroom) changes the key'
      );
    case 'keyring': {
      const which = f.primaryIsClassKey === false ? ", the primary is not the class's" : '';
      return (
        `⚠ the gossip keyring was changed by a member (${plural(f.keys, 'key', 'keys')} installed${which}): Consul CE lets any member ` +
        'with the key do that; start a new class (lab:up --classroom) to rotate'
      );
    }
  }
}

/**
 * One line per student (`alice  joined ✓  agent alive ✓  API passing ✓  on the page ✓  expires in 11 h 20 min`, ✗
 * with a short why), columns aligned, then one summary line, then one ⚠ line per flag.
 */
export function renderRoster(roster: Roster): string {
  const lines: string[] = [];
  // 40: GitHub logins are at most 39 characters; a longer name is not one, and must not widen every line.
  const rows = roster.students.map((s) => [
    quoteForTerminal(s.name, 40),
    ...LABELS.map(([k, label]) => factText(label, s[k])),
    s.expires ? `expires in ${formatRemaining(s.expires.inSeconds * 1000)}` : '',
  ]);
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
  if (roster.pageError) lines.push(`The page could not be read: ${terminalSafeText(roster.pageError)}`);
  if (roster.keyring && !roster.keyring.ok) lines.push(`The gossip keyring could not be read: ${terminalSafeText(roster.keyring.error)}`);
  for (const f of roster.flags) lines.push(flagLine(f));
  return lines.join('\n');
}

/** The JSON form (`--json`): the same facts, without the terminal layout (and never a key or a token's secret). */
export function rosterJson(roster: Roster): object {
  return {
    consulUrl: roster.consulUrl,
    pageUrl: roster.pageUrl,
    pageError: roster.pageError,
    students: roster.students,
    counts: rosterCounts(roster.students),
    flags: roster.flags,
    keyring: roster.keyring,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Reading: the two boundaries (Consul's HTTP API, the page) are functions, so tests can fake them.

/** Consul answered, but not with a roster: ACLs off (not classroom mode), a refused token, an odd status. */
export class RosterUnavailableError extends ConsulError {
  override name = 'RosterUnavailableError';
}

/** Consul at `consulUrl` gave no answer (`err`, a ConsulError from the gateway or a test's own): one line and the hint. */
export function unreachable(consulUrl: string, err: unknown): ConsulError {
  const why = err instanceof ConsulError && err.reason ? err.reason : errorMessage(err).split('\n')[0];
  const hint = hintFor(undefined);
  return new ConsulError(`Consul at ${consulUrl} is not reachable (${why}): ${hint}`, { reason: why, hint, cause: err });
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/** GET a path of Consul's HTTP API (`/v1/...`); throws only when no answer came. */
export type ConsulGet = (path: string) => Promise<HttpAnswer>;

export const ROSTER_PATHS = {
  tokens: `/v1/acl/tokens?authmethod=${encodeURIComponent(STUDENT_AUTH_METHOD)}`,
  nodes: '/v1/catalog/nodes',
  serfChecks: `/v1/health/state/any?filter=${encodeURIComponent('CheckID == "serfHealth"')}`,
  members: '/v1/agent/members',
  keyring: '/v1/operator/keyring',
} as const;

/** Where a student's instance is: the health of its own service workshop-<name>. */
export function studentServicePath(name: string): string {
  return `/v1/health/service/${encodeURIComponent(studentServiceName(name))}`;
}

/** Consul's error bodies are one short line of text; show at most that, quoted (it is still data). */
export function bodyLine(body: string): string {
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

/** What readRoster needs besides Consul and the page. */
export interface ReadRosterOptions {
  /** The class's gossip key (secrets.json's gossipKey), to tell whether the keyring's primary is still it. */
  classGossipKey?: string;
  now?: () => number;
}

/**
 * Ask Consul (and the page) for everything the roster needs. The page or the keyring failing is part of the roster,
 * not an error (the rest is still worth seeing).
 */
export async function readRoster(
  consulUrl: string,
  pageUrl: string,
  get: ConsulGet,
  readPage: () => Promise<string>,
  opts: ReadRosterOptions = {},
): Promise<Roster> {
  const ask = async (path: string): Promise<HttpAnswer> => {
    try {
      return await get(path);
    } catch (err) {
      throw unreachable(consulUrl, err);
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
  // The keyring is a check on the side: a token without keyring:read (or an odd answer) is one line in the report.
  // The keyring query fans out to every member of the gossip pool: a member that is no real agent (a rogue server
  // seen in a simulated room) makes Consul wait ~11 s and answer 500 "6/7 nodes reported success". Either is a line
  // in the report, never the end of it.
  const keyringP: Promise<KeyringRead> = get(ROSTER_PATHS.keyring).then(
    (a) => {
      // Without gossip encryption Consul answers 500 "N errors occurred:" and, lines below, "Keyring is empty".
      if (/encryption not enabled/i.test(a.body)) return { ok: false, error: 'gossip encryption is off (Consul: "Keyring is empty")' };
      // The LAN pool's count is the room's (the WAN pool holds only the servers).
      const partial =
        /\(LAN\) error: (\d+)\/(\d+) nodes reported success/.exec(a.body) ?? /(\d+)\/(\d+) nodes reported success/.exec(a.body);
      if (a.status !== 200 && partial)
        return {
          ok: false,
          error: `only ${partial[1]} of ${partial[2]} members answered the keyring query (a member that is no real agent? see the flags)`,
        };
      if (a.status !== 200) return { ok: false, error: `${a.status} ${bodyLine(a.body)}` };
      try {
        return { ok: true, value: JSON.parse(a.body) as unknown };
      } catch {
        return { ok: false, error: `not JSON: ${bodyLine(a.body)}` };
      }
    },
    (err: unknown) => ({
      ok: false,
      error: `no answer (${errorMessage(err).split('\n')[0]}): a member of the gossip pool does not answer the keyring query (a member that is no real agent? see the flags)`,
    }),
  );
  // Awaited below; marked handled now, so that Consul going away meanwhile is not an unhandled rejection.
  keyringP.catch(() => undefined);
  const tokenList = parseJson(consulUrl, ROSTER_PATHS.tokens, tokens);
  const [nodes, serfChecks, members] = await Promise.all([ROSTER_PATHS.nodes, ROSTER_PATHS.serfChecks, ROSTER_PATHS.members].map(askJson));
  // One query per student (each instance is its own service). Only names a student can have (the GitHub rule):
  // a node named anything else, from whoever could register it, cannot have an instance of its own to look for.
  const names = [...new Set([...tokenNames(tokenList).keys(), ...nodeNames(nodes)])].filter((n) => STUDENT_NAME.test(n));
  const workshop = (await Promise.all(names.map((n) => askJson(studentServicePath(n))))).flatMap((a) =>
    Array.isArray(a) ? (a as unknown[]) : [],
  );
  const [page, keyring] = await Promise.all([pageP, keyringP]);
  const now = (opts.now ?? Date.now)();
  const inputs: RosterInputs = {
    tokens: tokenList,
    nodes,
    serfChecks,
    workshop,
    page,
    members,
    keyring,
    classGossipKey: opts.classGossipKey,
    now,
  };
  const students = buildRoster(inputs);
  const { flags, keyring: keyringSeen } = buildFlags(inputs);
  return {
    consulUrl,
    pageUrl,
    ...(page.ok ? {} : { pageError: page.error }),
    students,
    flags,
    ...(keyringSeen ? { keyring: keyringSeen } : {}),
  };
}

/**
 * Consul's HTTP API through the gateway (services/shared/consul/http.ts). The token, when given (CONSUL_HTTP_TOKEN,
 * as with Consul's CLI), goes in the X-Consul-Token header; without one the agent's default token applies, which on
 * the instructor's host-a agent is the management token.
 */
export function httpConsulGet(consulUrl: string, token: string | undefined, timeoutMs = 3000): ConsulGet {
  const consul: ConsulTarget = { baseUrl: consulUrl, token, timeoutMs };
  return async (path) => {
    const { status, body } = await consulAnswer(consul, { path });
    return { status, body };
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
    return (await readBounded(res, 4 * 1024 * 1024)).toString('utf8');
  };
}
