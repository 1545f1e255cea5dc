#!/usr/bin/env -S MALLOC_TRIM_THRESHOLD_=131072 node --max-semi-space-size=2 --optimize-for-size
/**
 * Entry point of the `cnnkit` command (package.json `bin`). See `program.ts` for the commands.
 *
 * The V8 flags keep the JavaScript heap small: a training step makes short-lived objects fast
 * enough that V8 otherwise grows its young generation to 32 MB, which stays resident beside the
 * dataset (measured: no slower per step). The glibc setting hands freed memory of the archive
 * reader's buffers back to the system instead of keeping it for reuse (other C libraries ignore
 * it). See the README's "Memory model".
 */
import { main } from './program.js';

// `cnnkit summary | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2));
