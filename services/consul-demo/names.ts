/*
 * consul-demo's names as other code may rely on them (the lab scripts, tests): pure constants and types, re-exported
 * from services/shared/names.ts (the names the lab's parts agree on). Its only other imports are types, so importing
 * this never loads the service itself.
 */
import type { DiscoveryMethod } from './discovery/types';
import type { Version } from './protocol';

export {
  CONSUL_DEMO_SERVICE_NAME,
  CONSUL_DEMO_META,
  BREAK_BEFORE_MAKE,
  MAKE_BEFORE_BREAK,
  RESTART_MODES,
  type RestartMode,
} from '../shared/names';

/**
 * One request's outcome; the client's `--json` line is exactly this object, keys in this order. The one declaration
 * of that line: whatever reads the client's output (lab scripts, tests) imports this type.
 */
export interface ClientRequestLine {
  ts: string;
  discovery: DiscoveryMethod;
  /** null when DNS found the instance (its answers carry no service ID) or nothing was found. */
  serviceId: string | null;
  address: string | null;
  port: number | null;
  protocol: Version | null;
  ok: boolean;
  /** 1, or 2 when the first attempt failed and the retry ran. */
  attempts: number;
  /** Whole request: discovery, exchange and the retry if there was one. */
  latencyMs: number;
  error: string | null;
}
