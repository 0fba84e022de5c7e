'use strict'
// The .npmrc dialect, rule by rule. Each row is a user config file; what it means is
// decided at test time by npm itself: npm's own `ini` parses it (shown in failures) and
// npm's config loader + credential lookup say which token npm would send. Our side is
// observed end to end: the row's file is the user config of a real logout against a
// local registry, and the token must arrive in the `authorization` header (or, when
// npm sees no token, nothing is sent and we fail with ENEEDAUTH). `registry` rows are
// checked through `result.registry` of a dry run instead.
//
// Characters a header cannot carry (non-ASCII, control characters) are covered by the
// Rust table in crates/registry-logout-core/src/npmrc/tests.rs, whose expectations
// also come from npm's ini.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const { logout } = require('../index.js')
const { startRegistry } = require('./helpers/registry.js')
const { makeSandbox } = require('./helpers/sandbox.js')
const { hasNpm } = require('./helpers/npm.js')
const { parseNpmrc } = require('./helpers/npmrc.js')
const { npmAnswer } = require('./helpers/npm-config.js')

// {{K}}: the credential key //127.0.0.1:PORT/:_authToken; {{U}}: the registry URL.
const TOKEN_ROWS = [
  ['key=value', '{{K}}=tok1\n'],
  ['; and # comment lines', '; {{K}}=bad\n# {{K}}=bad\n{{K}}=tok2\n'],
  ['indented comment lines', '  ; {{K}}=bad\n\t# {{K}}=bad\n{{K}}=tok3\n'],
  ['a commented-out token is nothing', ';{{K}}=tok4\n'],
  ['entries after a [section] are not config', 'x=1\n[sec]\n{{K}}=tok5\n'],
  ['a top-level key before a section wins', '{{K}}=tok6\n[sec]\n{{K}}=bad\n'],
  ['"…" is JSON: \\u escapes', '{{K}}="t\\u006fk7"\n'],
  ['"…" is JSON: escaped quote', '{{K}}="to\\"k8"\n'],
  ["'…' loses its quotes", "{{K}}='tok9'\n"],
  ["'…' keeps ; and #", "{{K}}='to;k#10'\n"],
  ['"…" keeps ; and #', '{{K}}="to;k#11"\n'],
  ['inline ; comment', '{{K}}=tok12 ; comment\n'],
  ['inline # comment', '{{K}}=tok13# comment\n'],
  ['\\; \\# \\\\ unescape', '{{K}}=t\\;o\\#k\\\\14\n'],
  ['other \\x stay', '{{K}}=t\\ok\\x15\n'],
  ['a Windows path stays', '{{K}}=C:\\tok\\16\n'],
  ['key[] builds a list', '{{K}}[]=a17\n{{K}}[]=b17\n'],
  ['a plain line after a list appends', '{{K}}[]=a18\n{{K}}=b18\n'],
  ['a bare key is true', '{{K}}\n'],
  ['=value lines are ignored', '=tok20\n =x\n{{K}}=tok20b\n'],
  ['the last duplicate wins', '{{K}}=old21\n{{K}}=tok21\n'],
  ['a leading BOM is ignored', '\ufeff{{K}}=tok22\n'],
  ['a BOM before a comment', '\ufeff; {{K}}=bad\n{{K}}=tok23\n'],
  ['CR line ends', 'x=1\r{{K}}=tok24\r'],
  ['CRLF line ends', 'x=1\r\n{{K}}=tok25\r\n'],
  ['a CR splits a value', '{{K}}=tok26\rtail\n'],
  ['no final newline', 'x=1\n{{K}}=tok27'],
  ['true literal', '{{K}}=true\n'],
  ['false literal is no token', '{{K}}=false\n'],
  ['null literal (a dotted key holding null is nested away)', '{{K}}=null\n'],
  ['"true" (JSON string) becomes true', '{{K}}="true"\n'],
  ["'1e3' is the number 1000", "{{K}}='1e3'\n"],
  ["'0' is the number 0: falsy", "{{K}}='0'\n"],
  ["'[…]' is a JSON array", "{{K}}='[\"a\",1]'\n"],
  ["'{…}' is an object, nested away under a dotted key", "{{K}}='{\"a\":1}'\n"],
  ['spaces around key and value', '  {{K}}  =  tok35  \n'],
  ['tabs around key and value', '\t{{K}}\t=\ttok36\t\n'],
  ['NBSP is trimmed (JavaScript trim)', '{{K}}=\u00a0tok37\u00a0\n'],
  ['= inside the value', '{{K}}=tok=38\n'],
  ['"quoted" key', '"{{K}}"=tok39\n'],
  ["'quoted' key", "'{{K}}'=tok40\n"],
  ['an unbalanced quote stays', '{{K}}="tok41\n'],
  ['"…" followed by a comment is not JSON', '{{K}}="tok42" ; c\n'],
  ['a trailing backslash stays', '{{K}}=tok43\\\n'],
  ['U+2028 in a value drops the whole line', '{{K}}=good44\n{{K}}=bad\u2028x\n'],
  ['__proto__ is ignored', '__proto__=x\n{{K}}=tok45\n'],
  ['[__proto__] is still a section', '[__proto__]\n{{K}}=bad\n'],
  ['an empty value is no token', '{{K}}=\n'],
  ['a padded JSON string is trimmed by npm config', '{{K}}=" tok48 "\n'],
  ['blank and whitespace-only lines', '\n   \n\t\n{{K}}=tok49\n\n'],
  ['[sec]x is not a section header', '[sec]x\n{{K}}=tok50\n'],
  ['[sec] with trailing spaces is one', '[sec]   \n{{K}}=bad\n'],
  ['${VAR} in a value', '{{K}}=${INI_TABLE_TOKEN}\n'],
  ['\\${VAR} is kept literally', '{{K}}=\\${INI_TABLE_TOKEN}\n'],
  ['${VAR} in a key', '//${INI_TABLE_HOST}/:_authToken=tok55\n'],
]

const REGISTRY_ROWS = [
  ['"…"', 'registry = "{{U}}"\n'],
  ['"…" then a comment keeps the quotes', 'registry = "{{U}}" ; comment\n'],
  ["'…'", "registry='{{U}}'\n"],
  ['inline # comment', 'registry={{U}} # comment\n'],
  ['spaces', 'registry=   {{U}}   \n'],
  ['quoted key', '"registry"={{U}}\n'],
  ['no trailing slash, upper-case scheme and host', 'registry=HTTP://{{HOSTNAME_UPPER}}:{{PORT}}\n'],
  ['a path with an escaped ;', 'registry={{U}}npm\\;x/\n'],
  ['last duplicate wins', 'registry=http://other.invalid/\nregistry={{U}}\n'],
]

function fill (text, reg) {
  return text
    .split('{{K}}').join(`//${reg.host}/:_authToken`)
    .split('{{U}}').join(reg.url)
    .split('{{HOSTNAME_UPPER}}').join('LOCALHOST')
    .split('{{PORT}}').join(String(reg.port))
}

function setup () {
  const sb = makeSandbox({ prefix: 'rl-ini-' })
  const npmPath = path.join(sb.root, 'node', 'lib', 'node_modules', 'npm')
  fs.mkdirSync(npmPath, { recursive: true })
  const execPath = path.join(sb.root, 'node', 'bin', 'node')
  return { sb, npmPath, execPath }
}

test('ini rules: the token npm reads is the token we send', { skip: hasNpm() ? false : 'npm is not on PATH', timeout: 80_000 }, async (t) => {
  const reg = await startRegistry()
  const { sb, npmPath, execPath } = setup()
  const env = { HOME: sb.home, INI_TABLE_TOKEN: 'tokFromEnv', INI_TABLE_HOST: reg.host }
  let withToken = 0
  try {
    for (const [rule, template] of TOKEN_ROWS) {
      const text = fill(template, reg)
      const key = `//${reg.host}/:_authToken`
      const iniView = parseNpmrc(text)[key]
      sb.write('home/.npmrc', text)
      const npm = await npmAnswer({ args: [`--registry=${reg.url}`], env, cwd: sb.project, execPath, npmPath })
      assert.ok(!npm.code, `${rule}: npm failed: ${npm.code} ${npm.message}`)
      const token = npm.credential && npm.credential.kind === 'token' ? npm.token : null

      reg.reset()
      let outcome
      try {
        await logout({ registry: reg.url, cwd: sb.project, env, execPath, config: { 'fetch-retries': '0' } })
        outcome = 'ok'
      } catch (err) {
        outcome = err.code
      }
      const sent = reg.requests.map((r) => ({ method: r.method, url: r.url, authorization: r.headers.authorization }))
      const info = `${rule}\nfile: ${JSON.stringify(text)}\nnpm's ini: ${key} = ${JSON.stringify(iniView)}\n` +
        `npm would send: ${JSON.stringify(token)}\nwe: ${outcome}, sent ${JSON.stringify(sent)}`
      if (token === null) {
        assert.equal(outcome, 'ENEEDAUTH', info)
        assert.deepEqual(sent, [], info)
      } else {
        withToken++
        assert.equal(outcome, 'ok', info)
        assert.deepEqual(sent, [{
          method: 'DELETE',
          url: `/-/user/token/${encodeURIComponent(token)}`,
          authorization: `Bearer ${token}`,
        }], info)
      }
    }
    t.diagnostic(`${TOKEN_ROWS.length} rows, ${withToken} with a token`)
  } finally {
    await reg.close()
    sb.cleanup()
  }
})

test('ini rules: the registry npm reads is the registry we use', { skip: hasNpm() ? false : 'npm is not on PATH', timeout: 60_000 }, async () => {
  const reg = await startRegistry()
  const { sb, npmPath, execPath } = setup()
  const env = { HOME: sb.home }
  try {
    for (const [rule, template] of REGISTRY_ROWS) {
      const text = fill(template, reg) + '//localhost:' + reg.port + '/:_authToken=t\n' +
        fill('{{K}}=t\n//{{HOST}}/npm;x/:_authToken=t\n', reg).split('{{HOST}}').join(reg.host)
      sb.write('home/.npmrc', text)
      const npm = await npmAnswer({ env, cwd: sb.project, execPath, npmPath })
      let ours
      try {
        ours = (await logout({ dryRun: true, cwd: sb.project, env, execPath })).registry
      } catch (err) {
        ours = err.code
      }
      const info = `${rule}\nfile: ${JSON.stringify(text)}\nnpm's ini: registry = ${JSON.stringify(parseNpmrc(text).registry)}`
      // npm's answer: the registry, or the code it fails with (a quoted value followed by
      // a comment keeps its quotes, which makes an invalid URL for both of us)
      assert.equal(ours, npm.code || npm.registry, `${info}\nnpm: ${npm.code || npm.registry}`)
    }
  } finally {
    await reg.close()
    sb.cleanup()
  }
})
