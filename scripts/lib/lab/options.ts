// The commander option every lab command shares (durations use services/shared/cli's durationOption).
import type { Command } from 'commander';

/** The -p/--project option every lab command takes (Compose's own flag name). */
export function addProjectOption(program: Command): Command {
  return program.option('-p, --project <name>', 'Compose project name of the lab (default: $COMPOSE_PROJECT_NAME or consul-lab)');
}
