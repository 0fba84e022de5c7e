// The options are generated from the Rust side (binding.d.ts, written by `napi build`);
// the results are declared here, by hand, for people to read. They are the core's
// reports as they serialize (crates/registry-logout-core/src/contract.rs), and
// __test__/contract.test.js type-checks every recorded result against them, so that
// this file fails a test when it drifts from the Rust side.
import type { LogoutOptions, RevokeMode } from './binding'

export type { LogoutOptions, RevokeMode }

/** A tool whose credential store a logout reads. */
export type StoreKind = 'npm' | 'pnpm' | 'yarn' | 'bun' | 'vlt'
export type CredentialKind = 'token' | 'auth' | 'basic' | 'certificate'
export type ConfigLevel = 'cli' | 'env' | 'project' | 'user' | 'global' | 'builtin'
export type FileLevel = 'project' | 'user' | 'global'
export type RevocationOutcome = 'revoked' | 'already-invalid' | 'skipped' | 'failed'
/** Which request revoked the token. */
export type RevokedVia = 'user-token' | 'token-api'
/** Why the token API did not revoke a token that outlived its revocation. */
export type TokenApiOutcome = 'not-listed' | 'ambiguous' | 'failed'
/** What asking the registry with the revoked token (`verify`) found. */
export type Verification = 'token-rejected' | 'token-still-valid' | 'unknown'
/** Why nothing was sent (`skipped`). */
export type SkipReason = 'not a token' | 'dry run' | 'revoke: skip'
/** What became of one of the account's tokens with `everywhere`. */
export type AccountTokenOutcome = 'listed' | 'kept' | 'revoked' | 'still-valid' | 'failed'

/** An error, as `{ code, message }`. */
export interface ErrorInfo {
  code: string
  message: string
}
/** @deprecated The same as {@link ErrorInfo}. */
export type NativeError = ErrorInfo

export interface CredentialSource {
  /** The tool whose store holds it; absent for npm's. */
  store?: StoreKind
  kind: CredentialKind
  /** The config key holding it (never its value). */
  key: string
  level: ConfigLevel
  /** The file holding it, for file levels. */
  path?: string
}

/** Every field a revocation may have; each outcome says which it has. */
interface RevocationFields {
  /** The final HTTP status, when the registry answered. */
  status?: number
  /** How many requests were sent (retries included). */
  attempts?: number
  /** Why nothing was sent (`skipped`). */
  reason?: SkipReason
  /** The error code (`failed`). */
  code?: string
  /** The error message (`failed`). */
  message?: string
  /**
   * With `verify`, after a revocation the registry accepted: whether the token still
   * works (`GET /-/whoami` with it).
   */
  verification?: Verification
  /** The status of that check, when the registry answered. */
  verificationStatus?: number
  /** The error code of that check, when it got no answer. */
  verificationCode?: string
  /**
   * How many `GET /-/whoami` requests were sent (re-asks while the revocation
   * propagates included), with `verification`.
   */
  verificationAttempts?: number
  /**
   * How long whoami was re-asked while it still accepted the token, in milliseconds
   * (0 when the first answer settled it), with `verification`.
   */
  verificationWaitedMs?: number
  /** Which request revoked the token (`revoked`). */
  via?: RevokedVia
  /** When the token outlived its revocation and the token API did not revoke it: why. */
  tokenApi?: TokenApiOutcome
  /** The error code of the token API (`tokenApi: 'failed'`). */
  tokenApiCode?: string
}

/** What became of the token on the registry; `outcome` narrows the rest. */
export type Revocation =
  | (RevocationFields & { outcome: 'revoked', status: number, attempts: number, via: RevokedVia, reason?: undefined, code?: undefined, message?: undefined })
  | (RevocationFields & { outcome: 'already-invalid', status: number, attempts: number, verification: 'token-rejected', verificationStatus: number, reason?: undefined, code?: undefined, message?: undefined, via?: undefined, tokenApi?: undefined, tokenApiCode?: undefined, verificationCode?: undefined, verificationAttempts?: undefined, verificationWaitedMs?: undefined })
  | (RevocationFields & { outcome: 'skipped', reason: SkipReason, status?: undefined, attempts?: undefined, code?: undefined, message?: undefined, verification?: undefined, verificationStatus?: undefined, verificationCode?: undefined, verificationAttempts?: undefined, verificationWaitedMs?: undefined, via?: undefined, tokenApi?: undefined, tokenApiCode?: undefined })
  | (RevocationFields & { outcome: 'failed', attempts: number, code: string, message: string, reason?: undefined, verification?: undefined, verificationStatus?: undefined, verificationCode?: undefined, verificationAttempts?: undefined, verificationWaitedMs?: undefined, via?: undefined, tokenApi?: undefined, tokenApiCode?: undefined })

/** One store's part of a logout (only when `sources` was given). */
export interface StoreReport {
  store: StoreKind
  /** Where this store's credential was (never its value). */
  credential: CredentialSource
  /**
   * What became of its token: one revocation per distinct token, shared by every store
   * that held it.
   */
  revocation: Revocation
}

export interface FileChange {
  path: string
  level: FileLevel
  /** Keys removed (never values). */
  removedKeys: string[]
  /** The file held nothing else and was deleted. */
  deleted: boolean
  /** The store whose file it is (only when `sources` was given). */
  store?: StoreKind
}

/** One token of the account (`everywhere`): what the registry lists of it, never the token. */
export interface AccountToken {
  /** The registry's id for it (what revoking it by key takes). */
  key: string
  /** The token as the registry masks it in its list (`abcde...vwxyz`, or a prefix). */
  token: string
  /** A read-only token; absent when the registry does not say. */
  readonly?: boolean
  /** It is the token this logout removed (its revocation is `revocation`). */
  current: boolean
  /** `kept`: the `everywhere` filter did not pick it. */
  outcome: AccountTokenOutcome
  /** When it was created, as the registry says (ISO 8601). */
  created?: string
  /** It skips two-factor authentication, when the registry says. */
  bypass2fa?: boolean
  /** When it was last used, when the registry says (ISO 8601). */
  accessed?: string
  /** When it expires, when the registry says (ISO 8601). */
  expires?: string
  /** The status of its revocation, when the registry answered. */
  status?: number
  /** The error code (`failed`). */
  code?: string
  /** The error message (`failed`). */
  message?: string
}

/** `everywhere`: every token the account holds on the registry. */
export interface Everywhere {
  tokens: AccountToken[]
  /** Why the list could not be read (then no other token was revoked). */
  error?: ErrorInfo
  /** The filter that picked the tokens to revoke, as given (`everywhere: '<filter>'`). */
  filter?: string
}

/** `tokens()`: the account's tokens on the registry, as its token list gives them. */
export interface TokenList {
  /** The registry. */
  registry: string
  /** The login whose token asked for the list. */
  credential: CredentialSource
  /** Each listed token (`outcome: 'listed'`); `current` marks the login's own. */
  tokens: AccountToken[]
}

/** What became of a GitHub token on GitHub. */
export type GithubTokenOutcome = 'not-asked' | 'skipped' | 'revoked' | 'failed'

/**
 * A GitHub token for GitHub Packages (`npm.pkg.github.com`, with one of GitHub's
 * prefixes): it lives on GitHub, which the registry's revocation is not known to reach.
 */
export interface GithubToken {
  /** GitHub's prefix for its kind (`ghp_`, `github_pat_`, `gho_`, `ghu_`, `ghs_`, `ghr_`). */
  prefix: string
  /**
   * `not-asked`: nothing was sent to GitHub (no `revokeGithubToken`): revoke it at
   * https://github.com/settings/tokens; `skipped`: a dry run; `revoked`: GitHub took the
   * revocation; `failed`: it did not (`revoke: 'best-effort'`).
   */
  outcome: GithubTokenOutcome
  /** Why nothing was sent (`skipped`). */
  reason?: SkipReason
  /** GitHub's status, when it answered. */
  status?: number
  /** The error code (`failed`: `E403`, `E422`, `E429`, …). */
  code?: string
  /** The error message (`failed`). */
  message?: string
}

export interface LogoutReport {
  /** The registry logged out of. */
  registry: string
  /** Where the credential came from. */
  credential: CredentialSource
  revocation: Revocation
  /** Files changed (in a dry run: files that would change). */
  files: FileChange[]
  dryRun: boolean
  scope?: string
  /** Each store that held a credential (only when `sources` was given). */
  stores?: StoreReport[]
  /** A credential that still applies to the registry after the logout. */
  stillLoggedIn?: CredentialSource
  /** With `everywhere`: the account's tokens and what became of each. */
  everywhere?: Everywhere
  /** The token is a GitHub token for GitHub Packages: what became of it on GitHub. */
  githubToken?: GithubToken
}

/** One registry's outcome with `all`: exactly one of `result` and `error` is set. */
export type LogoutAllEntry =
  | { registry: string, result: LogoutReport, error?: undefined }
  | { registry: string, error: ErrorInfo, result?: undefined }

/** The outcome of `logout({ all: true })`. */
export interface LogoutAllReport {
  /** Whether every registry was logged out of. */
  ok: boolean
  results: LogoutAllEntry[]
}

/** A credential found by `credentials()`: where it is, never its value. */
export interface ListedCredential {
  /** The registry it is for (Yarn's top-level token: `(npmRegistryServer)`). */
  registry: string
  store: StoreKind
  kind: CredentialKind
  level: ConfigLevel
  /** Its key, or its key path joined with `.` in YAML and TOML files. */
  key: string
  scope?: string
  /** The file holding it. */
  path?: string
}

/** @deprecated Renamed {@link StoreKind}. */
export type StoreName = StoreKind
/** @deprecated Renamed {@link LogoutReport}. */
export type LogoutResult = LogoutReport
/** @deprecated Renamed {@link CredentialSource}. */
export type CredentialInfo = CredentialSource
/** @deprecated Renamed {@link FileChange}. */
export type FileChangeInfo = FileChange
/** @deprecated Renamed {@link StoreReport}. */
export type StoreResult = StoreReport
/** @deprecated Renamed {@link AccountToken}: one of the account's tokens, not a session. */
export type SessionToken = AccountToken
/** @deprecated Renamed {@link AccountTokenOutcome}. */
export type SessionOutcome = AccountTokenOutcome
/** @deprecated Renamed {@link Revocation}. */
export type RevocationInfo = Revocation
/** @deprecated Renamed {@link Everywhere}. */
export type EverywhereResult = Everywhere
/** @deprecated Renamed {@link GithubToken}. */
export type GithubTokenResult = GithubToken
/** @deprecated Renamed {@link LogoutAllReport}. */
export type LogoutAllResult = LogoutAllReport

/** An Error from `logout()`, with npm's error code (`ENEEDAUTH`, `E404`, `EOTP`, …). */
export interface LogoutError extends Error {
  code: string
}

/**
 * Logs out of a registry the way `npm logout` does: resolves npm's config, revokes the
 * token on the registry, and removes the credential from the file that holds it.
 * Rejects with a {@link LogoutError}.
 */
export function logout (options?: LogoutOptions & { all?: false | null }, signal?: AbortSignal): Promise<LogoutReport>
/**
 * With `all: true`: logs out of every registry that holds a credential in a config
 * file. Resolves with one entry per registry (a failure on one does not stop the
 * others); rejects only when nothing is logged in or the config cannot be read.
 */
export function logout (options: LogoutOptions & { all: true }, signal?: AbortSignal): Promise<LogoutAllReport>
export function logout (options?: LogoutOptions, signal?: AbortSignal): Promise<LogoutReport | LogoutAllReport>
/**
 * Lists every credential the selected stores hold (`sources`, default `['npm']`): the
 * registry, store, kind, file, level and key path, never a value. Sends nothing and
 * writes nothing; rejects with a {@link LogoutError} (`EINVALIDCONFIG` for a store file
 * its tool would refuse).
 */
export function credentials (options?: LogoutOptions): Promise<ListedCredential[]>
/**
 * Lists the account's tokens on the registry (`GET /-/npm/v1/tokens`, every page, with
 * the login's token): key, masked form and what the registry says of each, never a
 * token. Revokes nothing, writes nothing. The public registry never lists the session
 * tokens `npm login` issues (they expire after two hours). Rejects with a
 * {@link LogoutError} (`ENEEDAUTH` without a token, the registry's error without a
 * token list).
 */
export function tokens (options?: LogoutOptions, signal?: AbortSignal): Promise<TokenList>
