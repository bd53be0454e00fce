# SPDX-License-Identifier: MIT
# vigil as an image holding one file: build it once, then copy it into any
# image (Debian, Alpine, distroless, scratch):
#
#   docker build -t vigil .
#   # in your own Dockerfile:
#   COPY --from=vigil /vigil /sbin/vigil
#   ENTRYPOINT ["/sbin/vigil", "--"]
#   HEALTHCHECK CMD ["/sbin/vigil", "status"]
#
# The build stage is Debian 12; BASE names the image to build on, for a
# mirror or a locally made Debian 12 (--build-arg BASE=...). The binary is
# static (musl, with libseccomp and libcap built from Debian's own source
# packages by scripts/musl-deps.sh), so the final stage needs nothing else.

ARG BASE=debian:bookworm

FROM ${BASE} AS build
# scripts/musl-deps.sh fetches source packages through deb-src entries it
# derives from the image's own apt sources: deb822
# /etc/apt/sources.list.d/debian.sources (the official image) or a one-line
# /etc/apt/sources.list (plain debootstrap). An image with neither gets the
# standard Debian 12 sources here.
RUN set -eu; \
    if [ ! -s /etc/apt/sources.list.d/debian.sources ] && \
       ! grep -qs '^deb ' /etc/apt/sources.list; then \
        printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' \
            'Suites: bookworm bookworm-updates' 'Components: main' \
            'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' \
            > /etc/apt/sources.list.d/debian.sources; \
    fi; \
    apt-get update -qq; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends build-essential musl-tools gperf dpkg-dev \
        pkg-config ca-certificates libcap-dev libseccomp-dev >/dev/null; \
    rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The musl libraries depend only on the script, so this layer stays cached
# while vigil's own sources change.
COPY scripts/musl-deps.sh scripts/
RUN scripts/musl-deps.sh build/musl
COPY Makefile LICENSE ./
COPY init init/
COPY probes probes/
RUN make -j"$(nproc)" && build/vigil --version

FROM scratch
COPY --from=build /src/build/vigil /vigil
COPY --from=build /src/LICENSE /LICENSE
ENTRYPOINT ["/vigil"]
CMD ["--help"]
