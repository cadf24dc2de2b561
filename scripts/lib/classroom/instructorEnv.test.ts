import fc from 'fast-check';
import { joinInfoFor } from './joinInfo';
import {
  clientTlsConfig,
  hostAgentLocalConfig,
  instructorComposeEnv,
  parseStudentJoinCommand,
  serverLocalConfig,
  studentJoinCommand,
  TLS_IN_CONTAINER,
} from './instructorEnv';
import { newSecrets } from './secrets';
import { CLASSROOM_CA_PEM } from './testdata/testCas';
import type { ClassroomTls } from './tls';

const secrets = newSecrets();
const join = joinInfoFor('192.168.1.20', secrets, 8080, CLASSROOM_CA_PEM);
const pair = (n: string) => ({ certPem: `cert ${n}\n`, keyPem: `key ${n}\n` });
const tls: ClassroomTls = { caPem: CLASSROOM_CA_PEM, servers: [pair('s1'), pair('s2'), pair('s3')], enrollment: pair('enroll') };
const room = { allowed: '^192\\.168\\.1\\.[0-9]+$', excluded: '^(192\\.168\\.1\\.20|192\\.168\\.1\\.1)$' };

type Acl = { acl: { tokens: Record<string, string>; default_policy: string } };

describe('instructor compose env', () => {
  it('servers: encrypt, deny by default, bootstrapped from the management token, each its OWN agent token, TLS on internal RPC', () => {
    for (const i of [1, 2, 3] as const) {
      const cfg = serverLocalConfig(i, secrets, join.servers);
      expect(cfg).toEqual({
        encrypt: secrets.gossipKey,
        retry_join: ['192.168.1.20:8301', '192.168.1.20:8311', '192.168.1.20:8321'],
        acl: {
          enabled: true,
          default_policy: 'deny',
          enable_token_persistence: true,
          tokens: { initial_management: secrets.managementToken, agent: secrets.tokens[`agent-consul-server-${i}`].secretId },
        },
        connect: { enabled: true },
        auto_encrypt: { allow_tls: true },
        tls: {
          defaults: {
            ca_file: TLS_IN_CONTAINER.ca,
            cert_file: TLS_IN_CONTAINER.cert,
            key_file: TLS_IN_CONTAINER.key,
            verify_outgoing: true,
          },
          internal_rpc: { verify_incoming: true, verify_server_hostname: true },
        },
      });
      // No agent's token is the management token.
      expect((cfg as unknown as Acl).acl.tokens.agent).not.toBe(secrets.managementToken);
    }
  });

  it('host agents: their own agent token, no default token, no management token; auto_encrypt and the servers verified', () => {
    for (const node of ['host-a', 'host-b'] as const) {
      const cfg = hostAgentLocalConfig(node, secrets, join.servers) as unknown as Acl & Record<string, unknown>;
      expect(cfg.acl.tokens).toEqual({ agent: secrets.tokens[`agent-${node}`].secretId });
      expect(JSON.stringify(cfg)).not.toContain(secrets.managementToken);
      expect(cfg).toMatchObject(clientTlsConfig());
    }
    expect(clientTlsConfig()).toEqual({
      auto_encrypt: { tls: true },
      tls: { defaults: { ca_file: TLS_IN_CONTAINER.ca, verify_outgoing: true }, internal_rpc: { verify_server_hostname: true } },
    });
  });

  it("every value the overlay interpolates, and the management token only in the servers' bootstrap config", () => {
    const env = instructorComposeEnv('192.168.1.20', secrets, join, tls, room);
    expect(Object.keys(env).sort()).toEqual(
      [
        'LAB_CLASSROOM_DEMO_TOKEN',
        'LAB_CLASSROOM_ENROLL_CERT',
        'LAB_CLASSROOM_ENROLL_JWT_KEY',
        'LAB_CLASSROOM_ENROLL_KEY',
        'LAB_CLASSROOM_ENROLL_TOKEN',
        'LAB_CLASSROOM_HOST_A_CONFIG',
        'LAB_CLASSROOM_HOST_B_CONFIG',
        'LAB_CLASSROOM_JOIN_INFO',
        'LAB_CLASSROOM_SERVER_1_CERT',
        'LAB_CLASSROOM_SERVER_1_CONFIG',
        'LAB_CLASSROOM_SERVER_1_KEY',
        'LAB_CLASSROOM_SERVER_2_CERT',
        'LAB_CLASSROOM_SERVER_2_CONFIG',
        'LAB_CLASSROOM_SERVER_2_KEY',
        'LAB_CLASSROOM_SERVER_3_CERT',
        'LAB_CLASSROOM_SERVER_3_CONFIG',
        'LAB_CLASSROOM_SERVER_3_KEY',
        'LAB_CLASSROOM_TLS_CA',
        'LAB_CLASSROOM_WORKSHOP_A_TOKEN',
        'LAB_CLASSROOM_WORKSHOP_B_TOKEN',
        'LAB_LAN_ADDRESS',
        'LAB_ROOM_ADDRESSES',
        'LAB_ROOM_EXCLUDED',
      ].sort(),
    );
    expect(JSON.parse(env.LAB_CLASSROOM_JOIN_INFO!)).toEqual(join);
    expect(env.LAB_CLASSROOM_SERVER_2_CERT).toBe('cert s2\n');
    expect(env.LAB_CLASSROOM_ENROLL_CERT).toBe(`cert enroll\n${CLASSROOM_CA_PEM}`);
    expect(env.LAB_CLASSROOM_WORKSHOP_A_TOKEN).toBe(secrets.tokens['workshop-host-a'].secretId);
    expect(env.LAB_CLASSROOM_ENROLL_TOKEN).toBe(secrets.tokens.enrollment.secretId);
    expect(env.LAB_ROOM_ADDRESSES).toBe(room.allowed);
    const withManagement = Object.entries(env)
      .filter(([, v]) => v.includes(secrets.managementToken))
      .map(([k]) => k);
    expect(withManagement.sort()).toEqual([
      'LAB_CLASSROOM_SERVER_1_CONFIG',
      'LAB_CLASSROOM_SERVER_2_CONFIG',
      'LAB_CLASSROOM_SERVER_3_CONFIG',
    ]);
  });

  it('the student command carries the code and the CA pin, and parses back', () => {
    expect(studentJoinCommand('192.168.1.20', 'kite-maple-river-07421', '0123456789abcdef')).toBe(
      'npm run lab:join -- 192.168.1.20 --code kite-maple-river-07421 --pin 0123456789abcdef --name <your-github-account>',
    );
    fc.assert(
      fc.property(fc.ipV4(), fc.stringMatching(/^[a-z0-9-]{6,64}$/), fc.stringMatching(/^[0-9a-f]{16}$/), (lan, joinCode, pin) => {
        const text = `Students run:\n  ${studentJoinCommand(lan, joinCode, pin)}\n`;
        expect(parseStudentJoinCommand(text)).toEqual({ lan, joinCode, pin });
      }),
    );
    expect(parseStudentJoinCommand('npm run lab:join -- 192.168.1.20 --code kite --name x')).toBeUndefined();
  });
});
