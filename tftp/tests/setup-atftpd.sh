#!/bin/sh
# Unpacks atftpd (which conflicts with tftpd-hpa in dpkg) into a temporary
# folder without installing it, and prints the path of its binary.
# The interop tests look for it at $ATFTPD or at the path printed here.
set -eu
dest="${1:-${TMPDIR:-/tmp}/dialtone-atftpd}"
bin="$dest/usr/sbin/atftpd"
if [ -x "$bin" ]; then
    echo "$bin"
    exit 0
fi
mkdir -p "$dest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download atftpd >/dev/null)
dpkg -x "$work"/atftpd_*.deb "$dest"
echo "$bin"
