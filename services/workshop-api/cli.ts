#!/usr/bin/env node
import { runCli } from '../shared/cli';
import { NAME, parseWorkshopArgs } from './options';
import { runWorkshop } from './server';

// options.ts: flags, env and their ranges; server.ts: serve, register, keep registered, shut down.
void runCli(NAME, () => runWorkshop(parseWorkshopArgs(process.argv))).then(() => {
  if (process.exitCode) {
    // A fatal error has closed the HTTP server; should anything else still hold the event loop, do not let
    // it keep a process alive that has given up. (unref: this timer alone never delays a clean exit.)
    setTimeout(() => process.exit(), 2000).unref();
  }
});
