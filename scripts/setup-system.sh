#!/usr/bin/env bash
# What the tests need from the system beyond Node, npm and a Rust toolchain: Wine and
# the MinGW-w64 cross compiler for the Windows suite (__test__/windows.test.js), and
# Rust's standard library for x86_64-pc-windows-gnu. Debian and Ubuntu (apt-get), as
# root or through sudo. Safe to run again: it installs only what is missing.
#
# Elsewhere (macOS, other Linux distributions) it says what to install and exits 0:
# without Wine the Windows suite skips locally (it fails in CI, where CI=true).
set -euo pipefail

packages=(wine wine64 gcc-mingw-w64-x86-64)
target=x86_64-pc-windows-gnu

if command -v dpkg-query >/dev/null && command -v apt-get >/dev/null; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    sudo=()
    if [ "$(id -u)" != 0 ]; then
      command -v sudo >/dev/null || { echo "setup-system: run as root to install ${missing[*]}" >&2; exit 1; }
      sudo=(sudo)
    fi
    echo "setup-system: installing ${missing[*]}"
    "${sudo[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
else
  echo "setup-system: no apt-get here; for the Windows suite install Wine 8 (64-bit) and MinGW-w64 (x86_64-w64-mingw32-gcc) yourself" >&2
fi

if command -v rustup >/dev/null; then
  rustup target list --installed | grep -qx "$target" || rustup target add "$target"
else
  echo "setup-system: no rustup; add the Rust standard library for $target yourself" >&2
fi
