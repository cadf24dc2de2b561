import { countOption, createProgram } from '../shared/cli';
import { UsageError } from '../shared/errors';
import { type LogFormat, parseLogFormat } from '../shared/logger';
import { isIP } from 'node:net';

export const NAME = 'inventory-db';
export const DEFAULT_PORT = 6380;

export interface InventoryOptions {
  port: number;
  bind: string;
  logFormat: LogFormat;
}

/** Flags and env (INVENTORY_PORT, LOG_FORMAT), checked completely before anything listens: bad input is exit 2. */
export function parseInventoryArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): InventoryOptions {
  const program = createProgram(
    NAME,
    "A database-like TCP service that knows nothing about Consul (README exercise 6: its host's agent registers it)",
  )
    .addOption(countOption('--port <port>', 'TCP port (env INVENTORY_PORT)', DEFAULT_PORT, { min: 1, max: 65535 }, 'INVENTORY_PORT'))
    .option('--bind <addr>', 'IP address to listen on', '0.0.0.0')
    .addHelpText('after', '\nProtocol, one line each: PING, GET <key>, SET <key> <value>, DEL <key>, COUNT, QUIT.');
  const o = program.parse(argv, { from: 'node' }).opts<{ port: number; bind: string }>();
  if (isIP(o.bind) === 0) throw new UsageError(`--bind must be an IP address, got "${o.bind}"`);
  return { port: o.port, bind: o.bind, logFormat: parseLogFormat(env.LOG_FORMAT) };
}
