#!/usr/bin/env bash
# Stand-in for the upstream python:3.11-slim-bookworm base, which cannot be pulled on this machine:
# Debian bookworm from the mirror apt uses here (debootstrap, minbase), its Python 3.11 as
# /usr/local/bin/python with pip, trusting the machine's CA bundle (pip traffic may pass a TLS proxy).
# Writes a rootfs tarball to the cache once; the caller `docker import`s it (the tag is printed).
#   base-image.sh <cache dir>        prints: <tarball path> <image tag>
# The tag changes with this script, so an edit here rebuilds the base instead of reusing a stale one.
set -euo pipefail
cache="$1"
here="$(cd "$(dirname "$0")" && pwd)"
key="$(sha256sum "$here/base-image.sh" | cut -c1-12)"
tag="dp-standin/python:3.11-bookworm-$key"
tarball="$cache/base-$key.tar"
if [ -s "$tarball" ]; then echo "$tarball $tag"; exit 0; fi

command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2; }
# The mirror apt itself uses here (deb822 sources first, then the classic list).
mirror="$(grep -hsoE '^URIs: *http[^ ]*/debian/?$' /etc/apt/sources.list.d/*.sources | head -1 | sed 's/^URIs: *//')"
[ -n "$mirror" ] || mirror="$(grep -hsoE '^deb +http[^ ]*/debian/? +bookworm' /etc/apt/sources.list | head -1 | awk '{print $2}')"
mirror="${mirror:-http://deb.debian.org/debian}"

root="$(mktemp -d "$cache/rootfs.XXXXXX")"
trap 'rm -rf "$root"' EXIT
echo "debootstrap bookworm from $mirror into $root" >&2
debootstrap --variant=minbase --include=python3,python3-pip,ca-certificates bookworm "$root" "$mirror" >&2
# The image's Python is where the upstream image has it, and pip may install into it (no PEP 668 lock).
ln -sf /usr/bin/python3 "$root/usr/local/bin/python"
ln -sf /usr/bin/pip3 "$root/usr/local/bin/pip"
rm -f "$root"/usr/lib/python3*/EXTERNALLY-MANAGED
# The machine's bundle (with its proxy CA, if any) replaces Debian's; pip and requests read it via env.
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -cf "$tarball.part" .
mv "$tarball.part" "$tarball"
echo "$tarball $tag"
