import { type ConsulAgent, type ConsulCluster, startConsulCluster, startConsulDev } from './consul';
import { type RestartableConsul, type RestartableConsulOptions, startRestartableConsul } from './consulRestart';
import { stopAllProcesses } from './processes';

/**
 * A test file's Consul, started and stopped by jest hooks: call one of the `use…` functions at the top level of a
 * file (or of a describe) and read the agent through the getter it returns, inside hooks and tests declared after
 * it. One owner of the agents' life instead of the same beforeAll/afterAll in every file.
 *
 *     const consul = useConsulDev();
 *     test('…', async () => { await consulGet(consul(), '/v1/agent/services'); });
 */
export type ConsulFixture<T> = (() => T) & {
  /** Whether the agent(s) are up: false before the set-up hook, after the tear-down one, and when the start failed. */
  readonly started: boolean;
};

export interface ConsulFixtureOptions {
  /**
   * `all` (the default): one start for the whole file or describe (beforeAll/afterAll); `each`: a fresh start for
   * every test (beforeEach/afterEach), so that no test sees what an earlier one registered.
   */
  scope?: 'all' | 'each';
  /**
   * The set-up hook's timeout. Longer than every wait inside a start (30 s for a dev agent's leader, 60 s for a
   * cluster's), so that on a loaded 2-core machine a slow start fails with the harness's message, not jest's.
   */
  timeoutMs?: number;
}

const START_TIMEOUT_MS = 120_000;
/** stopAllProcesses (3 s grace each, in parallel), then the agents (5 s grace each), plus a start still under way. */
const STOP_TIMEOUT_MS = 30_000;

/**
 * Start what `start` returns in the set-up hook, and in the tear-down hook stop it: first every process this test file
 * started and that still runs (stopAllProcesses: servers and APIs deregister as they stop, so they go while Consul
 * still answers), then `stop()`. A start that failed half-way has stopped what it started already (readyOrStopped,
 * startConsulCluster); one that jest gave up on (hook timeout) is waited for here and stopped as well.
 *
 * jest runs after* hooks of one block in the order they were declared: this tear-down precedes the file's own
 * afterAll hooks declared after the call. Because it ends every process of the file, a fixture inside a describe
 * also ends the processes that outer hooks started.
 */
export function useConsul<T extends { stop(): Promise<unknown> }>(
  start: () => Promise<T>,
  opts: ConsulFixtureOptions = {},
): ConsulFixture<T> {
  let starting: Promise<T> | undefined;
  let started: T | undefined;
  const [setUp, tearDown] = opts.scope === 'each' ? [beforeEach, afterEach] : [beforeAll, afterAll];
  setUp(async () => {
    const attempt = start();
    starting = attempt;
    const agents = await attempt;
    // Unless the tear-down came first (jest gave up on this hook): then it stops them, and no test may see them.
    if (starting === attempt) started = agents;
  }, opts.timeoutMs ?? START_TIMEOUT_MS);
  tearDown(async () => {
    const pending = starting;
    starting = started = undefined;
    await stopAllProcesses();
    // A start that failed has stopped what it had started itself.
    const agents = await pending?.catch(() => undefined);
    await agents?.stop();
  }, STOP_TIMEOUT_MS);

  const get = (): T => {
    if (started === undefined)
      throw new Error('no Consul here: the fixture is read outside its hooks and tests, or its start failed (above)');
    return started;
  };
  return Object.defineProperty(get, 'started', { get: () => started !== undefined }) as ConsulFixture<T>;
}

/** A dev agent (startConsulDev): a server and client in one, in memory, on 127.0.0.1 with free ports. */
export function useConsulDev(opts: ConsulFixtureOptions & { name?: string } = {}): ConsulFixture<ConsulAgent> {
  return useConsul(() => startConsulDev(opts.name), opts);
}

/** Three servers and a client agent (startConsulCluster), ready once the client agent sees three raft peers. */
export function useConsulCluster(opts: ConsulFixtureOptions & { prefix?: string } = {}): ConsulFixture<ConsulCluster> {
  return useConsul(() => startConsulCluster(opts.prefix), opts);
}

/** A dev agent a test can restart without its data (startRestartableConsul). */
export function useRestartableConsul(opts: ConsulFixtureOptions & RestartableConsulOptions = {}): ConsulFixture<RestartableConsul> {
  return useConsul(() => startRestartableConsul(opts), opts);
}
