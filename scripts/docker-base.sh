#!/bin/sh
# SPDX-License-Identifier: MIT
# Makes a local Debian 12 base image, since this engine has no registry to
# pull debian:bookworm from: debootstrap --variant=minbase into a scratch
# directory, then `docker import`. The apt sources inside are written the way
# the official image keeps them (deb822, /etc/apt/sources.list.d/
# debian.sources: bookworm, bookworm-updates, bookworm-security), pointing at
# the mirror this machine is configured with, so a Dockerfile that works on
# one works on the other. The image is cached by its tag.
# Usage: scripts/docker-base.sh [--rebuild] [TAG]   (vigil-local/debian:bookworm)
set -eu

rebuild=0
if [ "${1:-}" = "--rebuild" ]; then
	rebuild=1
	shift
fi
TAG=${1:-vigil-local/debian:bookworm}

if [ "$rebuild" = 0 ] && docker image inspect "$TAG" >/dev/null 2>&1; then
	echo "docker-base: $TAG is cached"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "docker-base: debootstrap needs root" >&2
	exit 1
fi
if ! command -v debootstrap >/dev/null 2>&1; then
	echo "docker-base: installing debootstrap"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends debootstrap >/dev/null
fi

# The mirror: the first URI of the machine's deb822 sources that is not the
# security archive; the security URI likewise. Fall back to deb.debian.org.
MIRROR=http://deb.debian.org/debian
SECURITY=http://deb.debian.org/debian-security
SRC=/etc/apt/sources.list.d/debian.sources
if [ -f "$SRC" ]; then
	m=$(sed -n 's/^URIs:[[:space:]]*//p' "$SRC" | tr ' ' '\n' |
	    grep -v -e '-security' -e '^$' | head -n 1)
	s=$(sed -n 's/^URIs:[[:space:]]*//p' "$SRC" | tr ' ' '\n' |
	    grep -e '-security' | head -n 1)
	[ -n "$m" ] && MIRROR=$m
	[ -n "$s" ] && SECURITY=$s
elif [ -f /etc/apt/sources.list ]; then
	m=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' \
	    /etc/apt/sources.list)
	[ -n "$m" ] && MIRROR=$m
fi

ROOT=$(mktemp -d /var/tmp/vigil-debootstrap.XXXXXX)
cleanup() {
	# debootstrap mounts /proc and /sys inside the target while it works;
	# a failed run can leave them there, and rm must not walk into them.
	for m in proc sys dev/pts dev; do
		mountpoint -q "$ROOT/$m" 2>/dev/null && umount -l "$ROOT/$m"
	done
	rm -rf --one-file-system "$ROOT"
}
trap cleanup EXIT INT TERM

start=$(date +%s)
echo "docker-base: debootstrap bookworm from $MIRROR (takes a few minutes)"
if ! debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" \
    >"$ROOT.log" 2>&1; then
	tail -n 30 "$ROOT.log" >&2
	rm -f "$ROOT.log"
	echo "docker-base: debootstrap failed" >&2
	exit 1
fi
rm -f "$ROOT.log"

rm -f "$ROOT/etc/apt/sources.list"
cat >"$ROOT/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
# Keep the image small and free of this machine's details, as the official
# image is: no package lists, no cached .debs, no host resolver or name.
rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/*.bin \
    "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/log/*.log
: >"$ROOT/etc/resolv.conf"
echo localhost >"$ROOT/etc/hostname"

tar --numeric-owner -C "$ROOT" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    --message "debootstrap --variant=minbase bookworm $MIRROR" \
    - "$TAG" >/dev/null
echo "docker-base: $TAG built in $(($(date +%s) - start)) s" \
    "($(docker image inspect -f '{{.Size}}' "$TAG") bytes)"
