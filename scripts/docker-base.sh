#!/bin/sh
# SPDX-License-Identifier: MIT
# Makes a local Debian 12 base image, since this engine has no registry to
# pull debian:bookworm from: debootstrap --variant=minbase into a scratch
# directory, then `docker import`. The apt sources inside are written the way
# the official image keeps them (deb822, /etc/apt/sources.list.d/
# debian.sources: bookworm, bookworm-updates, bookworm-security), pointing at
# the mirror this machine is configured with, so a Dockerfile that works on
# one works on the other. apt inside is configured as in the official image
# too: caches cleaned after every install and update, no translations,
# compressed lists, so a layer that installs packages on this base is no
# larger than on the official one. The image is cached by its tag and
# carries a hash of this script as the label vigil.recipe: an image made by
# another version of the recipe is rebuilt.
# Usage: scripts/docker-base.sh [--rebuild] [TAG]   (vigil-local/debian:bookworm)
set -eu

rebuild=0
if [ "${1:-}" = "--rebuild" ]; then
	rebuild=1
	shift
fi
TAG=${1:-vigil-local/debian:bookworm}

RECIPE=$(sha256sum "$0" | cut -c1-16)
have=$(docker image inspect -f '{{index .Config.Labels "vigil.recipe"}}' \
    "$TAG" 2>/dev/null) || have=
if [ "$rebuild" = 0 ] && [ "$have" = "$RECIPE" ]; then
	echo "docker-base: $TAG is cached"
	exit 0
fi
if [ "$rebuild" = 0 ] && docker image inspect "$TAG" >/dev/null 2>&1; then
	echo "docker-base: $TAG was made by another recipe; rebuilding"
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
# apt and dpkg as the official image sets them up (debuerreotype's
# minimizing configuration): every install and update deletes the .debs and
# the binary caches it leaves in /var/cache/apt, no caches are written at
# all, lists stay compressed and without translations, suggested packages
# do not keep others from autoremoval, and dpkg does not fsync each file.
A=$ROOT/etc/apt/apt.conf.d
clean='"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true";'
cat >"$A/docker-clean" <<EOF
DPkg::Post-Invoke { $clean };
APT::Update::Post-Invoke { $clean };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
echo 'Acquire::Languages "none";' >"$A/docker-no-languages"
printf '%s\n' 'Acquire::GzipIndexes "true";' \
    'Acquire::CompressionTypes::Order:: "gz";' >"$A/docker-gzip-indexes"
echo 'Apt::AutoRemove::SuggestsImportant "false";' \
    >"$A/docker-autoremove-suggests"
echo force-unsafe-io >"$ROOT/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"

# Keep the image small and free of this machine's details, as the official
# image is: no package lists, no cached .debs, no host resolver or name.
rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/*.bin \
    "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/log/*.log
: >"$ROOT/etc/resolv.conf"
echo localhost >"$ROOT/etc/hostname"

tar --numeric-owner -C "$ROOT" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    --change "LABEL vigil.recipe=$RECIPE" \
    --message "debootstrap --variant=minbase bookworm $MIRROR" \
    - "$TAG" >/dev/null
echo "docker-base: $TAG built in $(($(date +%s) - start)) s" \
    "($(docker image inspect -f '{{.Size}}' "$TAG") bytes)"
