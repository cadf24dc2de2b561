import os from 'node:os';
import { isIP } from 'node:net';
import { z } from 'zod';
import { ConfigError, formatZodIssues, loadConfigFile, readJson5File } from '../shared/config';
import { parsePort } from '../shared/consul/address';
import { defaultAdvertiseAddress } from '../shared/network';
import { registerSecret } from '../shared/secrets';
import { defaultNameFromHostname, workshopServiceId } from './names';

/**
 * The name becomes the Consul service ID `workshop-<name>`, a URL path `/avatars/workshop-<name>`
 * and an nginx `location`, so it is restricted to what is safe in all three: lower-case letters,
 * digits and inner hyphens (like a DNS label, 1-40 chars).
 */
export const NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const hostField = z.string().refine((h) => isIP(h) !== 0 || HOSTNAME.test(h), { message: 'must be an IP address or a host name' });

/** What config.json5 may contain. Unknown fields are an error (a typo must not be silently ignored). */
export const workshopConfigSchema = z
  .object({
    name: z
      .string({ error: (issue) => (issue.input === undefined ? 'required' : 'must be a string') })
      .regex(NAME_PATTERN, { message: 'must be 1-40 of a-z, 0-9 and "-", starting and ending with a letter or digit' }),
    /** GitHub token, secret: never logged, never returned; sent to the GitHub API host only (githubAvatar.ts), to lift its rate limit. */
    token: z.string().min(1, { message: 'must not be empty (leave it out instead)' }).optional(),
    /** Address registered in Consul and used in the check URL. Default: first non-internal IPv4, else 127.0.0.1. */
    host: hostField.optional(),
    port: z
      .number({ error: 'must be a number' })
      .int({ message: 'must be an integer' })
      .min(1, { message: 'must be 1-65535' })
      .max(65535, { message: 'must be 1-65535' })
      .default(8080),
    /** Address the HTTP server listens on. */
    bind: hostField.default('0.0.0.0'),
  })
  .strict();

export type WorkshopConfig = z.infer<typeof workshopConfigSchema>;

export interface ResolvedConfig extends Omit<WorkshopConfig, 'host'> {
  host: string;
  /** `workshop-<name>`: the Consul service ID and the instance id in responses and URLs. */
  id: string;
}

/** Env overrides (file < env < flags). Only set values override. */
export function envOverrides(env: NodeJS.ProcessEnv): Partial<WorkshopConfig> {
  const out: Partial<WorkshopConfig> = {};
  if (env.WORKSHOP_NAME) out.name = env.WORKSHOP_NAME;
  if (env.WORKSHOP_TOKEN) out.token = env.WORKSHOP_TOKEN;
  if (env.WORKSHOP_HOST) out.host = env.WORKSHOP_HOST;
  if (env.WORKSHOP_PORT) {
    try {
      out.port = parsePort(env.WORKSHOP_PORT, 'WORKSHOP_PORT');
    } catch {
      throw new ConfigError(`environment: field "port" (WORKSHOP_PORT): must be an integer 1-65535`);
    }
  }
  return out;
}

export interface LoadOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Flag values that override file and env (e.g. --bind). */
  flags?: Partial<WorkshopConfig>;
  hostname?: string;
  interfaces?: NodeJS.Dict<os.NetworkInterfaceInfo[]>;
}

/** Load, validate and complete the config. Throws ConfigError (exit 2) naming file/field/problem. */
export function loadWorkshopConfig(opts: LoadOptions): ResolvedConfig {
  const env = opts.env ?? process.env;
  // Register the token before anything can echo it, from whichever source it comes.
  registerSecret(env.WORKSHOP_TOKEN);
  const overrides = { ...envOverrides(env), ...stripUndefined(opts.flags ?? {}) };
  let cfg: WorkshopConfig;
  if (opts.file) {
    registerFileToken(opts.file);
    cfg = loadConfigFile(opts.file, workshopConfigSchema, overrides);
  } else {
    // Without a config file (Compose) the name may be left out: replicas get distinct names from their hostnames.
    const input = { name: defaultNameFromHostname(opts.hostname ?? os.hostname()), ...overrides };
    const result = workshopConfigSchema.safeParse(input);
    if (!result.success) throw new ConfigError(formatZodIssues('environment (no --config)', result.error));
    cfg = result.data;
  }
  registerSecret(cfg.token);
  return { ...cfg, host: cfg.host ?? defaultAdvertiseAddress(opts.interfaces), id: workshopServiceId(cfg.name) };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Register the file's token as a secret before validation, so no later message can carry it. */
function registerFileToken(file: string): void {
  try {
    const raw = readJson5File(file) as { token?: unknown } | null;
    if (raw && typeof raw === 'object' && typeof raw.token === 'string') registerSecret(raw.token);
  } catch {
    // unreadable or invalid: loadConfigFile reports it, naming the file
  }
}
