import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { OFFLINE_IMAGES, consulImageInputs } from '../../scripts/lib/images/buildOfflineImages';
import { buildImage } from '../../scripts/lib/images/dockerBuild';
import { readEnvFile } from '../../scripts/lib/docker/envFile';
import { REPO_ROOT } from './paths';

const execFileP = promisify(execFile);

/**
 * Stand-ins for the official images .env names, made from the air-gapped parts, so a test can run
 * docker-compose.yml's DEFAULT path (official names, their entrypoints and users, the build: sections)
 * on a machine without a registry. images/standins/README.md says what each one is. Tests only: every
 * stand-in carries STANDIN_LABEL, a real image of the same name is never overwritten, and
 * removeStandins() takes them away again.
 */
// One label, defined where lab:up reads it (a stand-in never passes there for a pulled image).
import { STANDIN_LABEL } from '../../scripts/lib/images/pull';
export { STANDIN_LABEL };

export interface Standins {
  /** Official name → the stand-in's image id. */
  images: Record<string, string>;
}

function officialNames(): { consul: string; consulTemplate: string; nginx: string; node: string } {
  const env = readEnvFile(path.join(REPO_ROOT, '.env'));
  const need = (k: string): string => {
    const v = env[k];
    if (!v) throw new Error(`.env has no ${k}`);
    return v;
  };
  return {
    consul: need('CONSUL_IMAGE'),
    consulTemplate: need('CONSUL_TEMPLATE_IMAGE'),
    nginx: need('NGINX_IMAGE'),
    node: need('NODE_IMAGE'),
  };
}

async function labels(docker: Docker, ref: string): Promise<Record<string, string> | undefined> {
  try {
    return (await docker.getImage(ref).inspect()).Config?.Labels ?? {};
  } catch {
    return undefined;
  }
}

/** The official hashicorp/consul entrypoint, from the Consul module the binary was built from. */
async function officialConsulEntrypoint(version: string): Promise<string> {
  const { stdout } = await execFileP('go', ['mod', 'download', '-json', `github.com/hashicorp/consul@v${version}`], {
    timeout: 10 * 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const dir = (JSON.parse(stdout) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go mod download gave no directory for consul@v${version}`);
  const script = readFileSync(path.join(dir, '.release', 'docker', 'docker-entrypoint.sh'), 'utf8');
  // Its interpreter line is `dumb-init /bin/sh` on Alpine, whose sh (busybox) takes `${1:0:1}`; Debian's
  // sh (dash) does not, so the same script runs under bash. Nothing else is changed.
  return script.replace(/^#!\/usr\/bin\/dumb-init \/bin\/sh\n/, '#!/usr/bin/dumb-init /bin/bash\n');
}

/**
 * Build and tag the stand-ins (the offline images must exist: `npm run lab:images`). Throws if an image
 * with an official name exists and is NOT a stand-in: that is a real image, left alone.
 */
export async function buildStandins(docker: Docker, log: (msg: string) => void = () => undefined): Promise<Standins> {
  const names = officialNames();
  for (const ref of [names.consul, names.consulTemplate, names.nginx, names.node]) {
    const l = await labels(docker, ref);
    if (l && !l[STANDIN_LABEL])
      throw new Error(`${ref} exists and is not a stand-in (a real image?): not overwriting it; remove it or run this test elsewhere`);
  }
  const staging = mkdtempSync(path.join(os.tmpdir(), 'consul-lab-standins-'));
  const label = { [STANDIN_LABEL]: 'tests only: images/standins/README.md' };
  const onLine = (line: string): void => {
    if (/^Step \d+\/\d+ :/.test(line)) log(`  ${line.slice(0, 110)}`);
  };
  try {
    // hashicorp/consul: the official entrypoint and user model on the pinned binary.
    const consul = consulImageInputs(REPO_ROOT);
    const consulDir = path.join(staging, 'consul');
    cpSync(path.join(REPO_ROOT, 'images', 'standins', 'consul'), consulDir, { recursive: true });
    cpSync(consul.binary, path.join(consulDir, 'consul'));
    writeFileSync(path.join(consulDir, 'docker-entrypoint.sh'), await officialConsulEntrypoint(consul.version), { mode: 0o755 });
    log(`building ${names.consul} (stand-in)`);
    await buildImage(docker, {
      contextDir: consulDir,
      entries: readdirSync(consulDir),
      tag: names.consul,
      labels: label,
      buildArgs: { BASE_IMAGE: OFFLINE_IMAGES.base, ...consul.buildArgs },
      onLine,
    });

    // node: the offline node image + this machine's npm + the official entrypoint's behaviour.
    const nodeDir = path.join(staging, 'node');
    cpSync(path.join(REPO_ROOT, 'images', 'standins', 'node'), nodeDir, { recursive: true });
    cpSync(path.join(await npmRoot(), 'npm'), path.join(nodeDir, 'npm'), { recursive: true });
    writeFileSync(path.join(nodeDir, 'extra-ca.crt'), hostCAs());
    log(`building ${names.node} (stand-in)`);
    await buildImage(docker, {
      contextDir: nodeDir,
      entries: readdirSync(nodeDir),
      tag: names.node,
      labels: label,
      buildArgs: { NODE_IMAGE: OFFLINE_IMAGES.node },
      onLine,
    });

    // consul-template and nginx: the offline images already have the official layout; only the name and label differ.
    const retagDir = path.join(staging, 'retag');
    cpSync(path.join(REPO_ROOT, 'images', 'standins', 'retag.Dockerfile'), path.join(retagDir, 'Dockerfile'));
    for (const [official, offline] of [
      [names.consulTemplate, OFFLINE_IMAGES.consulTemplate],
      [names.nginx, OFFLINE_IMAGES.nginxBase],
    ] as const) {
      log(`tagging ${offline} as ${official} (stand-in)`);
      await buildImage(docker, {
        contextDir: retagDir,
        entries: ['Dockerfile'],
        tag: official,
        labels: label,
        buildArgs: { FROM_IMAGE: offline },
      });
    }
    const images: Record<string, string> = {};
    for (const ref of [names.consul, names.consulTemplate, names.nginx, names.node])
      images[ref] = (await docker.getImage(ref).inspect()).Id;
    return { images };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The CAs this machine's Node trusts beyond its own: NODE_EXTRA_CA_CERTS (here: a TLS-intercepting egress
 * proxy's CA, without which `npm ci` in a container cannot reach the npm registry), else Node's bundled roots.
 */
function hostCAs(): string {
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  if (extra && existsSync(extra)) return readFileSync(extra, 'utf8');
  return tls.rootCertificates.join('\n') + '\n';
}

async function npmRoot(): Promise<string> {
  const { stdout } = await execFileP('npm', ['root', '-g'], { timeout: 60_000 });
  return stdout.trim();
}

/** Remove the stand-ins. Real images (no stand-in label) are never touched. */
export async function removeStandins(docker: Docker, log: (msg: string) => void = () => undefined): Promise<void> {
  const names = officialNames();
  for (const ref of [names.consul, names.consulTemplate, names.nginx, names.node]) {
    const l = await labels(docker, ref);
    if (l?.[STANDIN_LABEL])
      await docker
        .getImage(ref)
        .remove({ force: true })
        .then(
          () => log(`removed stand-in ${ref}`),
          (e: Error) => log(`could not remove ${ref}: ${e.message}`),
        );
  }
}
