#!/usr/bin/env bash
# Installs one released version of assistctl and puts it on PATH: the install step of the
# GitHub Action in action.yml, also usable on its own in any CI.
#
# Environment (the action's inputs):
#   ASSISTCTL_VERSION      the version to install, e.g. 0.1.0 (a leading `v` is accepted); required
#   ASSISTCTL_BASE_URL     where releases are, one directory per tag (v0.1.0/...);
#                          default https://github.com/assistctl/assistctl/releases/download
#   ASSISTCTL_TARGET       the archive's target triple; default: this machine's (Linux: the
#                          glibc build, x86_64 or aarch64; use x86_64-unknown-linux-musl or
#                          aarch64-unknown-linux-musl for the static build, e.g. on Alpine)
#   ASSISTCTL_INSTALL_DIR  where the binary goes; default $RUNNER_TEMP/assistctl-VERSION/bin
#
# It downloads the archive dist made for the target and its `.sha256` file, refuses the
# archive when the checksum differs (nothing is installed then), checks that the binary
# says it is the version asked for, installs it, and appends the directory to
# $GITHUB_PATH (and the binary's path to $GITHUB_OUTPUT as `path`) when those are set.
set -euo pipefail

say() { printf 'assistctl install: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

version="${ASSISTCTL_VERSION:-}"
[ -n "$version" ] || die "ASSISTCTL_VERSION (the action's \`version\` input) is required, e.g. 0.1.0"
version="${version#v}"
case "$version" in
  *[!0-9A-Za-z.+-]*) die "not a version: $version" ;;
esac
base="${ASSISTCTL_BASE_URL:-https://github.com/assistctl/assistctl/releases/download}"
base="${base%/}"

target="${ASSISTCTL_TARGET:-}"
if [ -z "$target" ]; then
  os="$(uname -s)"
  arch="$(uname -m)"
  case "$arch" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) die "no release for the architecture $arch" ;;
  esac
  case "$os" in
    Linux) target="$arch-unknown-linux-gnu" ;;
    Darwin) target="$arch-apple-darwin" ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT) target="x86_64-pc-windows-msvc" ;;
    *) die "no release for the operating system $os" ;;
  esac
fi
case "$target" in
  *-windows-*) ext=zip exe=assistctl.exe ;;
  *) ext=tar.xz exe=assistctl ;;
esac
archive="assistctl-$target.$ext"
url="$base/v$version/$archive"
dir="${ASSISTCTL_INSTALL_DIR:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/assistctl-$version/bin}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fetch() {
  # curl fails on an HTTP error (-f) and retries transient ones.
  curl --proto '=https,http' -fsSL --retry 3 --retry-delay 1 -o "$2" "$1" ||
    die "could not download $1"
}

say "downloading $url"
fetch "$url" "$work/$archive"
fetch "$url.sha256" "$work/$archive.sha256"

expected="$(awk '{ print $1; exit }' "$work/$archive.sha256")"
if command -v sha256sum >/dev/null 2>&1; then
  actual="$(sha256sum "$work/$archive" | awk '{ print $1 }')"
else
  actual="$(shasum -a 256 "$work/$archive" | awk '{ print $1 }')"
fi
[ "${#expected}" = 64 ] || die "$url.sha256 holds no SHA-256 checksum"
if [ "$actual" != "$expected" ]; then
  die "checksum mismatch for $archive: expected $expected, got $actual; nothing was installed"
fi

mkdir -p "$work/x"
case "$ext" in
  zip) unzip -q "$work/$archive" -d "$work/x" ;;
  *) tar -xJf "$work/$archive" -C "$work/x" ;;
esac
# dist's archives hold one directory named like the archive, the binary inside it.
bin="$work/x/assistctl-$target/$exe"
[ -f "$bin" ] || bin="$(find "$work/x" -type f -name "$exe" | head -n 1)"
[ -n "$bin" ] && [ -f "$bin" ] || die "$archive holds no $exe"
chmod +x "$bin"

said="$("$bin" --version)" || die "the downloaded binary does not run on this machine ($target)"
case "$said" in
  "assistctl $version") ;;
  *) die "the release v$version holds a binary that says \`$said\`" ;;
esac

mkdir -p "$dir"
install -m 0755 "$bin" "$dir/$exe"
say "installed $said to $dir/$exe"

if [ -n "${GITHUB_PATH:-}" ]; then
  echo "$dir" >>"$GITHUB_PATH"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "path=$dir/$exe" >>"$GITHUB_OUTPUT"
fi
