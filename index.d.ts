// The option and result types are generated from the Rust side (binding.d.ts, written by
// `napi build`), so they match it exactly.
import type { LogoutOptions, LogoutResult } from './binding'

export type {
  LogoutOptions,
  LogoutResult,
  CredentialInfo,
  RevocationInfo,
  FileChangeInfo,
  RevokeMode
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
export function logout (options?: LogoutOptions, signal?: AbortSignal): Promise<LogoutResult>
