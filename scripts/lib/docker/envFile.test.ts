import { imageRefs, parseEnvFile } from './envFile';

describe('env files', () => {
  it('parses KEY=VALUE lines and lists the pinned images, shell values winning', () => {
    const env = parseEnvFile(
      '# c\nCONSUL_IMAGE=consul-lab/consul:offline\nexport NODE_IMAGE="consul-lab/node:offline"\nLAB_NGINX_PORT=8080 # port\n\n',
    );
    expect(env).toEqual({ CONSUL_IMAGE: 'consul-lab/consul:offline', NODE_IMAGE: 'consul-lab/node:offline', LAB_NGINX_PORT: '8080' });
    expect(imageRefs(env, { NODE_IMAGE: 'mine:1' })).toEqual(['consul-lab/consul:offline', 'mine:1']);
  });
});
