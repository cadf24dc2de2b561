/**
 * The lab's Consul configs (consul/*.hcl) against the real Consul the tests run, which is the version
 * .env pins: `consul validate` accepts them as the containers load them (plus the data_dir the image
 * entrypoint passes on the command line, and a bind address: a container has one interface), and none
 * calls home.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { consulBinary } from '../harness/consul';
import { REPO_ROOT } from '../harness/paths';

const execFileP = promisify(execFile);

describe('consul/*.hcl on the pinned Consul', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'consul-validate-'));
    // What the container supplies: the data_dir (entrypoint flag) and one network interface. The host
    // may have several private addresses (docker0, lab bridges), which `validate` refuses to choose from.
    writeFileSync(path.join(dir, 'data-dir.hcl'), `data_dir = "${dir}"\nbind_addr = "127.0.0.1"\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const file of ['agent.hcl', 'server.hcl', 'dc2-server.hcl', 'dc2-agent.hcl']) {
    test(`${file} is valid and sets disable_update_check`, async () => {
      const cfg = path.join(REPO_ROOT, 'consul', file);
      const { stdout } = await execFileP(consulBinary(), ['validate', cfg, path.join(dir, 'data-dir.hcl')], { timeout: 30_000 });
      expect(stdout).toMatch(/Configuration is valid!/);
      expect(readFileSync(cfg, 'utf8')).toMatch(/^disable_update_check\s*=\s*true$/m);
    }, 60_000);
  }

  // host-b's agent loads its service definition (exercise 6) from the same config dir, and classroom mode mounts an
  // empty file over it: both as the container reads them.
  test.each([
    ['consul/services/inventory-db.hcl', /inventory-db/],
    ['consul/services/inventory-client.hcl', /inventory-client/],
    ['classroom/no-agent-services.hcl', /outside classroom mode/],
  ])(
    'agent.hcl + %s is valid',
    async (file, marker) => {
      const { stdout } = await execFileP(
        consulBinary(),
        ['validate', path.join(REPO_ROOT, 'consul', 'agent.hcl'), path.join(REPO_ROOT, file), path.join(dir, 'data-dir.hcl')],
        { timeout: 30_000 },
      );
      expect(stdout).toMatch(/Configuration is valid!/);
      expect(readFileSync(path.join(REPO_ROOT, file), 'utf8')).toMatch(marker);
    },
    60_000,
  );
});
