/*
 * inventory-db's protocol: one command per line, one answer per line, like a tiny Redis. Pure, so the tests can
 * throw any line at it. It is the lab's "application that knows nothing about Consul" (README exercise 6): a
 * database-like TCP service that Consul learns about from a service definition in its host agent's config.
 */

/** The store's limits: the lab's stand-in database must not become a way to fill a host's memory. */
export const LIMITS = { keys: 1000, keyLength: 64, valueLength: 256, lineLength: 1024 } as const;

const KEY = /^[A-Za-z0-9._:-]+$/;

export type Store = Map<string, string>;

export interface Answer {
  reply: string;
  /** QUIT: close the connection after the reply. */
  close?: boolean;
}

/** One line in, one answer out. Never throws; an unknown or malformed command is an `ERR` line naming it. */
export function answer(line: string, store: Store): Answer {
  const text = line.replace(/\r$/, '');
  if (text.length > LIMITS.lineLength) return { reply: `ERR line longer than ${LIMITS.lineLength} characters` };
  const [rawCommand = '', key, ...rest] = text.trim().split(/\s+/);
  const command = rawCommand.toUpperCase();
  const badKey = (): Answer | undefined =>
    key === undefined || key.length > LIMITS.keyLength || !KEY.test(key)
      ? { reply: `ERR ${command} needs a key of 1-${LIMITS.keyLength} characters [A-Za-z0-9._:-]` }
      : undefined;
  switch (command) {
    case 'PING':
      return { reply: 'PONG' };
    case 'COUNT':
      return { reply: String(store.size) };
    case 'QUIT':
      return { reply: 'BYE', close: true };
    case 'GET':
      return badKey() ?? { reply: store.get(key as string) ?? '(nil)' };
    case 'DEL':
      return badKey() ?? { reply: store.delete(key as string) ? '1' : '0' };
    case 'SET': {
      const bad = badKey();
      if (bad) return bad;
      const value = rest.join(' ');
      if (value === '') return { reply: 'ERR SET needs a value' };
      if (value.length > LIMITS.valueLength) return { reply: `ERR value longer than ${LIMITS.valueLength} characters` };
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u001f\u007f]/.test(value)) return { reply: 'ERR value has control characters' };
      if (!store.has(key as string) && store.size >= LIMITS.keys) return { reply: `ERR store full (${LIMITS.keys} keys)` };
      store.set(key as string, value);
      return { reply: 'OK' };
    }
    case '':
      return { reply: 'ERR empty line (try PING, GET k, SET k v, DEL k, COUNT, QUIT)' };
    default:
      return { reply: `ERR unknown command (try PING, GET k, SET k v, DEL k, COUNT, QUIT)` };
  }
}
