import { DEFAULT_PROJECT } from '../docker/labContainers';

/** The command that brings stopped workshop-api instances back (all of them without a name). */
export function restoreCommand(project: string, name?: string): string {
  const args = [...(project === DEFAULT_PROJECT ? [] : ['-p', project]), ...(name ? [name] : [])];
  return `npm run lab:restore-api${args.length ? ` -- ${args.join(' ')}` : ''}`;
}

/** For error messages: "bring it back with `npm run lab:restore-api -- api-1a2b3c`". */
export function restoreHint(project: string, name?: string): string {
  return `bring it back with \`${restoreCommand(project, name)}\``;
}
