// Inside the simulated instructor's machine: the instructor's own browser reaching the lab view. The view listens on
// the machine's 127.0.0.1 only (as on a real laptop); this forwards <listen address>:<port> to 127.0.0.1:<target>
// for ONE source address, the LAN gateway, which is how the host running classroom:sim reaches the machine's published
// port. A student machine on the LAN connecting here is closed at once, before a byte is forwarded
// (test/e2e/classroom.test.ts tries it).
//   node viewForward.js <listen address> <listen port> <target port> <allowed source>
import net from 'node:net';

/** Is `remote` (as a socket reports it, maybe IPv4-mapped) the allowed source? */
export function fromAllowed(remote: string | undefined, allowed: string): boolean {
  return remote !== undefined && remote.replace(/^::ffff:/, '') === allowed;
}

export function startViewForward(listenHost: string, listenPort: number, targetPort: number, allowed: string): net.Server {
  // Half-open allowed both ways: a client that has sent all it will send still gets the whole answer.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    if (!fromAllowed(client.remoteAddress, allowed)) {
      client.destroy();
      return;
    }
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort, allowHalfOpen: true });
    client.pipe(upstream).pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  server.listen(listenPort, listenHost);
  return server;
}

if (require.main === module) {
  const [host, port, target, allowed] = process.argv.slice(2);
  const listenPort = Number(port);
  const targetPort = Number(target);
  if (!host || !allowed || !Number.isInteger(listenPort) || !Number.isInteger(targetPort)) {
    process.stderr.write('usage: viewForward <listen address> <listen port> <target port> <allowed source>\n');
    process.exit(2);
  }
  const server = startViewForward(host, listenPort, targetPort, allowed);
  server.on('listening', () => process.stdout.write(`forwarding ${host}:${listenPort} -> 127.0.0.1:${targetPort} for ${allowed}\n`));
  server.on('error', (e) => {
    process.stderr.write(`viewForward: ${e.message}\n`);
    process.exit(1);
  });
}
