#!/usr/bin/env node
/**
 * Entry point of the `cnnkit` command (package.json `bin`). See `program.ts` for the commands.
 */
import { main } from './program.js';

// `cnnkit summary | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2));
