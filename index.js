'use strict'

// The public API: one async function. The native binding does all the work; this
// wrapper only supplies defaults from the Node process, forwards an AbortSignal, and
// turns the binding's `{ result } | { error }` into a resolved value or a coded Error.

const binding = require('./binding.js')

function codedError (code, message) {
  const err = new Error(message)
  err.code = code
  if (code === 'ABORT_ERR') err.name = 'AbortError'
  return err
}

function abortError () {
  return codedError('ABORT_ERR', 'The operation was aborted')
}

// napi reports a wrongly typed option as e.g. "Failed to convert JavaScript value
// `Number 5 ` into rust type `String` on LogoutOptions.registry"; that text can echo the
// value (an OTP, say), so only the field name is kept.
function invalidArgument (err) {
  const field = /on (\w+)\.(\w+)/.exec(String(err && err.message))
  const what = field ? `options.${field[2]}` : 'an option'
  return codedError('ERR_INVALID_ARG_TYPE', `${what} has the wrong type`)
}

/**
 * @param {import('./index').LogoutOptions} [options]
 * @param {AbortSignal} [signal]
 * @returns {Promise<import('./index').LogoutResult | import('./index').LogoutAllResult>}
 */
async function logout (options, signal) {
  if (options === undefined || options === null) options = {}
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw codedError('ERR_INVALID_ARG_TYPE', 'options must be an object')
  }
  if (signal !== undefined && signal !== null &&
      (typeof signal !== 'object' || typeof signal.aborted !== 'boolean' ||
       typeof signal.addEventListener !== 'function')) {
    throw codedError('ERR_INVALID_ARG_TYPE', 'signal must be an AbortSignal')
  }
  if (signal && signal.aborted) throw abortError()

  const native = {
    ...options,
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? process.env,
    execPath: options.execPath ?? process.execPath
  }
  const handle = new binding.AbortHandle()
  const onAbort = () => handle.abort()
  if (signal) signal.addEventListener('abort', onAbort, { once: true })
  let outcome
  try {
    try {
      outcome = binding.logout(native, handle)
    } catch (err) {
      throw invalidArgument(err)
    }
    outcome = await outcome
  } finally {
    if (signal) signal.removeEventListener('abort', onAbort)
  }
  if (outcome.error) throw codedError(outcome.error.code, outcome.error.message)
  return outcome.all ?? outcome.result
}

module.exports = { logout }
