/* Holds a file open with a given share mode until told to let go, as an editor, an
 * indexer or an antivirus scanner does on Windows. Node's fs and Rust's std always
 * share read, write and delete, so a node.exe child cannot deny a share; this can.
 *
 *   holder.exe <file> <none|r|rw|rd|rwd> <ready-file> <release-file>
 *
 * Writes "ready" (or "error <GetLastError()>") to <ready-file> once the file is open,
 * then waits until <release-file> exists (at most 120 s), closes the file and exits.
 * Signals go through files: under Wine a Linux pipe is no reliable stdout for a
 * Windows program (node.exe fails on one with EBADF). */
#include <windows.h>
#include <stdio.h>
#include <string.h>

static void say(const char *path, const char *text) {
  char tmp[MAX_PATH + 8];
  snprintf(tmp, sizeof tmp, "%s.part", path);
  FILE *f = fopen(tmp, "wb");
  if (!f) return;
  fputs(text, f);
  fclose(f);
  MoveFileExA(tmp, path, MOVEFILE_REPLACE_EXISTING);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fputs("usage: holder.exe <file> <none|r|rw|rd|rwd> <ready-file> <release-file>\n", stderr);
    return 2;
  }
  DWORD share = 0;
  if (strchr(argv[2], 'r')) share |= FILE_SHARE_READ;
  if (strchr(argv[2], 'w')) share |= FILE_SHARE_WRITE;
  if (strchr(argv[2], 'd')) share |= FILE_SHARE_DELETE;
  HANDLE h = CreateFileA(argv[1], GENERIC_READ, share, NULL, OPEN_EXISTING,
                         FILE_ATTRIBUTE_NORMAL, NULL);
  char msg[64];
  if (h == INVALID_HANDLE_VALUE) {
    snprintf(msg, sizeof msg, "error %lu", (unsigned long)GetLastError());
    say(argv[3], msg);
    return 1;
  }
  say(argv[3], "ready");
  for (int waited = 0; waited < 120000; waited += 10) {
    if (GetFileAttributesA(argv[4]) != INVALID_FILE_ATTRIBUTES) break;
    Sleep(10);
  }
  CloseHandle(h);
  return 0;
}
