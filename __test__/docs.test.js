'use strict'

// The Markdown a user or contributor reads: every relative link in it (README.md,
// CONTRIBUTING.md, CHANGELOG.md, docs/, the crates' and packages' READMEs) names a file
// that exists and, after `#`, a heading of that file as GitHub renders its anchor; and
// the README stays a user's guide of at most about 450 lines, the reference detail
// living in docs/.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
const README_MAX_LINES = 450

function markdownFiles () {
  const r = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '*.md'],
    { cwd: ROOT, encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  return r.stdout.split('\0').filter((f) => f && !f.includes('node_modules/') && fs.existsSync(path.join(ROOT, f)))
}

// The text outside fenced code blocks, line by line (a `#` comment in a shell block is
// not a heading, a `[x](y)` in a code sample is not a link).
function proseLines (text) {
  const lines = []
  let fence = null
  for (const line of text.split('\n')) {
    const open = /^\s*(```+|~~~+)/.exec(line)
    if (fence === null && open) fence = open[1]
    else if (fence !== null && line.trim().startsWith(fence)) fence = null
    else if (fence === null) lines.push(line)
  }
  return lines
}

// GitHub's anchor for a heading (github-slugger): lower case, inline code marks and
// punctuation dropped, spaces to hyphens, a repeated one suffixed -1, -2, ….
function anchors (text) {
  const seen = new Map()
  const out = new Set()
  for (const line of proseLines(text)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    if (!m) continue
    const base = m[1].toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-')
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    out.add(n === 0 ? base : `${base}-${n}`)
  }
  return out
}

// Inline links and images whose target is in this repository: no scheme, not mailto.
function relativeLinks (text) {
  const links = []
  for (const line of proseLines(text)) {
    const code = line.replace(/`[^`]*`/g, '')
    for (const m of code.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      if (!/^[a-z][a-z0-9+.-]*:/i.test(m[1])) links.push(m[1])
    }
  }
  return links
}

test('every relative link in the Markdown names a file and a heading that exist', () => {
  const files = markdownFiles()
  assert.ok(files.includes('README.md') && files.some((f) => f.startsWith('docs/')), files.join(', '))
  const broken = []
  let checked = 0
  for (const file of files) {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8')
    for (const link of relativeLinks(text)) {
      checked++
      const [target, fragment] = link.split('#')
      const resolved = target === '' ? path.join(ROOT, file) : path.resolve(path.dirname(path.join(ROOT, file)), decodeURI(target))
      if (!fs.existsSync(resolved)) {
        broken.push(`${file}: ${link}: no such file`)
        continue
      }
      if (fragment !== undefined && resolved.endsWith('.md') &&
          !anchors(fs.readFileSync(resolved, 'utf8')).has(decodeURIComponent(fragment))) {
        broken.push(`${file}: ${link}: no heading with that anchor in ${path.relative(ROOT, resolved)}`)
      }
    }
  }
  assert.deepEqual(broken, [])
  assert.ok(checked > 20, `only ${checked} relative links found: is the link pattern still right?`)
})

test('the README links every page of docs/', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const linked = new Set(relativeLinks(readme).map((l) => l.split('#')[0]))
  const pages = fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)
  assert.deepEqual(pages.filter((p) => !linked.has(p)), [])
})

test(`the README is a user's guide of at most ${README_MAX_LINES} lines`, () => {
  const lines = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').trimEnd().split('\n').length
  assert.ok(lines <= README_MAX_LINES,
    `README.md has ${lines} lines: move reference detail to docs/ (issue 28) rather than grow it`)
})

test('anchors follow GitHub\'s rules', () => {
  const a = anchors('# Differences from `npm logout`\n## Other package managers\' credentials\n' +
    '```sh\n# not a heading\n```\n## `pnpm` (12)\n## Errors\n### Errors\n')
  assert.deepEqual([...a], ['differences-from-npm-logout', 'other-package-managers-credentials', 'pnpm-12', 'errors', 'errors-1'])
})
