// classroom/instructor.compose.yml against the rules the room depends on: each Consul agent's serf/RPC port is
// published on the LAN address with the SAME number inside and outside (what it advertises is where it is
// reached), serf on tcp AND udp, and JoinInfo's server addresses are the servers' published serf ports.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findRepoRoot } from '../../../services/shared/repoRoot';
import { INSTRUCTOR_COMPOSE_FILE } from './instructorEnv';
import { joinInfoFor } from './joinInfo';
import { CLASSROOM_CA_PEM } from './testdata/testCas';

const root = findRepoRoot(__dirname)!;
const text = readFileSync(path.join(root, INSTRUCTOR_COMPOSE_FILE), 'utf8');
const LAN = '${LAB_LAN_ADDRESS:-127.0.0.1}';

/** The overlay's services and their lines (top-level keys under `services:`, two-space indent). */
function serviceBlocks(): Map<string, string> {
  const body = text.slice(text.indexOf('\nservices:\n'));
  const blocks = new Map<string, string>();
  for (const part of body.split(/\n {2}(?=[a-z0-9-]+:\n)/).slice(1)) {
    const name = part.slice(0, part.indexOf(':'));
    blocks.set(name, part);
  }
  return blocks;
}

/** `LAN:8301:8301/udp` lines of a block as [host port, container port, protocol]. */
function lanPorts(block: string): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  for (const line of block.split('\n')) {
    const q = /^\s+- "(.*)"$/.exec(line)?.[1];
    if (!q?.startsWith(`${LAN}:`)) continue;
    const m = /^(.*):(\d+)\/(tcp|udp)$/.exec(q.slice(LAN.length + 1));
    if (m) out.push([m[1]!, m[2]!, m[3]!]);
  }
  return out;
}

describe('classroom/instructor.compose.yml', () => {
  const blocks = serviceBlocks();
  const agents: Array<[string, string, string[]]> = [
    ['consul-server-1', 'consul-server-1', ['8300', '8301']],
    ['consul-server-2', 'consul-server-2', ['8310', '8311']],
    ['consul-server-3', 'consul-server-3', ['8320', '8321']],
    ['host-a-agent', 'host-a', ['8331']],
    ['host-b-agent', 'host-b', ['8341']],
  ];

  it.each(agents)('%s advertises the LAN address on ports %s published the same inside and out by %s', (agent, publisher, ports) => {
    const cmd = blocks.get(agent)!;
    expect(cmd).toContain(`"-advertise=${LAN}"`);
    const serf = ports[ports.length - 1]!;
    expect(cmd).toContain(`"-serf-lan-port=${serf}"`);
    if (ports.length === 2) {
      expect(cmd).toContain(`"-server-port=${ports[0]}"`);
      // WAN gossip stays on the server's own fixed lab IP (.11-.13).
      expect(cmd).toContain(`"-advertise-wan=\${LAB_SUBNET_PREFIX:-10.213.50}.1${agent.slice(-1)}"`);
    }
    const published = lanPorts(blocks.get(publisher)!);
    for (const p of ports) expect(published).toContainEqual([p, p, 'tcp']);
    expect(published).toContainEqual([serf, serf, 'udp']);
    // Directly or through the anchor of the first server / agent.
    // Its own config, the classroom CA, and the entrypoint that writes the PEMs to files (classroom/consul-tls.sh).
    const block = blocks.get(agent)!;
    const own = agent.startsWith('consul-server') ? `SERVER_${agent.slice(-1)}` : `HOST_${agent.charAt(5).toUpperCase()}`;
    expect(block).toContain(`CONSUL_LOCAL_CONFIG: \${LAB_CLASSROOM_${own}_CONFIG:-}`);
    expect(block).toContain('LAB_TLS_CA_PEM: ${LAB_CLASSROOM_TLS_CA:-}');
    expect(block).toMatch(/entrypoint: (&tls-entrypoint )?(\*tls-entrypoint|\["\/bin\/sh", "\/lab\/consul-tls\.sh"\])/);
    expect(block).toMatch(/volumes: \*tls-script|- \.\/classroom\/consul-tls\.sh:\/lab\/consul-tls\.sh:ro/);
    // Exercise 6 stays out of the room: host-b's agent gets an empty file over its agent-defined service.
    if (agent === 'host-b-agent') expect(block).toContain('- ./classroom/no-agent-services.hcl:/consul/config/inventory-db.hcl:ro');
    if (agent === 'host-a-agent') expect(block).toContain('- ./classroom/no-agent-services.hcl:/consul/config/inventory-client.hcl:ro');
    // A server's own certificate and key; a client gets its certificate from the servers (auto_encrypt).
    if (agent.startsWith('consul-server')) {
      expect(block).toContain(`LAB_TLS_CERT_PEM: \${LAB_CLASSROOM_${own}_CERT:-}`);
      expect(block).toContain(`LAB_TLS_KEY_PEM: \${LAB_CLASSROOM_${own}_KEY:-}`);
    } else expect(block).not.toMatch(/LAB_TLS_(CERT|KEY)_PEM/);
  });

  it('publishes the room API (server-1), the page and enrollment on the LAN, and labels the classroom containers', () => {
    expect(lanPorts(blocks.get('consul-server-1')!)).toContainEqual(['8500', '8500', 'tcp']);
    expect(lanPorts(blocks.get('host-a')!)).toContainEqual(['${LAB_NGINX_PORT:-8080}', '80', 'tcp']);
    expect(lanPorts(blocks.get('host-a')!)).toContainEqual(['8099', '8099', 'tcp']);
    for (const s of ['consul-server-1', 'consul-server-2', 'consul-server-3', 'host-a', 'host-b', 'nginx', 'enrollment']) {
      expect(blocks.get(s)).toMatch(/labels: (\*classroom-label|&classroom-label\n\s+lab\.classroom: "1")/);
    }
  });

  it("JoinInfo's servers are the servers' published serf ports", () => {
    const j = joinInfoFor(
      '192.168.1.20',
      { gossipKey: Buffer.alloc(32).toString('base64'), joinCode: 'kite-maple-7421' },
      8080,
      CLASSROOM_CA_PEM,
    );
    expect(j.servers.map((s) => s.split(':')[1])).toEqual(['8301', '8311', '8321']);
  });

  it("each of the instructor's writers sends a token of its own; the readers get none; the management token is in no container", () => {
    const own: Record<string, string> = {
      'workshop-api-a1': 'WORKSHOP_A',
      'workshop-api-a2': 'WORKSHOP_A',
      'workshop-api-b1': 'WORKSHOP_B',
      'workshop-api-b2': 'WORKSHOP_B',
      'demo-server': 'DEMO',
      enrollment: 'ENROLL',
    };
    for (const [s, token] of Object.entries(own)) {
      const anchor = s.endsWith('2') && s.startsWith('workshop') ? `*workshop-${token.slice(-1).toLowerCase()}-env` : undefined;
      expect(blocks.get(s)).toContain(anchor ? `environment: ${anchor}` : `CONSUL_HTTP_TOKEN: \${LAB_CLASSROOM_${token}_TOKEN:-}`);
    }
    for (const s of ['nginx', 'demo-client', 'lab-view']) expect(blocks.get(s) ?? '').not.toContain('CONSUL_HTTP_TOKEN');
    expect(text).not.toMatch(/"default"|tokens\.default/);
    expect(text).not.toMatch(/^\s+[A-Z_]+: \$\{LAB_CLASSROOM_MANAGEMENT_TOKEN/m);
  });

  it('the room page: the address rules and the per-address limits', () => {
    const nginx = blocks.get('nginx')!;
    expect(nginx).toContain('LAB_ROOM_ADDRESSES: ${LAB_ROOM_ADDRESSES:-}');
    expect(nginx).toContain('LAB_ROOM_EXCLUDED: ${LAB_ROOM_EXCLUDED:-}');
    expect(nginx).toContain('NGINX_ROOM_LIMITS: "1"');
  });

  it('never carries a secret itself: only ${...} references to what lab:up passes', () => {
    for (const v of [
      'CONSUL_LOCAL_CONFIG',
      'CONSUL_HTTP_TOKEN',
      'ENROLL_JOIN_INFO',
      'ENROLL_TLS_CERT',
      'ENROLL_TLS_KEY',
      'ENROLL_JWT_KEY',
      'LAB_TLS_CA_PEM',
      'LAB_TLS_CERT_PEM',
      'LAB_TLS_KEY_PEM',
    ]) {
      for (const line of text.split('\n').filter((l) => l.trim().startsWith(`${v}:`)))
        expect(line).toMatch(/: \$\{LAB_CLASSROOM_[A-Z0-9_]+:-\}$/);
    }
  });
});
