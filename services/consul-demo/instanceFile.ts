import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError, errorMessage } from '../shared/errors';

/**
 * Write this process's instance prefix to `file` for a container healthcheck ("is an instance of THIS process
 * passing?"). Through a temporary file and a rename, so the healthcheck never reads a half-written prefix. A path
 * that cannot be written is bad input (exit 2), found before anything listens.
 */
export function writeInstanceFile(file: string, prefix: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, `${prefix}\n`, { mode: 0o644 });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    // The code alone (ENOENT, EACCES): the message would name the temporary file, which the user never chose.
    const reason = (err as NodeJS.ErrnoException).code ?? errorMessage(err);
    throw new UsageError(`--instance-file ${JSON.stringify(file)}: cannot write it (${reason})`);
  }
}
