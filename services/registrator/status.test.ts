import { startStatusServer } from './status';

test('GET /health: 200 when healthy, 503 with the reason otherwise; anything else 404', async () => {
  let health = { ok: false, reason: 'Docker event stream not connected' };
  const status = await startStatusServer(0, () => health);
  try {
    const url = `http://127.0.0.1:${status.port}`;
    let res = await fetch(`${url}/health`);
    expect([res.status, await res.text()]).toEqual([503, 'Docker event stream not connected\n']);
    health = { ok: true, reason: 'ok' };
    res = await fetch(`${url}/health`);
    expect([res.status, await res.text()]).toEqual([200, 'ok\n']);
    expect((await fetch(`${url}/`)).status).toBe(404);
  } finally {
    await status.close();
  }
});
