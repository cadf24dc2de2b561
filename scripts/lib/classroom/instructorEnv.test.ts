import { joinInfoFor } from './joinInfo';
import { hostAgentLocalConfig, instructorComposeEnv, serverLocalConfig, studentJoinCommand } from './instructorEnv';

const secrets = {
  gossipKey: Buffer.alloc(32, 7).toString('base64'),
  managementToken: '11111111-2222-3333-4444-555555555555',
  joinCode: 'kite-maple-7421',
};
const join = joinInfoFor('192.168.1.20', secrets, 8080);

describe('instructor compose env', () => {
  it('servers: encrypt, deny-by-default ACLs bootstrapped from the management token, the LAN servers to join', () => {
    expect(serverLocalConfig(secrets, join.servers)).toEqual({
      encrypt: secrets.gossipKey,
      retry_join: ['192.168.1.20:8301', '192.168.1.20:8311', '192.168.1.20:8321'],
      acl: {
        enabled: true,
        default_policy: 'deny',
        enable_token_persistence: true,
        tokens: { initial_management: secrets.managementToken, agent: secrets.managementToken },
      },
    });
  });

  it('host agents: the same, and no default token (a caller without a token is anonymous: read only)', () => {
    const cfg = hostAgentLocalConfig(secrets, join.servers) as { acl: { tokens: Record<string, string> } };
    expect(cfg).toEqual(serverLocalConfig(secrets, join.servers));
    expect(cfg.acl.tokens.default).toBeUndefined();
    const env = instructorComposeEnv('192.168.1.20', secrets, join);
    for (const k of ['LAB_CLASSROOM_AGENT_CONFIG', 'LAB_CLASSROOM_SERVER_CONFIG'] as const) {
      expect((JSON.parse(env[k]!) as { acl: { tokens: Record<string, string> } }).acl.tokens).not.toHaveProperty('default');
    }
  });

  it('every value the overlay interpolates', () => {
    const env = instructorComposeEnv('192.168.1.20', secrets, join);
    expect(Object.keys(env).sort()).toEqual([
      'LAB_CLASSROOM_AGENT_CONFIG',
      'LAB_CLASSROOM_JOIN_INFO',
      'LAB_CLASSROOM_MANAGEMENT_TOKEN',
      'LAB_CLASSROOM_SERVER_CONFIG',
      'LAB_LAN_ADDRESS',
    ]);
    expect(JSON.parse(env.LAB_CLASSROOM_JOIN_INFO!)).toEqual(join);
  });

  it('the student command', () => {
    expect(studentJoinCommand('192.168.1.20', 'kite-maple-7421')).toBe(
      'npm run lab:join -- 192.168.1.20 --code kite-maple-7421 --name <your-github-account>',
    );
  });
});
