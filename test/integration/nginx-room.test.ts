// Issue 18, "no proxying out of the room": in classroom mode a student's token (node identity student-<name> +
// service identity workshop-<name>) can rewrite its node's address AND its service's address to any value, and the
// instructor's Nginx proxied the room's requests there (an internal agent's API answered GET /api/v1/agent/self).
// Against the real binaries on loopback (Consul dev agent, consul-template, nginx through nginx/run.sh):
//  - the room's patterns (scripts/lib/classroom/roomSubnet.ts) mean the same to Go's regexp as to JavaScript;
//  - a student's instance is shown only on its own node, inside the room, at no excluded address, and only when both
//    room variables are set: the attack (re-registering out of the room for 15 s) never reaches a render;
//  - /api/ answers GET/HEAD only, with nosniff and a sandbox CSP;
//  - NGINX_ROOM_LIMITS=1 limits one client address (429), and without it nothing is limited.
// Addresses outside 127.0.0.0/8 (the room 10.213.80.0/24, TEST-NET) are only rendered, never connected to: no test
// request goes to /api/ or /avatars/ while such an instance is in the config.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { formatIpv4, parseCidr, roomAddressPatterns } from '../../scripts/lib/classroom/roomSubnet';
import { CatalogRegistration, catalogDeregisterNode, catalogRegister, passingInstances } from '../harness/consulCatalog';
import { useConsulDev } from '../harness/consulFixture';
import { NginxSide, getFresh, startNginxSide } from '../harness/nginx';
import { REPO_ROOT, toolPath } from '../harness/paths';
import { freePort } from '../harness/ports';
import { startProcess } from '../harness/processes';
import { sleep, waitFor } from '../harness/waitFor';
import { WorkshopInstance, startWorkshopApi } from '../harness/workshopApi';

// ---- the room of these tests ----------------------------------------------------------------------------------
const ROOM_CIDR = '10.213.80.0/24';
const INSTRUCTOR = '10.213.80.10';
const GATEWAY = '10.213.80.1';
const ROOM = roomAddressPatterns({ cidr: ROOM_CIDR, exclude: [INSTRUCTOR, GATEWAY] });
const ROOM_ENV = { LAB_ROOM_ADDRESSES: ROOM.allowed, LAB_ROOM_EXCLUDED: ROOM.excluded };

/** Alice's real laptop in the room: the only student address any render may ever hold. */
const ALICE: CatalogRegistration = {
  node: 'student-alice',
  nodeAddress: '10.213.80.21',
  service: 'workshop-alice',
  id: 'workshop-alice',
  address: '10.213.80.21',
  port: 5021,
  meta: { name: 'alice' },
};

/** execFile with a hard timeout (SIGKILL by pid on expiry) and an explicit environment. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { env, timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8', maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, output: `${stdout}${stderr}` });
      },
    );
  });
}

const consul = useConsulDev();
let api: WorkshopInstance | undefined;
const tmpDirs: string[] = [];

beforeAll(async () => {
  // The lab's own instance (service `workshop`, on loopback): the one every /api/ request here goes to.
  api = await startWorkshopApi('lab', { consulHttpAddr: consul().httpAddr });
  await waitFor(async () => (await passingInstances(consul().httpUrl)).some((i) => i.id === api!.id), {
    timeoutMs: 20_000,
    what: 'workshop-lab passing',
  });
}, 60_000);

afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

async function mustRegister(r: CatalogRegistration): Promise<void> {
  const res = await catalogRegister(consul().httpUrl, r);
  if (!res.ok) throw new Error(`Consul refused ${JSON.stringify(r)}: HTTP ${res.status} ${res.body}`);
}

// ---- 1. the patterns, in Go's regexp --------------------------------------------------------------------------

describe("the room's patterns in consul-template (Go's regexp, RE2)", () => {
  /**
   * Evaluate both patterns on `inputs` with the real consul-template, as the templates use them (allowed wrapped in
   * ^(?:...)$, excluded as given) and as given: a template without Consul queries renders without contacting Consul.
   */
  async function goMatches(allowed: string, excluded: string, inputs: string[]): Promise<string[]> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lab-room-re2-'));
    tmpDirs.push(dir);
    const tpl = path.join(dir, 'check.ctmpl');
    const out = path.join(dir, 'check.out');
    writeFileSync(
      tpl,
      '{{ range (env "INPUTS" | split "\\x1f") }}' +
        '{{ . | regexMatch (print "^(?:" (env "ALLOWED") ")$") }} {{ . | regexMatch (env "ALLOWED") }} {{ . | regexMatch (env "EXCLUDED") }}\n' +
        '{{ end }}',
    );
    const r = await run(
      toolPath('consul-template'),
      ['-once', '-log-level', 'err', '-consul-addr', consul().httpAddr, '-template', `${tpl}:${out}`],
      {
        ...process.env,
        ALLOWED: allowed,
        EXCLUDED: excluded,
        INPUTS: inputs.join('\x1f'),
      },
    );
    if (r.code !== 0) throw new Error(`consul-template failed (exit ${r.code}):\n${r.output}`);
    const lines = readFileSync(out, 'utf8').split('\n').slice(0, -1);
    rmSync(dir, { recursive: true, force: true });
    return lines;
  }

  test('property: for random rooms (/8-/30), Go and JavaScript agree on every address and near-miss', async () => {
    const room = fc.tuple(fc.nat({ max: 2 ** 32 - 1 }), fc.integer({ min: 8, max: 30 }), fc.array(fc.ipV4(), { maxLength: 3 }));
    const offsets = fc.array(fc.nat(), { minLength: 20, maxLength: 20 });
    const randoms = fc.array(fc.ipV4(), { minLength: 20, maxLength: 20 });
    let inside = 0;
    let outside = 0;
    await fc.assert(
      fc.asyncProperty(room, offsets, randoms, async ([n, prefix, exclude], offs, rnd) => {
        const cidr = `${formatIpv4(n)}/${prefix}`;
        const c = parseCidr(cidr);
        const size = c.broadcast - c.network + 1;
        const ips = [c.network, c.broadcast, c.network - 1, c.broadcast + 1, ...offs.map((o) => c.network + (o % size))]
          .filter((x) => x >= 0 && x <= 2 ** 32 - 1)
          .map(formatIpv4);
        const inputs = [...ips, ...rnd, ...exclude];
        // Near-misses: leading zeros, extra parts, a port, whitespace and newlines (Go's `$` is the end of text).
        for (const ip of ips.slice(0, 6))
          inputs.push(`0${ip}`, ip.replace(/\.(\d+)$/, '.0$1'), `${ip}.1`, `${ip}:80`, ` ${ip}`, `${ip}\n`, `${ip}\nx`, `x\n${ip}`);
        const p = roomAddressPatterns({ cidr, exclude });
        const go = await goMatches(p.allowed, p.excluded, inputs);
        const js = inputs.map((s) =>
          [new RegExp(`^(?:${p.allowed})$`).test(s), new RegExp(p.allowed).test(s), new RegExp(p.excluded).test(s)].join(' '),
        );
        // Each line names its input, so a disagreement says which address and which pattern.
        const label = (results: string[]): string[] => results.map((res, i) => `${JSON.stringify(inputs[i])} ${res}`);
        expect(label(go)).toEqual(label(js));
        for (const s of inputs) {
          const v = new RegExp(p.allowed).test(s);
          if (v) inside++;
          else outside++;
        }
      }),
      { numRuns: 25, endOnFailure: true },
    );
    expect(inside).toBeGreaterThan(100);
    expect(outside).toBeGreaterThan(100);
  }, 120_000);
});

// ---- 2. which student instances render ----------------------------------------------------------------------

/** Render the three templates once with `env` (the room variables reach consul-template only through it). */
async function renderOnce(env: Record<string, string>): Promise<{ upstreams: string; locations: string; page: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lab-room-render-'));
  tmpDirs.push(dir);
  const names = ['upstreams.conf', 'locations.conf', 'index.html'];
  const args = ['-consul-addr', consul().httpAddr, '-once', '-log-level', 'warn'];
  for (const t of names) args.push('-template', `${path.join(REPO_ROOT, 'nginx', 'templates', `${t}.ctmpl`)}:${path.join(dir, t)}`);
  const base = { ...process.env };
  delete base.LAB_ROOM_ADDRESSES;
  delete base.LAB_ROOM_EXCLUDED;
  const r = await run(toolPath('consul-template'), args, { ...base, ...env });
  if (r.code !== 0) throw new Error(`consul-template -once failed (exit ${r.code}):\n${r.output}`);
  const read = (t: string): string => readFileSync(path.join(dir, t), 'utf8');
  const out = { upstreams: read('upstreams.conf'), locations: read('locations.conf'), page: read('index.html') };
  rmSync(dir, { recursive: true, force: true });
  return out;
}

test("a student's instance renders only when both room variables are set; the lab's own instances always do", async () => {
  const carol: CatalogRegistration = {
    ...ALICE,
    node: 'student-carol',
    service: 'workshop-carol',
    id: 'workshop-carol',
    nodeAddress: '10.213.80.30',
    address: '10.213.80.30',
    port: 5030,
  };
  try {
    await mustRegister(carol);
    const variants: Array<[string, Record<string, string>, boolean]> = [
      ['unset', {}, false],
      ['both empty', { LAB_ROOM_ADDRESSES: '', LAB_ROOM_EXCLUDED: '' }, false],
      ['excluded empty', { LAB_ROOM_ADDRESSES: ROOM.allowed, LAB_ROOM_EXCLUDED: '' }, false],
      ['allowed empty', { LAB_ROOM_ADDRESSES: '', LAB_ROOM_EXCLUDED: ROOM.excluded }, false],
      ['allowed unset', { LAB_ROOM_EXCLUDED: ROOM.excluded }, false],
      ['both set', ROOM_ENV, true],
      // An unanchored allowed value cannot let more in: the templates anchor it (10.213.80.3 is a prefix of .30).
      ['allowed unanchored, too short', { LAB_ROOM_ADDRESSES: '10\\.213\\.80\\.3', LAB_ROOM_EXCLUDED: ROOM.excluded }, false],
      // An unanchored excluded value can only keep more out (10.213.80.3 matches inside 10.213.80.30).
      ['excluded unanchored', { LAB_ROOM_ADDRESSES: ROOM.allowed, LAB_ROOM_EXCLUDED: '10\\.213\\.80\\.3' }, false],
      ['carol excluded', { LAB_ROOM_ADDRESSES: ROOM.allowed, LAB_ROOM_EXCLUDED: '^10\\.213\\.80\\.30$' }, false],
    ];
    for (const [what, env, shown] of variants) {
      const r = await renderOnce(env);
      for (const [file, text] of Object.entries(r)) {
        expect({ what, file, carol: text.includes('10.213.80.30:5030') }).toEqual({ what, file, carol: shown });
        expect({ what, file, lab: text.includes(`127.0.0.1:${api!.port}`) }).toEqual({ what, file, lab: true });
      }
    }
  } finally {
    await catalogDeregisterNode(consul().httpUrl, carol.node);
  }
}, 60_000);

// ---- 3. the attack, against the running Nginx side --------------------------------------------------------------

/** Every `a.b.c.d:port` in a text (upstream servers, proxy_pass targets, the page's address line). */
const endpoints = (text: string): string[] => [...text.matchAll(/\b(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})\b/g)].map((m) => `${m[1]}:${m[2]}`);
/** Every instance ID in avatar locations and page tiles. */
const ids = (text: string): string[] => [...text.matchAll(/\/avatars\/([^\s/"{]+)|data-id="([^"]+)"/g)].map((m) => m[1] ?? m[2]!);

describe('the Nginx side in a room (LAB_ROOM_ADDRESSES / LAB_ROOM_EXCLUDED set)', () => {
  let side: NginxSide | undefined;

  beforeAll(async () => {
    side = await startNginxSide({ consulHttpAddr: consul().httpAddr, env: ROOM_ENV, name: 'nginx-side-room' });
  }, 60_000);

  afterAll(async () => {
    await side?.stop().catch(() => undefined);
  });

  /** What a sample may hold: the lab's instance, and alice only at her own laptop's address. */
  const allowedEndpoints = (): Set<string> => new Set([`127.0.0.1:${api!.port}`, `${ALICE.address}:${ALICE.port}`]);
  const allowedIds = (): Set<string> => new Set([api!.id, ALICE.id]);

  /** consul-template's raw output (staging/), what nginx serves from (conf/rendered, html/), and the page itself. */
  async function sample(): Promise<Record<string, string>> {
    const f = (rel: string): string => {
      try {
        return readFileSync(path.join(side!.workDir, rel), 'utf8');
      } catch {
        return ''; // between a publish's copy and rename; the next sample reads it
      }
    };
    return {
      'staging/upstreams.conf': f('staging/upstreams.conf'),
      'staging/locations.conf': f('staging/locations.conf'),
      'staging/index.html': f('staging/index.html'),
      'live upstreams.conf': side!.liveUpstreams(),
      'live locations.conf': side!.liveLocations(),
      'live index.html': f('html/index.html'),
      // A failed GET (none expected) is an empty sample, not a failed test: the files above were still read.
      'GET /': await getFresh(`${side!.url}/`).then(
        (r) => r.body,
        () => '',
      ),
    };
  }

  async function aliceLive(expected: boolean): Promise<void> {
    await waitFor(
      async () => {
        const s = await sample();
        const there = Object.values(s).every((t) => t.includes(`${ALICE.address}:${ALICE.port}`));
        const gone = Object.values(s).every((t) => !t.includes(ALICE.id));
        return (expected ? there : gone) && side!.reloadSettled();
      },
      { timeoutMs: 20_000, intervalMs: 100, what: `alice ${expected ? 'on' : 'off'} the page, upstream and locations` },
    );
  }

  test('the attack: alice re-registers her node and service out of the room for 15 s; no render ever holds it', async () => {
    // Each phase: what alice's token can write (her node student-alice with any address, her service with any
    // address), or her service on another student's node. Held 1.5 s: longer than consul-template's `wait`
    // (max 1 s) and a reload, so an unfiltered render would be sampled in every phase.
    const at = (address: string, port = 8500): CatalogRegistration => ({ ...ALICE, nodeAddress: address, address, port });
    const phases: Array<{ what: string; regs: CatalogRegistration[] }> = [
      { what: "the lab network's agent (the verified attack)", regs: [at('10.213.50.21')] },
      { what: "the instructor's LAN address", regs: [at(INSTRUCTOR)] },
      { what: 'the gateway', regs: [at(GATEWAY, 80)] },
      { what: 'loopback', regs: [at('127.0.0.1')] },
      { what: 'outside the room (TEST-NET-1)', regs: [at('192.0.2.1')] },
      { what: "the room's broadcast address", regs: [at('10.213.80.255')] },
      { what: "the room's network address", regs: [at('10.213.80.0')] },
      { what: 'node in the room, service elsewhere', regs: [{ ...ALICE, address: '10.213.50.21', port: 8500 }] },
      {
        what: 'workshop-alice on node student-bob (in the room)',
        regs: [{ ...ALICE, node: 'student-bob', nodeAddress: '10.213.80.66', address: '10.213.80.66' }],
      },
    ];
    const nodes = new Set<string>([ALICE.node]);
    const violations = new Set<string>();
    let samples = 0;
    try {
      await mustRegister(ALICE);
      await aliceLive(true); // the room's rule lets the real laptop in: the test below means something

      let attacking = true;
      const sampler = (async () => {
        while (attacking) {
          const s = await sample();
          samples++;
          for (const [where, text] of Object.entries(s)) {
            for (const e of endpoints(text)) if (!allowedEndpoints().has(e)) violations.add(`${where}: ${e}`);
            for (const id of ids(text)) if (!allowedIds().has(id)) violations.add(`${where}: id ${id}`);
          }
          await sleep(100);
        }
      })();

      const started = Date.now();
      for (let i = 0; Date.now() - started < 15_000; i++) {
        const phase = phases[i % phases.length]!;
        // A phase on another node: alice's own node is gone (else her real, allowed instance would still be there).
        for (const n of nodes) if (n !== phase.regs[0]!.node) await catalogDeregisterNode(consul().httpUrl, n);
        for (const r of phase.regs) {
          nodes.add(r.node);
          await mustRegister(r);
        }
        // Consul took it and reports it passing: the attack is in the catalog, under alice's ID.
        const want = phase.regs[0]!;
        await waitFor(
          async () =>
            (await passingInstances(consul().httpUrl, ALICE.service)).some(
              (x) => x.node === want.node && x.address === want.address && x.port === want.port,
            ),
          { timeoutMs: 5000, what: `phase "${phase.what}" in Consul` },
        );
        await sleep(1500);
      }
      attacking = false;
      await sampler;
      expect([...violations].sort()).toEqual([]);
      // ~100 ms apart for 15 s; a loaded machine samples less often, but never this rarely.
      expect(samples).toBeGreaterThanOrEqual(40);
      await aliceLive(false);

      // Back at her own address: shown again (the side kept applying renders all along).
      for (const n of nodes) await catalogDeregisterNode(consul().httpUrl, n);
      await mustRegister(ALICE);
      await aliceLive(true);
    } finally {
      for (const n of nodes) await catalogDeregisterNode(consul().httpUrl, n);
    }
  }, 90_000);

  test("/api/ answers GET and HEAD only, with nosniff and a sandbox CSP (the instance's own values dropped) and X-Upstream", async () => {
    // Only the lab's instance on loopback is in the upstream: nothing here connects outside 127.0.0.0/8.
    await waitFor(() => side!.upstreamServers().length === 1 && side!.reloadSettled(), {
      timeoutMs: 20_000,
      what: 'only the lab instance upstream',
    });
    expect(side!.upstreamServers()).toEqual([`127.0.0.1:${api!.port}`]);
    for (const method of ['GET', 'HEAD']) {
      const res = await rawRequest(method, `${side!.url}/api/`);
      expect({ method, status: res.status }).toEqual({ method, status: 200 });
      expect(res.headers['x-content-type-options']).toBe('nosniff'); // workshop-api sends it too: not twice
      expect(res.headers['content-security-policy']).toBe('sandbox');
      expect(res.headers['x-upstream']).toBe(`127.0.0.1:${api!.port}`);
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      for (const p of ['/api/', '/api/v1/agent/service/register']) {
        const res = await rawRequest(method, `${side!.url}${p}`);
        expect({ method, p, status: res.status }).toEqual({ method, p, status: 403 });
        expect(res.headers['x-upstream']).toBeUndefined(); // never proxied
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['content-security-policy']).toBe('sandbox');
      }
    }
  }, 60_000);

  test('without NGINX_ROOM_LIMITS nothing is limited: a burst from one address is all 200', async () => {
    const r = await burst(`${side!.url}/`, 600, 10);
    expect(r).toEqual({ 200: 600 });
  }, 60_000);
});

// ---- 4. the per-address limits --------------------------------------------------------------------------------

/** `total` GETs on fresh connections, `concurrency` at a time: counts by status. */
async function burst(url: string, total: number, concurrency: number): Promise<Record<number, number>> {
  const counts: Record<number, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        const { status } = await getFresh(url, 15_000);
        counts[status] = (counts[status] ?? 0) + 1;
      }
    }),
  );
  return counts;
}

/** One request on a new connection, any method; a body for the methods that carry one. */
function rawRequest(method: string, url: string, timeoutMs = 10_000): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(['POST', 'PUT', 'PATCH'].includes(method) ? '{"x":1}' : undefined);
  });
}

/** An upstream on loopback that holds every request `holdMs` and counts how many it holds at once. */
async function slowServer(
  holdMs: number,
): Promise<{ port: number; maxInFlight: () => number; reset: () => void; close: () => Promise<void> }> {
  let inFlight = 0;
  let max = 0;
  const server = http.createServer((_req, res) => {
    inFlight++;
    max = Math.max(max, inFlight);
    setTimeout(() => {
      inFlight--;
      res.writeHead(200, { 'content-type': 'image/svg+xml' });
      res.end('<svg xmlns="http://www.w3.org/2000/svg"/>');
    }, holdMs);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    maxInFlight: () => max,
    reset: () => (max = 0),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('NGINX_ROOM_LIMITS', () => {
  test('=1: one address gets 429 past the burst (limit_req) and at most 20 requests in progress (limit_conn); =0 and unset: none', async () => {
    const limited = await startNginxSide({
      consulHttpAddr: consul().httpAddr,
      env: { ...ROOM_ENV, NGINX_ROOM_LIMITS: '1' },
      name: 'nginx-side-limited',
    });
    const unlimited = await startNginxSide({
      consulHttpAddr: consul().httpAddr,
      env: { NGINX_ROOM_LIMITS: '0' },
      name: 'nginx-side-limits-0',
    });
    const slow = await slowServer(4000);
    const slowReg: CatalogRegistration = {
      node: 'slow-node',
      nodeAddress: '127.0.0.1',
      id: 'workshop-slow',
      address: '127.0.0.1',
      port: slow.port,
    };
    try {
      expect(limited.process.output()).toMatch(/listening on 127\.0\.0\.1:\d+ with per-address limits \(NGINX_ROOM_LIMITS=1\)/);
      // limit_req: rate 50 r/s, burst 100 without delay. 600 requests at once from 127.0.0.1 take well under the
      // ~10 s the rate would need, so the burst passes and the rest is refused.
      const r = await burst(`${limited.url}/`, 600, 10);
      expect(Object.keys(r).sort()).toEqual(['200', '429']);
      expect(r[200]).toBeGreaterThanOrEqual(100);
      expect(r[429]).toBeGreaterThan(0);
      // The limit is per address and refills: after a pause, the page answers again.
      await sleep(2500);
      expect((await getFresh(`${limited.url}/`)).status).toBe(200);
      expect(await burst(`${unlimited.url}/`, 600, 10)).toEqual({ 200: 600 });

      // limit_conn: 40 requests at once to an instance that holds each for 4 s (within limit_req's burst).
      await mustRegister(slowReg);
      for (const s of [limited, unlimited]) {
        await waitFor(async () => s.liveLocations().includes('/avatars/workshop-slow ') && s.reloadSettled(), {
          timeoutMs: 20_000,
          what: 'workshop-slow live',
        });
      }
      await sleep(2500); // limit_req's bucket refilled (50 r/s) after the burst above
      slow.reset();
      const held = await burst(`${limited.url}/avatars/workshop-slow`, 40, 40);
      expect(slow.maxInFlight()).toBeLessThanOrEqual(20);
      expect(held[429]).toBeGreaterThanOrEqual(1);
      expect((held[200] ?? 0) + (held[429] ?? 0)).toBe(40);
      slow.reset();
      expect(await burst(`${unlimited.url}/avatars/workshop-slow`, 40, 40)).toEqual({ 200: 40 });
      expect(slow.maxInFlight()).toBe(40);
    } finally {
      await catalogDeregisterNode(consul().httpUrl, slowReg.node);
      await limited.stop().catch(() => undefined);
      await unlimited.stop().catch(() => undefined);
      await slow.close();
    }
  }, 120_000);

  test.each([
    [{ NGINX_ROOM_LIMITS: 'yes' }, /NGINX_ROOM_LIMITS must be 1, 0 or empty, got 'yes'/],
    [
      { LAB_ROOM_ADDRESSES: '^10\\.(?=1)', LAB_ROOM_EXCLUDED: '^$' },
      /LAB_ROOM_ADDRESSES is not a valid RE2 \(Go\) regular expression: .*\(\?=/,
    ],
    [
      { LAB_ROOM_ADDRESSES: ROOM.allowed, LAB_ROOM_EXCLUDED: '^(10' },
      /LAB_ROOM_EXCLUDED is not a valid RE2 \(Go\) regular expression: missing closing \)/,
    ],
  ])(
    'bad input to run.sh (%j): one line, exit 2, nothing started',
    async (env, message) => {
      const workDir = mkdtempSync(path.join(os.tmpdir(), 'lab-nginx-bad-'));
      tmpDirs.push(workDir);
      const p = startProcess('bash', [path.join(REPO_ROOT, 'nginx', 'run.sh')], {
        name: 'run-sh-room-bad',
        env: {
          ...process.env,
          NGINX_LISTEN: `127.0.0.1:${await freePort()}`,
          NGINX_WORK_DIR: workDir,
          NGINX_BIN: toolPath('nginx'),
          CONSUL_TEMPLATE_BIN: toolPath('consul-template'),
          ...env,
        },
      });
      const { code } = await p.exited;
      expect(code).toBe(2);
      expect(p.output().trim().split('\n')).toHaveLength(1);
      expect(p.output()).toMatch(message);
      expect(existsSync(path.join(workDir, 'nginx.pid'))).toBe(false);
      expect(existsSync(path.join(workDir, 'consul-template.pid'))).toBe(false);
    },
    30_000,
  );
});
