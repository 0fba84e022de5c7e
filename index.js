'use strict'

// The public API: `logout` and `credentials`. The native binding does all the work; this
// wrapper only supplies defaults from the Node process, forwards an AbortSignal, and
// turns the binding's `{ result } | { error }` into a resolved value or a coded Error.

// native.js finds the addon: a local build, else the prebuilt platform package.
const binding = require('./native.js')

function codedError (code, message) {
  const err = new Error(message)
  err.code = code
  if (code === 'ABORT_ERR') err.name = 'AbortError'
  return err
}

function abortError () {
  return codedError('ABORT_ERR', 'The operation was aborted')
}

// `env` crosses into Rust as one string, `key\0value\0…`: napi converts an object
// property by property, which costs many times what one string does (docs/benchmarks.md,
// "Performance"). The keys are those napi would see (`for…in`: enumerable, inherited
// ones included); null and undefined values are left out, as napi leaves them. What
// the encoding cannot carry (a value that is not a string, a NUL) goes as an object,
// and the binding refuses a wrong type with ERR_INVALID_ARG_TYPE.
function envBlock (env) {
  if (typeof env !== 'object' || env === null || Array.isArray(env)) return undefined
  let block = ''
  for (const key in env) {
    const value = env[key]
    if (value === undefined || value === null) continue
    if (typeof value !== 'string' || key.includes('\0') || value.includes('\0')) return undefined
    block += key + '\0' + value + '\0'
  }
  return block
}

// The options as the binding takes them (both calls read the same ones): the
// defaults from this process, and `env` as one string when it can be.
function nativeOptions (options) {
  if (options === undefined || options === null) options = {}
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw codedError('ERR_INVALID_ARG_TYPE', 'options must be an object')
  }
  const native = {
    ...options,
    cwd: options.cwd ?? process.cwd(),
    // Without `env`, Rust reads the process environment itself: copying `process.env`
    // across napi costs more than the rest of a dry run.
    execPath: options.execPath ?? process.execPath
  }
  const block = envBlock(native.env)
  if (block !== undefined) native.env = undefined
  return { native, block }
}

/**
 * @param {import('./index').LogoutOptions} [options]
 * @param {AbortSignal} [signal]
 * @returns {Promise<import('./index').LogoutReport | import('./index').LogoutAllReport>}
 */
async function logout (options, signal) {
  const outcome = await withSignal(binding.logout, options, signal)
  return outcome.all ?? outcome.result
}

/**
 * The account's tokens on the registry, as its token list gives them (masked forms and
 * keys, never a token). Revokes nothing, writes nothing.
 * @param {import('./index').LogoutOptions} [options]
 * @param {AbortSignal} [signal]
 * @returns {Promise<import('./index').TokenList>}
 */
async function tokens (options, signal) {
  return (await withSignal(binding.tokens, options, signal)).tokens
}

// Runs `call` (the binding's logout or tokens) with the options as the binding takes
// them, an AbortSignal forwarded to it; a coded Error for the binding's error.
async function withSignal (call, options, signal) {
  const { native, block } = nativeOptions(options)
  if (signal !== undefined && signal !== null &&
      (typeof signal !== 'object' || typeof signal.aborted !== 'boolean' ||
       typeof signal.addEventListener !== 'function')) {
    throw codedError('ERR_INVALID_ARG_TYPE', 'signal must be an AbortSignal')
  }
  if (signal && signal.aborted) throw abortError()
  // Only a signal needs a handle (a native object the GC must finalize).
  let handle, onAbort
  if (signal) {
    handle = new binding.AbortHandle()
    onAbort = () => handle.abort()
    signal.addEventListener('abort', onAbort, { once: true })
  }
  let outcome
  try {
    outcome = await call(native, handle, block)
  } finally {
    if (signal) signal.removeEventListener('abort', onAbort)
  }
  if (outcome.error) throw codedError(outcome.error.code, outcome.error.message)
  return outcome
}

/**
 * Every credential the selected stores hold (`sources`, default `['npm']`): where it
 * is, never its value. Reads only.
 * @param {import('./index').LogoutOptions} [options]
 * @returns {Promise<import('./index').ListedCredential[]>}
 */
async function credentials (options) {
  const { native, block } = nativeOptions(options)
  const outcome = await binding.credentials(native, block)
  if (outcome.error) throw codedError(outcome.error.code, outcome.error.message)
  return outcome.credentials
}

module.exports = { logout, credentials, tokens }
