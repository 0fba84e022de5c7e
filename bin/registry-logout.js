#!/usr/bin/env node
'use strict'

// `registry-logout`: the program is crates/registry-logout-cli's, run by the addon on
// this thread until it is over. It parses the arguments, writes to stdout and stderr,
// and handles Ctrl-C itself; this file hands it the arguments and the `node` running it.

let native
try {
  native = require('../native.js')
} catch (err) {
  // No addon for this host: the loader's coded error, said as the program says a failure.
  const error = { code: err.code || 'EUNKNOWN', message: err.message }
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify({ ok: false, error }) + '\n')
  else process.stderr.write(`${error.code}: ${error.message}\n`)
  process.exit(1)
}
// The program's SIGINT and SIGTERM handler also calls the handler it replaces. Node's
// own re-raises the signal, and the two would call each other for ever; with these
// listeners the one replaced is libuv's, which only queues the signal for them.
const afterTheProgram = () => {}
process.on('SIGINT', afterTheProgram)
process.on('SIGTERM', afterTheProgram)
// The program has written all it writes: nothing is left for Node to do but exit, which
// process.exit does without tearing down the event loop first.
process.exit(native.runCli(process.argv.slice(2), process.execPath))
