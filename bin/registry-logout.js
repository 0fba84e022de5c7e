#!/usr/bin/env node
'use strict'

// `registry-logout`: the program is crates/registry-logout-cli's, run in this process by
// the addon. It parses the arguments and writes to stdout and stderr itself; this file
// hands it the arguments and the `node` running it, and passes Ctrl-C on.

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
const interrupt = new native.CliInterrupt()
process.once('SIGINT', () => interrupt.interrupt(130))
process.once('SIGTERM', () => interrupt.interrupt(143))
native.runCli(process.argv.slice(2), process.execPath, interrupt).then((status) => { process.exitCode = status })
