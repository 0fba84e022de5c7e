// The option and result types are generated from the Rust side (binding.d.ts, written by
// `napi build`), so they match it exactly.
import type { LogoutOptions, LogoutResult, LogoutAllResult, ListedCredential } from './binding'

export type {
  LogoutOptions,
  LogoutResult,
  CredentialInfo,
  CredentialKind,
  ConfigLevel,
  FileLevel,
  RevocationInfo,
  RevocationOutcome,
  RevokedVia,
  TokenApiOutcome,
  EverywhereResult,
  SessionToken,
  SessionOutcome,
  RevokeMode,
  Verification,
  FileChangeInfo,
  LogoutAllResult,
  LogoutAllEntry,
  NativeError,
  StoreName,
  StoreResult,
  ListedCredential
} from './binding'

/** An Error from `logout()`, with npm's error code (`ENEEDAUTH`, `E404`, `EOTP`, …). */
export interface LogoutError extends Error {
  code: string
}

/**
 * Logs out of a registry the way `npm logout` does: resolves npm's config, revokes the
 * token on the registry, and removes the credential from the file that holds it.
 * Rejects with a {@link LogoutError}.
 */
export function logout (options?: LogoutOptions & { all?: false | null }, signal?: AbortSignal): Promise<LogoutResult>
/**
 * With `all: true`: logs out of every registry that holds a credential in a config
 * file. Resolves with one entry per registry (a failure on one does not stop the
 * others); rejects only when nothing is logged in or the config cannot be read.
 */
export function logout (options: LogoutOptions & { all: true }, signal?: AbortSignal): Promise<LogoutAllResult>
export function logout (options?: LogoutOptions, signal?: AbortSignal): Promise<LogoutResult | LogoutAllResult>
/**
 * Lists every credential the selected stores hold (`sources`, default `['npm']`): the
 * registry, store, kind, file, level and key path, never a value. Sends nothing and
 * writes nothing; rejects with a {@link LogoutError} (`EINVALIDCONFIG` for a store file
 * its tool would refuse).
 */
export function credentials (options?: LogoutOptions): Promise<ListedCredential[]>
