/*
 * `npm run lab:check -- room`: the room exercises as the lab view remembers them, read from its GET /room.json on
 * 127.0.0.1 (LAB_VIEW_PORT, default 8090; the view is published there only) and printed one line per student:
 * ✓/✗ per moment, with (b)'s seconds. The moments are history the view saw happen, which no snapshot of Consul
 * holds: so this reads the view, not Consul. Exit 0 only when every student has done all three.
 */
import { parsePort } from '../../../services/shared/consul/address';
import { ROOM_MOMENTS, roomSchema, stopStartSeconds, type RoomStudent, type RoomView } from '../../../services/exercises';
import { errorMessage } from '../../../services/shared/errors';
import { readBounded } from '../../../services/shared/readBounded';
import { terminalSafeJson, terminalSafeLine } from '../../../services/shared/terminalText';

/** Where the view's room is: always 127.0.0.1, the only address the lab publishes it on. */
export function roomUrl(env: NodeJS.ProcessEnv = process.env): string {
  const port = env.LAB_VIEW_PORT ? parsePort(env.LAB_VIEW_PORT, 'LAB_VIEW_PORT') : 8090;
  return `http://127.0.0.1:${port}/room.json`;
}

/** The view could not be read: one line, with what to do. */
export class RoomUnreachableError extends Error {
  override name = 'RoomUnreachableError';
}

const HINT = 'is the lab up (`npm run lab:up`)? A lab view on another port: set LAB_VIEW_PORT';

/** GET /room.json, checked against the schema the view writes with. */
export async function readRoom(url: string, timeoutMs = 3000): Promise<RoomView> {
  let body: string;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    body = (await readBounded(res, 4 * 1024 * 1024)).toString('utf8');
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  } catch (err) {
    const cause = (err as { cause?: { code?: unknown } }).cause?.code;
    const why = typeof cause === 'string' ? cause : errorMessage(err).split('\n')[0];
    throw new RoomUnreachableError(`the lab view is not reachable at ${url} (${why}): ${HINT}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new RoomUnreachableError(`${url} answered something that is not JSON: is that port the lab view? ${HINT}`);
  }
  const parsed = roomSchema.safeParse(json);
  if (!parsed.success) {
    throw new RoomUnreachableError(`${url} answered JSON that is not a room (an older lab view? rebuild it: \`npm run lab:up\`)`);
  }
  return parsed.data;
}

const mark = (ok: boolean): string => (ok ? '✓' : '✗');

/** Every moment done by this student. */
export function studentDone(st: RoomStudent): boolean {
  return st.onPage === true && st.stopStart.done && st.nodeCritical.seen;
}

/** One line per student, then the counters and what is left. Names are GitHub logins (the schema), lines terminal-safe anyway. */
export function renderRoom(room: RoomView): string {
  const out = ['Exercise room: register (a), stop and start (b), the node-level mistake (c), as the lab view saw them'];
  if (room.students.length === 0) {
    out.push('  no student yet: students run `npm run lab:join -- <address> --code <code> --name <github-account>`');
    return out.join('\n');
  }
  const width = Math.max(...room.students.map((s) => s.name.length));
  for (const st of room.students) {
    const a = `${mark(st.onPage === true)} ${ROOM_MOMENTS.register}${st.onPage === null ? ' (page not readable)' : ''}`;
    const b = `${mark(st.stopStart.done)} ${ROOM_MOMENTS.stopStart}${st.stopStart.done ? ` (${stopStartSeconds(st.stopStart)})` : ''}`;
    const c = `${mark(st.nodeCritical.seen)} ${ROOM_MOMENTS.nodeCritical}`;
    out.push(terminalSafeLine(`  ${st.name.padEnd(width)}  ${a}   ${b}   ${c}`));
  }
  const k = room.counters;
  const done = room.students.filter(studentDone).length;
  out.push(
    `${k.students} students: ${k.joined} joined, ${k.passing} passing, ${k.onPage} on the page; ` +
      `(b) ${k.stopStart}, (c) ${k.nodeCritical}; ${done} of ${k.students} have done all three.`,
  );
  if (!room.page.read) out.push(terminalSafeLine(`The view cannot read the shared page: ${room.page.error ?? 'unknown'}.`));
  return out.join('\n');
}

/** lab:check room: print the room; 0 only when there are students and each did all three, 1 otherwise. */
export async function roomCheck(
  opts: { json?: boolean },
  deps: { readRoom(url: string): Promise<RoomView>; out(text: string): void; env?: NodeJS.ProcessEnv },
): Promise<number> {
  const room = await deps.readRoom(roomUrl(deps.env));
  deps.out((opts.json ? terminalSafeJson(room) : renderRoom(room)) + '\n');
  return room.students.length > 0 && room.students.every(studentDone) ? 0 : 1;
}
