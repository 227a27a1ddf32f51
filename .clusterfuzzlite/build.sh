#!/bin/bash -eu
# .clusterfuzzlite/build.sh - build every fuzz harness the OSS-Fuzz way.
#
# OSS-Fuzz / ClusterFuzzLite run this in $SRC/slab (the Dockerfile's WORKDIR)
# with CC, CFLAGS, LIB_FUZZING_ENGINE and OUT set. Locally (make fuzz-cflite):
#   CC=clang CFLAGS="-fsanitize=address,fuzzer-no-link -g -O1" \
#   LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=build/cflite-out SRC=$PWD \
#   bash .clusterfuzzlite/build.sh
# For each harness fuzz/fuzz_X.c: $OUT/fuzz_X, $OUT/fuzz_X_seed_corpus.zip,
# $OUT/fuzz_X.dict, $OUT/fuzz_X.options.

# run from the project root whichever way the script was started
if [ ! -f fuzz/fuzz_ops.c ]; then
    cd "$(dirname "$0")/.."
fi
mkdir -p "$OUT"

# the library's sources (never src/*.c: slab_unity.c includes the others)
LIB_SRC="src/slab.c src/slab_edge.c src/slab_inspect.c src/heap_pages.c src/page_block.c src/slab_layout.c src/heap_arena.c"

for h in ops layout misuse init; do
    # shellcheck disable=SC2086
    $CC $CFLAGS -std=c99 -D_DEFAULT_SOURCE -Isrc "fuzz/fuzz_$h.c" $LIB_SRC \
        $LIB_FUZZING_ENGINE -o "$OUT/fuzz_$h"
    cp "fuzz/fuzz_$h.dict" "fuzz/fuzz_$h.options" "$OUT/"
    rm -f "$OUT/fuzz_${h}_seed_corpus.zip"
    if command -v zip >/dev/null 2>&1; then
        (cd "fuzz/corpus/$h" && zip -q -j "$OUT/fuzz_${h}_seed_corpus.zip" ./*)
    else
        python3 - "fuzz/corpus/$h" "$OUT/fuzz_${h}_seed_corpus.zip" <<'PY'
import os, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(dst, "w") as z:
    for n in sorted(os.listdir(src)):
        z.write(os.path.join(src, n), n)
PY
    fi
done
