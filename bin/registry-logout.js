#!/usr/bin/env node
'use strict'

// `registry-logout`: npm logout's flags on top of the addon. A line per registry on
// success (bin/report.js), warnings on stderr; `<code>: <message>` on stderr and exit 1
// on failure; `--json` for one object on stdout either way.

const fs = require('node:fs')
const path = require('node:path')
const { describe, listLines, tokenLines, paint } = require('./report.js')

// --help's text, shared with the native CLI (crates/registry-logout-cli), which embeds it.
const HELP_PATH = path.join(__dirname, '..', 'crates', 'registry-logout-cli', 'src', 'help.txt')

// Flags that take no value (`--flag`, `--no-flag`, `--flag=false`).
const BOOLEAN_FLAGS = new Set(['json', 'dry-run', 'help', 'global', 'strict-ssl', 'all', 'force', 'silent', 'verify', 'list', 'tokens', 'revoke-github-token'])

// npm config keys typed as lists.
const LIST_KEYS = new Set(['ca', 'noproxy'])

class UsageError extends Error {
  constructor (message) {
    super(message)
    this.code = 'EUSAGE'
  }
}

function parseBoolean (name, value) {
  if (value === undefined || value === 'true') return true
  if (value === 'false') return false
  throw new UsageError(`--${name} takes no value or true/false, got ${JSON.stringify(value)}`)
}

/** Parses argv the way npm's nopt does for the flags logout uses. */
function parseArgs (argv) {
  const flags = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') {
      if (i + 1 < argv.length) throw new UsageError(`unexpected argument ${JSON.stringify(argv[i + 1])}`)
      break
    }
    if (arg === '-g') { flags.global = true; continue }
    if (arg === '-h' || arg === '-?') { flags.help = true; continue }
    if (!arg.startsWith('--') || arg.length === 2) {
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)} (see --help)`)
    }
    const eq = arg.indexOf('=')
    let name = eq === -1 ? arg.slice(2) : arg.slice(2, eq)
    let value = eq === -1 ? undefined : arg.slice(eq + 1)
    // nopt's rule: `--no-<key>` is `<key>=false` for any key.
    if (name.startsWith('no-') && name.length > 3 && value === undefined) {
      flags[name.slice(3)] = false
      continue
    }
    // `--everywhere` is a boolean that also takes a filter: `--everywhere=<filter>`.
    if (name === 'everywhere') {
      flags[name] = value === undefined || value === 'true' ? true : value === 'false' ? false : value
      continue
    }
    if (BOOLEAN_FLAGS.has(name)) {
      flags[name] = parseBoolean(name, value)
      continue
    }
    if (value === undefined) {
      const next = argv[i + 1]
      if (next !== undefined && !next.startsWith('-')) {
        value = next
        i++
      } else {
        value = 'true'
      }
    }
    // List-typed npm keys (`ca`, `noproxy`) collect repeats, as nopt does; any other
    // key keeps its last value.
    if (LIST_KEYS.has(name) && flags[name] !== undefined) {
      flags[name] = [].concat(flags[name], value)
    } else {
      flags[name] = value
    }
  }
  return flags
}

/** Splits parsed flags into `logout()` options. */
function toOptions (flags) {
  const options = { config: {} }
  for (const [name, value] of Object.entries(flags)) {
    switch (name) {
      case 'json': case 'help': case 'silent': case 'color': case 'list': case 'tokens': break
      case 'sources':
        options.sources = String(value).split(',').map((s) => s.trim()).filter(Boolean)
        break
      case 'registry': case 'scope': case 'userconfig': case 'globalconfig': case 'otp':
        options[name] = value
        break
      case 'dry-run': options.dryRun = value; break
      case 'verify-wait': options.verifyWait = verifyWait(value); break
      case 'revoke': options.revoke = value; break
      case 'all': case 'force': case 'verify': case 'everywhere':
        if (value) options[name] = value
        break
      case 'revoke-github-token': if (value) options.revokeGithubToken = value; break
      case 'github-api': options.githubApi = value; break
      default:
        options.config[name] = value
    }
  }
  return options
}

// --verify-wait=<s>: a number of seconds; the core checks its range (one check, shared
// with the addon's option and the native CLI).
function verifyWait (value) {
  const text = String(value)
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text)) {
    throw new UsageError(`--verify-wait takes a number of seconds, got ${JSON.stringify(text)}`)
  }
  return Number(text)
}

// The core checks --revoke and --sources (one check, shared with the addon's options
// and the native CLI); a value it refuses came from a flag, so it is a usage error.
function usageError (err) {
  const option = /^options\.(revoke|sources|verifyWait|everywhere)(.*)$/s.exec(err.message)
  const flag = option && (option[1] === 'verifyWait' ? 'verify-wait' : option[1])
  return err.code === 'ERR_INVALID_ARG_TYPE' && option ? new UsageError(`--${flag}${option[2]}`) : err
}

// Logged out here, but something still works on the registry: --verify found the
// token valid, or --everywhere did not revoke every token of the account. A dry run
// whose token list cannot be read says so too: the real run could not revoke them.
function stillValid (result) {
  if (result.revocation.verification === 'token-still-valid') return true
  const everywhere = result.everywhere
  return Boolean(everywhere && (everywhere.error ||
    (!result.dryRun && everywhere.tokens.some((t) => t.outcome !== 'revoked' && t.outcome !== 'kept'))))
}

// npm warns about a flag that names no config key it knows (`Unknown cli config
// "--regsitry"`); so do we, with the closest known key. The list is the core's
// (crates/registry-logout-core/src/config/npm_keys.txt), asked through the addon so
// that this CLI and the native one warn alike.
function unknownFlagWarnings (flags) {
  const { checkConfigKey } = require('../native.js')
  const e = paint(colorFor(process.stderr, flags))
  const warnings = []
  for (const name of Object.keys(flags)) {
    const { known, suggestion } = checkConfigKey(name)
    if (known) continue
    warnings.push(`${e.yellow('warning:')} Unknown cli config "--${name}".` +
      (suggestion ? ` Did you mean "--${suggestion}"?` : '') +
      ' It is passed on as an npm config key.')
  }
  return warnings
}

// npm's --silent is --loglevel=silent: nothing on success, not even a warning.
function silent (flags) {
  return flags.silent === true || flags.loglevel === 'silent'
}

// Colour only on a terminal, never with NO_COLOR (any non-empty value) or --no-color.
function colorFor (stream, flags) {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR && flags.color !== false && flags.color !== 'false'
}

function tell (result, options, flags) {
  if (silent(flags)) return
  const { out, warn } = describe(result, options, {
    stdout: colorFor(process.stdout, flags),
    stderr: colorFor(process.stderr, flags)
  })
  for (const line of out) process.stdout.write(line + '\n')
  for (const line of warn) process.stderr.write(line + '\n')
}

async function main () {
  let flags = {}
  const controller = new AbortController()
  process.once('SIGINT', () => controller.abort())
  process.once('SIGTERM', () => controller.abort())
  try {
    flags = parseArgs(process.argv.slice(2))
    if (flags.help) {
      process.stdout.write(fs.readFileSync(HELP_PATH, 'utf8'))
      return
    }
    if (!silent(flags)) for (const line of unknownFlagWarnings(flags)) process.stderr.write(line + '\n')
    const options = toOptions(flags)
    if (flags.list) {
      const { credentials } = require('../index.js')
      const list = await credentials(options)
      if (flags.json) process.stdout.write(JSON.stringify({ ok: true, credentials: list }) + '\n')
      else if (!silent(flags)) for (const line of listLines(list)) process.stdout.write(line + '\n')
      return
    }
    if (flags.tokens) {
      // Reads the account's token list: revokes nothing, writes nothing.
      const { tokens } = require('../index.js')
      const list = await tokens(options, controller.signal)
      if (flags.json) process.stdout.write(JSON.stringify({ ok: true, ...list }) + '\n')
      else if (!silent(flags)) for (const line of tokenLines(list)) process.stdout.write(line + '\n')
      return
    }
    const { logout } = require('../index.js')
    const result = await logout(options, controller.signal)
    if (options.all) {
      // One entry per registry; the exit status says whether all of them succeeded.
      if (flags.json) process.stdout.write(JSON.stringify(result) + '\n')
      for (const entry of result.results) {
        if (entry.error && !flags.json) {
          process.stderr.write(`${entry.registry}: ${entry.error.code}: ${entry.error.message}\n`)
        } else if (entry.result && !flags.json) {
          tell(entry.result, options, flags)
        }
      }
      if (!result.ok) process.exitCode = 1
      else if (result.results.some((entry) => entry.result && stillValid(entry.result))) process.exitCode = 3
      return
    }
    if (flags.json) process.stdout.write(JSON.stringify({ ok: true, ...result }) + '\n')
    else tell(result, options, flags)
    if (stillValid(result)) process.exitCode = 3
  } catch (caught) {
    const err = usageError(caught)
    const code = err.code || 'EUNKNOWN'
    const message = err.message || String(err)
    if (flags.json) {
      process.stdout.write(JSON.stringify({ ok: false, error: { code, message } }) + '\n')
    } else {
      process.stderr.write(`${code}: ${message}\n`)
    }
    process.exitCode = 1
  }
}

main()
