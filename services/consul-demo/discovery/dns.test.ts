import type { SrvRecord } from 'node:dns';
import { SrvResolver, decodeAddrTarget, discoverViaSrv, instancesFromSrv, serviceAName, srvName } from './dns';

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });

test('tagged SRV names', () => {
  expect(srvName('v1')).toBe('v1.consul-demo.service.consul');
  expect(srvName('v2', 'lab')).toBe('v2.consul-demo.service.lab');
});

describe('decodeAddrTarget', () => {
  test('hex-encoded IPv4 targets, as Consul 1.8 writes them', () => {
    expect(decodeAddrTarget('7f000001.addr.dc1.consul')).toBe('127.0.0.1');
    expect(decodeAddrTarget('7f000001.addr.dc1.consul.')).toBe('127.0.0.1');
    expect(decodeAddrTarget('ac1c0007.addr.dc1.consul')).toBe('172.28.0.7');
    expect(decodeAddrTarget('C0A80A01.addr.other-dc.consul')).toBe('192.168.10.1');
    expect(decodeAddrTarget('ffffffff.addr.dc1.consul')).toBe('255.255.255.255');
  });
  test('anything else is not decoded (the caller falls back to an A lookup)', () => {
    expect(decodeAddrTarget('vm.node.dc1.consul')).toBeUndefined();
    expect(decodeAddrTarget('7f00001.addr.dc1.consul')).toBeUndefined(); // 7 digits
    expect(decodeAddrTarget('7f000001z.addr.dc1.consul')).toBeUndefined();
    expect(decodeAddrTarget('20010db8000000000000000000000001.addr.dc1.consul')).toBeUndefined(); // IPv6
  });
});

/** A fake of the two Resolver calls: a table of SRV answers and A answers. */
function fakeResolver(srv: Record<string, SrvRecord[] | Error>, a: Record<string, string[]> = {}): SrvResolver & { aLookups: string[] } {
  const aLookups: string[] = [];
  return {
    aLookups,
    async resolveSrv(name) {
      const v = srv[name];
      if (v === undefined) throw errno('ENOTFOUND');
      if (v instanceof Error) throw v;
      return v;
    },
    async resolve4(name) {
      aLookups.push(name);
      const v = a[name];
      if (!v) throw errno('ENOTFOUND');
      return v;
    },
  };
}

test('address and port come from the same SRV record, even with several instances', async () => {
  const r = fakeResolver({});
  const records: SrvRecord[] = [
    { name: '0a000005.addr.dc1.consul', port: 41000, priority: 1, weight: 1 },
    { name: '0a000006.addr.dc1.consul', port: 42000, priority: 1, weight: 1 },
  ];
  expect(await instancesFromSrv('v1', records, r)).toEqual([
    { serviceId: null, address: '10.0.0.5', port: 41000, protocol: 'v1' },
    { serviceId: null, address: '10.0.0.6', port: 42000, protocol: 'v1' },
  ]);
  expect(r.aLookups).toEqual([]); // no second lookup that could mix instances
});

test('a node-name target is resolved with an A query on the same resolver', async () => {
  const r = fakeResolver({}, { 'vm.node.dc1.consul': ['10.1.2.3'] });
  const got = await instancesFromSrv('v2', [{ name: 'vm.node.dc1.consul', port: 5000, priority: 1, weight: 1 }], r);
  expect(got).toEqual([{ serviceId: null, address: '10.1.2.3', port: 5000, protocol: 'v2' }]);
  expect(r.aLookups).toEqual(['vm.node.dc1.consul']);
});

test('both tags are queried; a tag without instances (NXDOMAIN) is just empty', async () => {
  const r = fakeResolver({
    'v2.consul-demo.service.consul': [{ name: '7f000001.addr.dc1.consul', port: 1234, priority: 1, weight: 1 }],
  });
  expect(await discoverViaSrv(r)).toEqual([{ serviceId: null, address: '127.0.0.1', port: 1234, protocol: 'v2' }]);
});

test('no instances at all is an empty list, not an error', async () => {
  const r = fakeResolver({ 'v1.consul-demo.service.consul': errno('ENODATA') });
  expect(await discoverViaSrv(r)).toEqual([]);
});

test('a DNS failure (timeout, refused) is an error', async () => {
  const r = fakeResolver({ 'v1.consul-demo.service.consul': errno('ETIMEOUT') });
  await expect(discoverViaSrv(r)).rejects.toMatchObject({ code: 'ETIMEOUT' });
});

describe("--dns-lookup srv+a: the original demo's port from SRV + address from a separate A query", () => {
  const twoServers = {
    'v1.consul-demo.service.consul': [
      { name: '0a000005.addr.dc1.consul', port: 41000, priority: 1, weight: 1 },
      { name: '0a000006.addr.dc1.consul', port: 42000, priority: 1, weight: 1 },
    ],
  };

  test('the A query is for the untagged service name', () => {
    expect(serviceAName()).toBe('consul-demo.service.consul');
  });

  test('every instance keeps its SRV port but gets the first A answer as its address: instances get mixed', async () => {
    // Consul shuffles A answers; here the first one is the second server's address.
    const r = fakeResolver(twoServers, { 'consul-demo.service.consul': ['10.0.0.6', '10.0.0.5'] });
    expect(await discoverViaSrv(r, 'consul', 'srv+a')).toEqual([
      { serviceId: null, address: '10.0.0.6', port: 41000, protocol: 'v1' }, // 41000 belongs to 10.0.0.5: a wrong pair
      { serviceId: null, address: '10.0.0.6', port: 42000, protocol: 'v1' },
    ]);
    expect(r.aLookups).toEqual(['consul-demo.service.consul']);
  });

  test("srv (the default) never makes that A query and keeps each record's own address", async () => {
    const r = fakeResolver(twoServers, { 'consul-demo.service.consul': ['10.0.0.6', '10.0.0.5'] });
    expect((await discoverViaSrv(r)).map((i) => `${i.address}:${i.port}`)).toEqual(['10.0.0.5:41000', '10.0.0.6:42000']);
    expect(r.aLookups).toEqual([]);
  });

  test('no A answer (deregistered between the two queries) leaves nothing to use', async () => {
    const r = fakeResolver(twoServers, {});
    expect(await discoverViaSrv(r, 'consul', 'srv+a')).toEqual([]);
  });

  test('no SRV answer: no A query at all', async () => {
    const r = fakeResolver({}, { 'consul-demo.service.consul': ['10.0.0.6'] });
    expect(await discoverViaSrv(r, 'consul', 'srv+a')).toEqual([]);
    expect(r.aLookups).toEqual([]);
  });
});
