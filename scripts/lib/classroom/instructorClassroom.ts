// `lab:up --classroom`'s own work, apart from starting Compose: the class (new or resumed: secrets, the classroom CA,
// the room's address rules), the ACL set-up during the wait, and what the room needs printed once the lab is up.
import { rmSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { sleep } from '../../../services/shared/async';
import { UsageError } from '../../../services/shared/errors';
import { leader } from '../../../services/shared/consul/endpoints';
import { classSecrets, JOIN_FILE, MANAGEMENT_TOKEN_FILE, type ClassroomSecrets } from './secrets';
import { joinInfoFor, type JoinInfo } from './joinInfo';
import { instructorComposeEnv, studentJoinCommand, type RoomAddressRules } from './instructorEnv';
import { setUpClassroomAcls } from './aclSetup';
import { caPin, makeClassroomTls, readClassroomTls, TLS_DIR, type ClassroomTls } from './tls';
import { defaultGateway, lanCidrOf, parseCidr, roomAddressPatterns } from './roomSubnet';

/** What classroom mode needs after `up`: where its files are and what to hand Compose. */
export interface Classroom {
  lan: string;
  dir: string;
  resumed: boolean;
  secrets: ClassroomSecrets;
  tls: ClassroomTls;
  pin: string;
  /** The room's subnet (CIDR) and where it came from, for the instructor to check. */
  room: { cidr: string; from: string; gateway?: string; rules: RoomAddressRules };
  join: JoinInfo;
  env: Record<string, string>;
  /** server-1's HTTP on this machine's 127.0.0.1 (LAB_ROOM_CONSUL_HTTP_PORT): where lab:up sets up the ACLs. */
  roomApiPort: number;
}

export interface PrepareOptions {
  docker: Docker;
  lan: string;
  dir: string;
  resume: boolean;
  /** The Consul image Compose runs: its `consul tls` makes the CA. */
  consulImage: string;
  nginxPort: number;
  roomApiPort: number;
  /** The lab's own subnet prefix (LAB_SUBNET_PREFIX, e.g. 10.213.50): it must not be part of the room's. */
  labSubnetPrefix: string;
  /** --room-subnet, when the instructor gives it. */
  roomSubnet?: string;
  say: (line: string) => void;
  /** Removes the lab's Consul data (a new class after another: its keyring and ACLs belong to the old secrets). */
  clearPreviousClass: () => Promise<void>;
}

/** The room's subnet: --room-subnet, else the LAN interface's, else the /24 around the address (said so). */
export function roomSubnetOf(
  lan: string,
  given: string | undefined,
  labSubnetPrefix: string,
  gateway: string | undefined,
  interfaceCidr: (address: string) => string | undefined = lanCidrOf,
) {
  let cidr: string;
  let from: string;
  if (given !== undefined) {
    try {
      parseCidr(given);
    } catch (err) {
      throw new UsageError(`--room-subnet: ${(err as Error).message}`);
    }
    if (!new RegExp(roomAddressPatterns({ cidr: given, exclude: [] }).allowed).test(lan))
      throw new UsageError(`--room-subnet: ${given} does not contain this laptop's LAN address ${lan}`);
    cidr = given;
    from = '--room-subnet';
  } else {
    const found = interfaceCidr(lan);
    cidr = found ?? `${lan.split('.').slice(0, 3).join('.')}.0/24`;
    from = found ? "the LAN interface's netmask" : 'a /24 around the LAN address (its interface was not found; --room-subnet sets it)';
  }
  const rules = roomAddressPatterns({ cidr, exclude: [lan, ...(gateway ? [gateway] : [])] });
  // The lab's internal network inside the room's would let a student's instance point into it.
  if (new RegExp(rules.allowed).test(`${labSubnetPrefix}.21`)) {
    throw new UsageError(
      `the room's subnet ${cidr} contains the lab's own network ${labSubnetPrefix}.0/24: start the lab on another one (LAB_SUBNET_PREFIX=10.213.60 npm run lab:up -- --classroom)`,
    );
  }
  return { cidr, from, gateway, rules };
}

/**
 * The class: a new one (new secrets and CA; an earlier class's Consul data cleared) or, with `resume`, the one in
 * `dir` as it is. Nothing of it is printed here.
 */
export async function prepareClassroom(o: PrepareOptions): Promise<Classroom> {
  // Bad input first (a usage error), before a new class replaces or clears anything.
  const room = roomSubnetOf(o.lan, o.roomSubnet, o.labSubnetPrefix, defaultGateway());
  const { secrets, previous } = classSecrets(o.dir, o.resume);
  let tls: ClassroomTls;
  if (o.resume) {
    const found = readClassroomTls(o.dir, o.lan);
    if (!found) throw new Error(`--resume: no classroom CA in ${path.join(o.dir, TLS_DIR)}: start a new class (without --resume)`);
    tls = found;
    o.say(`resuming the class in ${o.dir} (its secrets, CA and Consul data)`);
  } else {
    if (previous) {
      o.say("a new class: clearing the previous class's Consul data (its gossip keyring and ACLs; --resume keeps a class)");
      await o.clearPreviousClass();
    }
    rmSync(path.join(o.dir, TLS_DIR), { recursive: true, force: true });
    tls = await makeClassroomTls(o.docker, o.consulImage, o.lan, o.dir);
    o.say(`a new class: new gossip key, join code and tokens; classroom CA made with ${o.consulImage}'s consul tls`);
  }
  const join = joinInfoFor(o.lan, secrets, o.nginxPort, tls.caPem);
  return {
    lan: o.lan,
    dir: o.dir,
    resumed: o.resume,
    secrets,
    tls,
    pin: caPin(tls.caPem),
    room,
    join,
    env: instructorComposeEnv(o.lan, secrets, join, tls, room.rules),
    roomApiPort: o.roomApiPort,
  };
}

/**
 * The classroom's ACL objects, set up WHILE the lab starts: the agents' and services' preset tokens must exist before
 * their calls stop failing with "ACL not found", and the readers (anonymous) see nothing until lab-anonymous-read is
 * attached; some healthchecks wait on exactly that. Each call of `tick` (once per wait-loop second) tries once,
 * through server-1's own HTTP on 127.0.0.1, as soon as it answers with a leader; done after the first success.
 */
export function classroomAclSetup(c: Classroom, say: (line: string) => void): { tick: () => Promise<void>; done: () => boolean } {
  const consulUrl = `http://127.0.0.1:${c.roomApiPort}`;
  let done = false;
  let lastWhy = '';
  let running: Promise<void> | undefined;
  const attempt = async (): Promise<void> => {
    try {
      // No token: the status endpoints need none.
      if ((await leader({ baseUrl: consulUrl, timeoutMs: 3000 })) === '') throw new Error('no leader yet');
      const changed = await setUpClassroomAcls({
        consulUrl,
        managementToken: c.secrets.managementToken,
        presetTokenIds: c.secrets.tokens,
        enrollmentJwtKey: c.secrets.enrollmentJwtKey,
        datacenter: c.join.datacenter,
        timeoutMs: 0,
        say: (l) => say(`ACL ${l}`),
      });
      done = true;
      say(`ACLs set up through server-1 (127.0.0.1:${c.roomApiPort})${changed.length ? '' : ': already in place'}`);
    } catch (err) {
      const why = (err as Error).message.split('\n')[0]!;
      if (why !== lastWhy) say(`ACL set-up waits for server-1 (127.0.0.1:${c.roomApiPort}): ${why}`);
      lastWhy = why;
    }
  };
  return {
    tick: async () => {
      if (done) return;
      // One attempt at a time; the wait loop goes on meanwhile (an attempt can take a few seconds).
      running ??= attempt().finally(() => (running = undefined));
      await Promise.race([running, sleep(0)]);
    },
    done: () => done,
  };
}

/**
 * What the room needs, printed once the lab is ready. The join code and the CA's pin are printed in clear on purpose:
 * the instructor projects (or writes on the board) the one-line command, which works on any venue Wi-Fi with no
 * discovery protocol, shared drive or client isolation in the way. The pin is what makes that line trustworthy: a
 * machine in the middle cannot show lab:join a CA with this pin. The gossip key, the tokens and the CA key are never
 * printed: they stay in the 0600 files named here.
 */
export function classroomLines(c: Classroom, notes: { dockerDesktop: boolean }): string[] {
  return [
    `Classroom on ${c.lan}: TLS on Consul's RPC (classroom CA ${c.pin}), gossip encrypted, ACLs deny by default, anonymous = read-only (${c.resumed ? 'class resumed' : 'a new class'}, files in ${c.dir})`,
    `  Room Consul UI  ${c.join.consulUi}   (also http://127.0.0.1:${c.roomApiPort}/ui/ from here: the room's anonymous view)`,
    `  Room page       ${c.join.page}   (students' instances only inside ${c.room.cidr}, from ${c.room.from}; never ${c.lan}${c.room.gateway ? ` or the gateway ${c.room.gateway}` : ''})`,
    `  Enrollment      ${c.join.enrollUrl}`,
    `  join.json       ${path.join(c.dir, JOIN_FILE)}   (0600: gossip key, join code and CA, for a student who gets it as a file)`,
    `  Management token in ${path.join(c.dir, MANAGEMENT_TOKEN_FILE)}, CA key in ${path.join(c.dir, TLS_DIR)} (0600; never printed)`,
    `  Room ports on ${c.lan}: 8301, 8311, 8321, 8331, 8341 (tcp+udp); 8300, 8310, 8320, 8500, 8099, ${new URL(c.join.page).port} (tcp): open them in this laptop's firewall`,
    ...(notes.dockerDesktop
      ? [
          "  Docker Desktop: every student reaches this laptop from ONE address (its VM's NAT), so the enrollment service cannot tell students apart: wrong join codes from one slow down all, and the page's per-address limits are the room's",
        ]
      : []),
    '',
    'Students run (project this line or write it on the board):',
    `  ${studentJoinCommand(c.lan, c.join.joinCode, c.pin)}`,
    '',
  ];
}

/** Whether this engine is Docker Desktop (its VM NATs every published port's clients to one address). */
export async function isDockerDesktop(docker: Docker): Promise<boolean> {
  try {
    const info = (await docker.info()) as { OperatingSystem?: string };
    return /docker desktop/i.test(info.OperatingSystem ?? '');
  } catch {
    return false;
  }
}
