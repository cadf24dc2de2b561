import { STAGES, agentKnewAt, appliedRenders, countApplied, parseTimestampedLog, renderStepsAfter, stageP50s, stagesOf } from './breakdown';

const T = Date.parse('2026-11-23T00:00:00Z');
const iso = (ms: number): string => new Date(T + ms).toISOString().replace(/\.(\d{3})Z$/, '.$1456789Z');

test("a line with its own ms timestamp (Consul, consul-template) is timed by it, not by Docker's", () => {
  const [l] = parseTimestampedLog(`${iso(180)} 2026-11-23T00:00:00.123Z [INFO]  agent: Deregistered service: service=x\n`);
  expect(l!.at).toBe(T + 123);
  // apply-render.sh's own lines have whole seconds only: Docker's time it is.
  expect(parseTimestampedLog(`${iso(180)} 2026-11-23T00:00:00Z apply-render: applied render\n`)[0]!.at).toBe(T + 180);
});

test('docker logs --timestamps lines become epoch ms + text; other lines are skipped', () => {
  const lines = parseTimestampedLog(`${iso(123)} hello world\nnot a log line\n${iso(2000)} 2026/11/23 00:00:02 [notice] x\n`);
  expect(lines).toEqual([
    { at: T + 123, text: 'hello world' },
    { at: T + 2000, text: '2026/11/23 00:00:02 [notice] x' },
  ]);
});

test('stages are the differences of consecutive steps; a missing step drops the stages beside it', () => {
  const s = stagesOf({ action: 0, known: 900, wokeUp: 930, rendered: 1040, started: 1060, checked: 1100, applied: 1105, reloaded: 1110 });
  expect(s).toEqual({ detect: 900, propagate: 30, templateWait: 110, render: 20, nginxTest: 40, publish: 5, reload: 5 });
  expect(Object.keys(s)).toEqual(STAGES.map((x) => x.key));
  expect(stagesOf({ action: 0, known: 10, rendered: 600 })).toEqual({ detect: 10 });
  // A few ms of disagreement between the clocks' readings is no negative stage.
  expect(stagesOf({ action: 0, known: 10, wokeUp: 8 })).toEqual({ detect: 10, propagate: 0 });
});

test('p50 per stage: nearest rank over the trials that have the stage, whole ms', () => {
  expect(stageP50s([{ detect: 10.4, nginxTest: 5 }, { detect: 30 }, { detect: 20 }])).toEqual({ detect: 20, nginxTest: 5 });
  expect(stageP50s([])).toEqual({});
});

const agentLog = (): ReturnType<typeof parseTimestampedLog> => [
  { at: T + 5, text: '2026-11-23T00:00:00.005Z [WARN]  agent: Check is now critical: check=service:workshop-api-a10' },
  { at: T + 50, text: '2026-11-23T00:00:00.050Z [INFO]  agent: Synced service: service=workshop-api-a1' },
  { at: T + 900, text: '2026-11-23T00:00:00.900Z [WARN]  agent: Check is now critical: check=service:workshop-api-a1' },
  { at: T + 950, text: '2026-11-23T00:00:00.950Z [INFO]  agent: Deregistered service: service=workshop-api-a1' },
];

test("the agent knew: the instance's first critical check or deregistration after the action, never another ID's", () => {
  expect(agentKnewAt(agentLog(), 'workshop-api-a1', T)).toBe(T + 900);
  expect(agentKnewAt(agentLog(), 'workshop-api-a1', T + 901)).toBe(T + 950);
  expect(agentKnewAt(agentLog(), 'workshop-api-b1', T)).toBeUndefined();
});

test("the nginx side's steps of the first render after a time, and the reloads counted in a window", () => {
  const lines = [
    { at: T + 100, text: '2026-11-23T00:00:00.100Z [INFO] (runner) rendered "templates/upstreams.conf.ctmpl" => "staging/upstreams.conf"' },
    { at: T + 200, text: 'x apply-render: applied render with 4 instance(s); nginx reloaded (pid 24); timing start=1 checked=2 applied=3' },
    {
      at: T + 1000,
      text: '2026-11-23T00:00:01.000Z [INFO] (runner) rendered "templates/upstreams.conf.ctmpl" => "staging/upstreams.conf"',
    },
    { at: T + 1001, text: '2026-11-23T00:00:01.001Z [INFO] (runner) rendered "templates/index.html.ctmpl" => "staging/index.html"' },
    { at: T + 1060, text: '2026/11/23 00:00:01 [notice] 24#24: signal 1 (SIGHUP) received from 39, reconfiguring' },
    { at: T + 1062, text: '2026/11/23 00:00:01 [notice] 24#24: start worker processes' },
    {
      at: T + 1063,
      text: `x apply-render: applied render with 3 instance(s); nginx reloaded (pid 24); timing start=${T + 1010} checked=${T + 1050} applied=${T + 1058}`,
    },
  ];
  expect(renderStepsAfter(lines, T + 500)).toEqual({
    rendered: T + 1000,
    started: T + 1010,
    checked: T + 1050,
    applied: T + 1058,
    reloaded: T + 1062,
  });
  expect(renderStepsAfter(lines, T + 2000)).toEqual({});
  expect(countApplied(lines, T, T + 2000)).toBe(2);
  expect(countApplied(lines, T + 500, T + 2000)).toBe(1);
  expect(appliedRenders(lines, T, T + 2000)).toEqual([
    { at: T + 200, instances: 4 },
    { at: T + 1063, instances: 3 },
  ]);
});
