import { z } from 'zod';
import { ConsulTarget, consulAnswer, consulRequest, statusError } from '../../../services/shared/consul/http';
import { preparedQueriesSchema } from '../../../services/shared/consul/schemas';
import { PREPARED_QUERY } from '../../../services/exercises/facts';

const createdQuerySchema = z.object({ ID: z.string().min(1) });

/** The ID of the prepared query named `name` (GET /v1/query), undefined when there is none. */
export async function preparedQueryId(target: ConsulTarget, name = PREPARED_QUERY): Promise<string | undefined> {
  const all = await consulRequest(target, { path: '/v1/query', schema: preparedQueriesSchema });
  return all.find((q) => q.Name === name)?.ID || undefined;
}

/** A write Consul answers with an empty body (not JSON): only the status is read. */
async function writeQuery(target: ConsulTarget, method: 'PUT' | 'DELETE', id: string, body?: unknown): Promise<void> {
  const what = `${method} /v1/query/<id>`;
  const answer = await consulAnswer(target, { method, path: `/v1/query/${encodeURIComponent(id)}`, body, what });
  if (answer.status < 200 || answer.status > 299) throw statusError(what, answer);
}

/**
 * The query `body` (consul/queries/<name>.json) in place: put over the one of its name (PUT /v1/query/<id>) or
 * created (POST /v1/query), so running it twice leaves one query. Returns its ID.
 */
export async function putPreparedQuery(target: ConsulTarget, body: { Name: string } & Record<string, unknown>): Promise<string> {
  const id = await preparedQueryId(target, body.Name);
  if (id) {
    await writeQuery(target, 'PUT', id, body);
    return id;
  }
  return (await consulRequest(target, { method: 'POST', path: '/v1/query', body, schema: createdQuerySchema })).ID;
}

/** The query named `name` deleted; nothing to do when there is none. */
export async function deletePreparedQuery(target: ConsulTarget, name = PREPARED_QUERY): Promise<void> {
  const id = await preparedQueryId(target, name);
  if (id) await writeQuery(target, 'DELETE', id);
}

/** A query file's JSON, with the one field the writes rely on checked. */
export const preparedQueryFileSchema = z.object({ Name: z.string().min(1) }).passthrough();
