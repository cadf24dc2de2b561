import os from 'node:os';
import { defaultAdvertiseAddress, isWildcardAddress } from './network';

type Interfaces = ReturnType<typeof os.networkInterfaces>;
const iface = (address: string, family: 'IPv4' | 'IPv6', internal: boolean) =>
  ({ address, family, internal, netmask: '', mac: '', cidr: null }) as unknown as os.NetworkInterfaceInfo;

test('defaultAdvertiseAddress picks the first non-internal IPv4', () => {
  const ifs: Interfaces = {
    lo: [iface('127.0.0.1', 'IPv4', true)],
    eth0: [iface('fe80::1', 'IPv6', false), iface('172.28.0.7', 'IPv4', false)],
    eth1: [iface('10.0.0.2', 'IPv4', false)],
  };
  expect(defaultAdvertiseAddress(ifs)).toBe('172.28.0.7');
});

test('defaultAdvertiseAddress falls back to 127.0.0.1 without an external IPv4', () => {
  expect(defaultAdvertiseAddress({ lo: [iface('127.0.0.1', 'IPv4', true)], eth0: [iface('fe80::1', 'IPv6', false)] })).toBe('127.0.0.1');
  expect(defaultAdvertiseAddress({})).toBe('127.0.0.1');
});

test('isWildcardAddress', () => {
  expect(isWildcardAddress('0.0.0.0')).toBe(true);
  expect(isWildcardAddress('::')).toBe(true);
  expect(isWildcardAddress('127.0.0.1')).toBe(false);
});
