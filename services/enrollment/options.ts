import { consulUrl } from '../shared/consulAddress';
import { consulHttpAddrFromEnv } from '../shared/consulClient';
import { UsageError } from '../shared/errors';
import { parsePort } from '../shared/consulAddress';
import { type LogFormat, parseLogFormat } from '../shared/logger';
import { registerSecret } from '../shared/secrets';
import { ENROLL_PORT } from './names';

export const NAME = 'enrollment';

export interface EnrollmentOptions {
  consulUrl: string;
  consulToken?: string;
  port: number;
  bind: string;
  joinInfoJson: string;
  joinCode: string;
  datacenter: string;
  logFormat: LogFormat;
}

/**
 * Everything from the environment (never argv: the join info holds the gossip key and the code):
 * ENROLL_JOIN_INFO (the JoinInfo JSON lab:up wrote), CONSUL_HTTP_ADDR / CONSUL_HTTP_TOKEN, ENROLL_PORT (8099),
 * ENROLL_BIND (0.0.0.0), LOG_FORMAT. A bad value is a UsageError naming the variable, never its value.
 */
export function enrollmentOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): EnrollmentOptions {
  const raw = env.ENROLL_JOIN_INFO;
  if (!raw)
    throw new UsageError("ENROLL_JOIN_INFO is not set: it must hold the classroom's join info (JSON), as lab:up --classroom passes it");
  let info: unknown;
  try {
    info = JSON.parse(raw);
  } catch {
    throw new UsageError('ENROLL_JOIN_INFO: not JSON');
  }
  // The full schema lives with lab:up/lab:join (scripts/lib/classroom/joinInfo.ts); the service needs two fields.
  const obj = (typeof info === 'object' && info !== null ? info : {}) as { joinCode?: unknown; datacenter?: unknown };
  if (typeof obj.joinCode !== 'string' || obj.joinCode.length < 6)
    throw new UsageError('ENROLL_JOIN_INFO: joinCode: missing or shorter than 6 characters');
  if (typeof obj.datacenter !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(obj.datacenter))
    throw new UsageError('ENROLL_JOIN_INFO: datacenter: missing or not a datacenter name');
  registerSecret(obj.joinCode);
  const g = (info as { gossipKey?: unknown }).gossipKey;
  if (typeof g === 'string') registerSecret(g);
  const token = env.CONSUL_HTTP_TOKEN || undefined;
  registerSecret(token);
  return {
    consulUrl: consulUrl(consulHttpAddrFromEnv(env)),
    consulToken: token,
    port: env.ENROLL_PORT ? parsePort(env.ENROLL_PORT, 'ENROLL_PORT') : ENROLL_PORT,
    bind: env.ENROLL_BIND || '0.0.0.0',
    joinInfoJson: raw,
    joinCode: obj.joinCode,
    datacenter: obj.datacenter,
    logFormat: parseLogFormat(env.LOG_FORMAT),
  };
}
