'use strict'
// Another program holding a directory's lock: the `flock` an edit of a file in that
// directory takes on Linux (a local filesystem), held by `flock(1)` for as long as a
// test likes, as a program stopped with Ctrl-Z would hold it.

const { spawn } = require('node:child_process')

// Resolves once the lock is held; `release()` ends the holder (no child of it keeps the
// lock: `-F` runs the command in flock's own process) and resolves once it is gone.
async function holdDirectoryLock (t, dir) {
  const holder = spawn('flock', ['-F', dir, 'sh', '-c', 'echo held; exec sleep 60'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise((resolve) => holder.once('exit', resolve))
  t.after(() => holder.kill('SIGKILL'))
  await new Promise((resolve, reject) => {
    holder.stdout.once('data', resolve)
    holder.once('error', reject)
  })
  return { release: () => { holder.kill('SIGKILL'); return exited } }
}

module.exports = { holdDirectoryLock }
