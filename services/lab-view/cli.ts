#!/usr/bin/env node
import { runCli } from '../shared/cli';
import { NAME, parseLabViewArgs } from './options';
import { runLabView } from './server';

// options.ts: flags and env; server.ts: serve the page and the event stream; collector.ts: what it shows.
void runCli(NAME, () => runLabView(parseLabViewArgs(process.argv)));
