'use strict'
// npm's own `ini` parser, loaded from the globally installed npm, used only as an
// oracle to compare how npm would read a config file.

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

let npmRootCache
// `npm root -g` (e.g. /usr/lib/node_modules), computed once. Throws if npm is absent.
function npmGlobalRoot () {
  if (npmRootCache) return npmRootCache
  const env = { ...process.env, npm_config_update_notifier: 'false' }
  // Stray npm_config_* (e.g. under `npm test`) must not redirect the lookup.
  for (const k of Object.keys(env)) {
    if (/^npm_config_(prefix|global|location)$/i.test(k)) delete env[k]
  }
  const out = execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['root', '-g'], {
    encoding: 'utf8',
    env,
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: 30_000,
    shell: process.platform === 'win32',
  })
  // npm may print warnings on stdout in odd setups; the root is the last line.
  const lines = out.split(/\r?\n/).map((l) => l.trim()).filter(Boolean)
  const root = lines[lines.length - 1]
  if (!root || !fs.existsSync(path.join(root, 'npm', 'package.json'))) {
    throw new Error(`could not locate the global npm install (npm root -g printed ${JSON.stringify(out)})`)
  }
  npmRootCache = root
  return root
}

let iniCache
function npmIni () {
  if (!iniCache) {
    // eslint-disable-next-line global-require
    iniCache = require(path.join(npmGlobalRoot(), 'npm', 'node_modules', 'ini'))
  }
  return iniCache
}

// Parse .npmrc text the way npm does. A null/undefined text (missing file) parses
// as {}. The result is a plain object (ini returns null-prototype objects), so it
// compares cleanly with assert.deepStrictEqual.
function parseNpmrc (text) {
  if (text == null) return {}
  const parsed = npmIni().parse(String(text))
  return JSON.parse(JSON.stringify(parsed))
}

module.exports = { npmGlobalRoot, npmIni, parseNpmrc }
