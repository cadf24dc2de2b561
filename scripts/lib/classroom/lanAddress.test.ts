import { UsageError } from '../../../services/shared/errors';
import { canBind, defaultRouteAddress, localIpv4Addresses, resolveLanAddress } from './lanAddress';

const local = (): string[] => ['127.0.0.1', '192.168.1.20', '172.17.0.1'];
const bindable = async (ip: string): Promise<boolean> => ip === '10.1.1.1';

describe('resolveLanAddress', () => {
  it('takes a given address of this machine', async () => {
    await expect(resolveLanAddress('192.168.1.20', { local })).resolves.toBe('192.168.1.20');
  });

  it.each([
    ['not-an-ip', /not an IPv4 address/],
    ['::1', /not an IPv4 address/],
    ['127.0.0.1', /loopback/],
    ['10.9.9.9', /10\.9\.9\.9 is not an address of this machine \(it has 192\.168\.1\.20, 172\.17\.0\.1\)/],
  ])('refuses %s with one line (exit 2)', async (given, msg) => {
    await expect(resolveLanAddress(given, { local, bindable })).rejects.toThrow(msg);
    await expect(resolveLanAddress(given, { local, bindable })).rejects.toBeInstanceOf(UsageError);
  });

  it('takes an address this machine can bind even when its interface is not listed (no carrier)', async () => {
    await expect(resolveLanAddress('10.1.1.1', { local, bindable })).resolves.toBe('10.1.1.1');
  });

  it('canBind: loopback yes, a foreign address no', async () => {
    await expect(canBind('127.0.0.1')).resolves.toBe(true);
    await expect(canBind('203.0.113.77')).resolves.toBe(false);
  });

  it('defaults to the default route address', async () => {
    await expect(resolveLanAddress(undefined, { local, defaultRoute: async () => '192.168.1.20' })).resolves.toBe('192.168.1.20');
  });

  it('without a default route and no flag: a UsageError saying to give --lan-address', async () => {
    await expect(resolveLanAddress(undefined, { local, defaultRoute: async () => undefined })).rejects.toThrow(/--lan-address/);
  });

  it('the real lookup answers an address of this machine or nothing', async () => {
    const a = await defaultRouteAddress();
    if (a !== undefined) expect(localIpv4Addresses()).toContain(a);
  });
});
