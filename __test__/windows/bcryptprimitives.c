/* A stand-in for Windows' bcryptprimitives.dll, which Wine 8 lacks and Rust's std
 * imports (ProcessPrng, its source of random bytes since Rust 1.78). It forwards to
 * bcrypt's BCryptGenRandom, which Wine has. Installed into the test's Wine prefix only
 * (__test__/helpers/wine.js); nothing here ships. */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
    if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) return FALSE;
    data += chunk;
    len -= chunk;
  }
  return TRUE;
}
