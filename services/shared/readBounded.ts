/*
 * A response body read up to a byte cap. res.text() / res.json() read everything first and only then could a
 * size be checked: a misbehaving endpoint could fill this process's memory. Used by workshop-api (GitHub's
 * answers) and the lab view (the demo client's results).
 */

/** The body, or an Error "larger than <max> bytes" (Content-Length checked first, then while reading). */
export async function readBounded(res: Response, max: number): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length'));
  if (declared > max) {
    void res.body?.cancel().catch(() => undefined);
    throw new Error(`larger than ${max} bytes`);
  }
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      // Stop reading: cancelling releases the connection instead of draining the rest.
      await reader.cancel().catch(() => undefined);
      throw new Error(`larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
