import { FD_RESERVE, connectionCapFor, openFileLimit } from './fdLimit';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            20000                1048576              files
Max locked memory         8388608              8388608              bytes
`;

test('the soft open-file limit is read from /proc/self/limits', () => {
  expect(openFileLimit(() => LIMITS)).toBe(20000);
  expect(openFileLimit(() => LIMITS.replace('20000   ', 'unlimited'))).toBeUndefined();
  expect(openFileLimit(() => 'nothing useful')).toBeUndefined();
  expect(
    openFileLimit(() => {
      throw new Error('ENOENT');
    }),
  ).toBeUndefined();
  // And on this machine (Linux) it is a number.
  expect(openFileLimit()).toEqual(expect.any(Number));
});

test("the connection cap leaves room for the process's other file descriptors", () => {
  expect(connectionCapFor(1024, undefined)).toBe(1024);
  expect(connectionCapFor(1024, 20000)).toBe(1024);
  expect(connectionCapFor(1024, 1024)).toBe(1024 - FD_RESERVE);
  expect(connectionCapFor(1024, 10)).toBe(1);
});
