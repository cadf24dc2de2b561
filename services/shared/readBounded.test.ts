import { readBounded } from './readBounded';

test('readBounded refuses a declared or streamed body over the cap and returns one within it', async () => {
  await expect(readBounded(new Response('x'.repeat(10), { headers: { 'content-length': '10' } }), 5)).rejects.toThrow(
    'larger than 5 bytes',
  );
  // No Content-Length: the cap is enforced while reading.
  await expect(readBounded(new Response(new Blob(['x'.repeat(10)]).stream()), 5)).rejects.toThrow('larger than 5 bytes');
  expect((await readBounded(new Response('abc'), 5)).toString()).toBe('abc');
  expect((await readBounded(new Response(null), 5)).length).toBe(0);
});

test('readBounded stops reading an endless body at the cap', async () => {
  let pulls = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(c) {
      pulls++;
      c.enqueue(new Uint8Array(1024));
    },
  });
  await expect(readBounded(new Response(endless), 4096)).rejects.toThrow('larger than 4096 bytes');
  expect(pulls).toBeLessThan(10);
});
