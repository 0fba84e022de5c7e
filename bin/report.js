'use strict'

// What the CLI tells a person: one line per registry logged out of (stdout), a
// warning for whatever still logs them in (stderr), and the plan of a dry run. Keys,
// levels and paths only: a value from a config file never reaches this text.

const LEVEL_NAMES = {
  cli: 'a command-line flag',
  env: 'the environment',
  project: 'project config',
  user: 'user config',
  global: 'global config',
  builtin: "npm's builtin config"
}

function paint (enabled) {
  const wrap = (open, close) => (text) => enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text
  return { bold: wrap(1, 22), green: wrap(32, 39), yellow: wrap(33, 39), red: wrap(31, 39), dim: wrap(2, 22) }
}

// Where a credential comes from, as a person would look for it.
function source (credential) {
  // Another tool's variable (YARN_NPM_AUTH_TOKEN, BUN_CONFIG_TOKEN, pnpm_config__auth):
  // its key names it.
  if (credential.level === 'env' && credential.store) return `the environment (${credential.key.split('.')[0]})`
  if (credential.level === 'env') return `the environment (npm_config_${credential.key})`
  if (credential.level === 'cli') return `a command-line flag (--${credential.key})`
  return credential.path ? `${LEVEL_NAMES[credential.level]} ${credential.path}` : LEVEL_NAMES[credential.level]
}

function revocationText (result, options) {
  const { revocation, credential } = result
  if (revocation.outcome === 'already-invalid') return 'token was already invalid (expired or revoked)'
  if (revocation.outcome === 'revoked') {
    const how = revocation.via === 'token-api' ? ' through the token API' : ''
    switch (revocation.verification) {
      case 'token-rejected': return `token revoked${how} (verified: the registry now refuses it)`
      case 'token-still-valid': return 'the registry accepted the revocation, but the token STILL WORKS'
      case 'unknown': return `token revoked (not verified: ${revocation.verificationCode ?? `HTTP ${revocation.verificationStatus}`})`
      default: return `token revoked${how}`
    }
  }
  if (revocation.outcome === 'failed') return `token NOT revoked (${revocation.code})`
  if (credential.kind !== 'token') return `nothing to revoke (${credential.kind} credential)`
  if (options.revoke === 'skip') return 'token not revoked (--revoke=skip)'
  return 'token not revoked'
}

function filesText (result) {
  if (result.files.length === 0) return `no file changed: the credential came from ${source(result.credential)}`
  return result.files.map((f) => f.deleted
    ? `removed ${f.removedKeys.join(', ')} from ${f.path} (file deleted: nothing else was in it)`
    : `removed ${f.removedKeys.join(', ')} from ${f.path}`).join('; ')
}

/**
 * The lines for one registry's result: `out` for stdout, `warn` for stderr.
 * `options` are the logout options the CLI passed; `color` says whether to paint
 * each stream.
 */
function describe (result, options, color) {
  const o = paint(color.stdout)
  const e = paint(color.stderr)
  const out = []
  const warn = []
  if (result.dryRun) {
    out.push(`${o.bold('Dry run:')} would log out of ${result.registry}${result.scope ? ` (${result.scope})` : ''}`)
    const { credential } = result
    if (credential.kind === 'token' && options.revoke !== 'skip') {
      out.push(`  revoke the token at ${credential.key} from ${source(credential)}`)
      out.push('  if the registry refuses it, ask GET /-/whoami with it: a token refused there too ' +
        'is already invalid (expired or revoked) and is removed')
    } else {
      out.push(`  revoke nothing (${credential.kind === 'token' ? '--revoke=skip' : `${credential.kind} credential`})`)
    }
    for (const f of result.files) {
      out.push(`  remove ${f.removedKeys.join(', ')} from ${f.path}${f.deleted ? ' (and delete it: nothing else is in it)' : ''}`)
    }
    if (result.files.length === 0) out.push(`  change no file: the credential comes from ${source(credential)}`)
    if (result.githubToken) out.push(githubPlan(result.githubToken))
    if (result.everywhere) out.push(...everywherePlan(result.everywhere))
    return { out, warn }
  }
  out.push(`${o.green('Logged out')} of ${result.registry}${result.scope ? ` (${result.scope})` : ''}: ` +
    `${revocationText(result, options)}; ${filesText(result)}`)
  // With several stores, each one's credential and what became of its token.
  if (result.stores && result.stores.length > 1) {
    for (const s of result.stores) {
      out.push(`  ${s.store}: ${s.credential.key} from ${source(s.credential)}: ${revocationText({ revocation: s.revocation, credential: s.credential }, options)}`)
    }
  }
  if (result.githubToken) githubLines(result, e, out, warn)
  // When GitHub revoked the token, the registry's refusal is in the first line only.
  if (result.revocation.outcome === 'failed' && result.githubToken?.outcome !== 'revoked') {
    warn.push(`${e.yellow('warning:')} the registry did not revoke the token ` +
      `(${result.revocation.code}: ${result.revocation.message}); it may still work until it expires or ` +
      'is revoked in the registry itself')
  }
  if (result.revocation.verification === 'token-still-valid') {
    warn.push(`${e.yellow('warning:')} ${keptValidText(result.registry, result.revocation)}`)
  }
  if (result.everywhere) {
    out.push(...everywhereLines(result.everywhere))
    if (result.everywhere.error) {
      warn.push(`${e.yellow('warning:')} could not list the account's tokens on ${result.registry} ` +
        `(${result.everywhere.error.code}: ${result.everywhere.error.message}): no other token was revoked`)
    }
    const left = result.everywhere.tokens.filter((t) => !t.current && t.outcome !== 'revoked' && t.outcome !== 'kept')
    if (left.length > 0) {
      warn.push(`${e.yellow('warning:')} ${left.length} of the account's tokens on ${result.registry} ` +
        'were not revoked (see above)')
    }
  }
  if (result.stillLoggedIn) {
    warn.push(`${e.yellow('warning:')} still logged in to ${result.registry}: ` +
      `${result.stillLoggedIn.key} from ${source(result.stillLoggedIn)} still applies`)
  }
  return { out, warn }
}

// Where a person revokes a GitHub token by hand.
const GITHUB_TOKENS_PAGE = 'https://github.com/settings/tokens'

// What the registry did with a GitHub token's revocation, as the warning tells it.
function registryAnswer (revocation) {
  switch (revocation.outcome) {
    case 'revoked': return `accepted the revocation (HTTP ${revocation.status})`
    case 'already-invalid': return `refused the token (HTTP ${revocation.status}), and so did GET /-/whoami`
    case 'failed': return `did not revoke it (${revocation.code})`
    default: return 'was not asked to revoke it'
  }
}

// A GitHub token's line in a dry run's plan.
function githubPlan (github) {
  if (github.outcome === 'not-asked') {
    return `  the token is a GitHub token (${github.prefix}…), which lives on GitHub: revoke it at ` +
      `${GITHUB_TOKENS_PAGE}, or add --revoke-github-token`
  }
  return `  then revoke the GitHub token (${github.prefix}…) on GitHub: POST /credentials/revoke to GitHub's ` +
    'API, with no other credential'
}

// A GitHub token's lines after the logout: what GitHub did, or where to revoke it.
function githubLines (result, e, out, warn) {
  const github = result.githubToken
  if (github.outcome === 'revoked') {
    out.push(`  GitHub token (${github.prefix}…) revoked on GitHub (POST /credentials/revoke answered ${github.status})`)
  } else if (github.outcome === 'failed') {
    warn.push(`${e.yellow('warning:')} GitHub did not revoke the GitHub token (${github.prefix}…) ` +
      `(${github.code}: ${github.message}); it is gone from your config: revoke it at ${GITHUB_TOKENS_PAGE}`)
  } else {
    warn.push(`${e.yellow('warning:')} ${result.registry} ${registryAnswer(result.revocation)}; the token is a ` +
      `GitHub token (${github.prefix}…), which lives on GitHub and which that revocation is not known to ` +
      `reach. It is gone from your config: revoke it at ${GITHUB_TOKENS_PAGE} (--revoke-github-token ` +
      'revokes it through GitHub\'s API)')
  }
}

// Why a token that outlived its revocation was not revoked by key either.
function tokenApiText (revocation) {
  switch (revocation.tokenApi) {
    case 'not-listed':
      return '; its token list (GET /-/npm/v1/tokens) does not hold it, so it could not be revoked by key ' +
        'either (Verdaccio never lists a login token: it lasts until it expires, or until the password or ' +
        'the server\'s secret changes)'
    case 'ambiguous':
      return '; several tokens in its token list fit its masked form, so none was revoked by key'
    case 'failed':
      return `; revoking it through the token API failed (${revocation.tokenApiCode})`
    default:
      return ''
  }
}

// A token the registry still accepts after accepting its revocation: what was tried,
// that it may still be propagating, and how to check later.
function keptValidText (registry, revocation) {
  const n = revocation.verificationAttempts
  return `${registry} accepted the revocation, but GET /-/whoami still accepts the token ` +
    `(${n} request${n === 1 ? '' : 's'} over ${revocation.verificationWaitedMs} ms)${tokenApiText(revocation)}. ` +
    'A revocation can take a while to reach every server of a registry (the public registry documents up ' +
    'to an hour), so it may still be propagating. The token is gone from your config; to check later, log ' +
    `in again and run \`npm token list --registry=${registry}\`: if it is still listed, revoke it with ` +
    '`npm token revoke <id>`'
}

// A token of the account as the registry lists it: masked, its key, dates and flags
// (those the registry sent).
function sessionText (t) {
  const date = (label, value) => value ? `, ${label} ${String(value).slice(0, 10)}` : ''
  return `${t.token || '(no masked form)'} (key ${t.key}${date('created', t.created)}` +
    `${date('last used', t.accessed)}${date('expires', t.expires)}${t.readonly === true ? ', read-only' : ''}` +
    `${t.bypass2fa === true ? ', bypasses 2FA' : ''}${t.current ? ', this token' : ''})`
}

// --everywhere --dry-run: what would be revoked.
function everywherePlan (everywhere) {
  if (everywhere.error) return [`  cannot list the account's tokens: ${everywhere.error.code}: ${everywhere.error.message}`]
  if (everywhere.filter === undefined) {
    const lines = [`  revoke every token of the account (${everywhere.tokens.length} listed):`]
    for (const t of everywhere.tokens) lines.push(`    ${sessionText(t)}`)
    return lines
  }
  const picked = everywhere.tokens.filter((t) => t.outcome !== 'kept').length
  const lines = [`  revoke the account's tokens that match ${everywhere.filter}, and this one ` +
    `(${picked} of ${everywhere.tokens.length} listed):`]
  for (const t of everywhere.tokens) lines.push(`    ${t.outcome === 'kept' ? 'keep' : 'revoke'} ${sessionText(t)}`)
  return lines
}

/** `--tokens`: the account's tokens, masked, with what the registry says of each. */
function tokenLines (list) {
  const n = list.tokens.length
  return [`${list.registry}: ${n} token${n === 1 ? '' : 's'} listed (the registry's token list: the public ` +
    'registry never lists the session tokens `npm login` issues, which expire after two hours)',
  ...list.tokens.map((t) => `  ${sessionText(t)}`)]
}

// --everywhere: what became of each token of the account.
function everywhereLines (everywhere) {
  return everywhere.tokens.map((t) => {
    switch (t.outcome) {
      case 'revoked': return `  revoked ${sessionText(t)}`
      case 'kept': return `  kept ${sessionText(t)}: it does not match`
      case 'still-valid': return `  NOT revoked ${sessionText(t)}: the registry still accepts it`
      default: return `  NOT revoked ${sessionText(t)}: ${t.code}: ${t.message}`
    }
  })
}

/** `--list`: one line per credential, keys and paths only. */
function listLines (list) {
  if (list.length === 0) return ['no credentials found']
  return list.map((c) => `${c.registry}${c.scope ? ` (${c.scope})` : ''}: ${c.store} ${c.kind} ` +
    `${c.key} in ${c.path ? `${LEVEL_NAMES[c.level]} ${c.path}` : LEVEL_NAMES[c.level]}`)
}

module.exports = { describe, listLines, tokenLines, paint }
