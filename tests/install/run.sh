#!/usr/bin/env bash
# tests/install/run.sh - install the library into temporary directories and
# use it the way a user would (make check-install).
#
#   1. make install DESTDIR=<tmp>/stage PREFIX=/opt/slab-test: the files land
#      under the staging directory only, slab.pc names /opt/slab-test, the
#      shared library has the soname libslab.so.<major> and exports only the
#      functions declared in slab.h; hello.c builds against the staged tree
#      (PKG_CONFIG_SYSROOT_DIR) and runs.
#   2. make install PREFIX=<tmp>/prefix: hello.c is built with
#      `pkg-config --cflags --libs slab` (PKG_CONFIG_PATH into the prefix),
#      linked statically and dynamically, and both run (LD_LIBRARY_PATH for
#      the shared one); the version pkg-config reports is the header's.
#   3. make uninstall for both leaves no file behind.
#
# One line per check (ok / FAIL), then "N passed, N failed". Exit status 0
# only if nothing failed.
set -u
cd "$(dirname "$0")/../.."

# The top Makefile includes audit/audit.mk; until it does, name it here.
MAKE_CMD=(${MAKE:-make} --no-print-directory -s)
if ! grep -q 'audit/audit.mk' Makefile; then
    MAKE_CMD+=(-f Makefile -f audit/audit.mk)
fi
CC=${CC:-cc}
CFLAGS_HELLO=(-std=c99 -Wall -Wextra -Wpedantic -Werror -O1)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/slab-install.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); printf 'ok   %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$*"; }
# check DESCRIPTION COMMAND...: ok if the command succeeds (output kept in a
# log shown on failure).
check() {
    local what=$1; shift
    if "$@" >"$WORK/log" 2>&1; then
        ok "$what"
    else
        fail "$what"
        sed 's/^/     /' "$WORK/log" | tail -n 20
    fi
}

version=$(sed -n 's/^#define SLAB_VERSION_STRING "\(.*\)"/\1/p' src/slab.h)
major=${version%%.*}
sofile=libslab.so.$version
soname=libslab.so.$major
exported=$(sed -n 's/^[a-z][^(]*[ *]\(slab_[a-z_]*\)(.*/\1/p' src/slab.h | sort)

# The files an install must create, under prefix $1 (relative paths).
expected_files() {
    printf "$1%s\\n" include/slab.h include/slab_config.h lib/libslab.a \
        "lib/$sofile" "lib/$soname" lib/libslab.so lib/pkgconfig/slab.pc | sort
}
files_under() { (cd "$1" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort); }

# ---- 1. staged install (DESTDIR) ----------------------------------------------
stage=$WORK/stage
sprefix=/opt/slab-test
check "make install DESTDIR=... PREFIX=$sprefix" \
    "${MAKE_CMD[@]}" install DESTDIR="$stage" PREFIX="$sprefix"
check "staged install: exactly the expected files, all under DESTDIR$sprefix" \
    diff <(expected_files "${sprefix#/}/") <(files_under "$stage")
if [ "$(files_under "$stage" | wc -l)" -gt 0 ] && [ -d "$stage$sprefix" ]; then
    check "soname symlinks: libslab.so -> $soname -> $sofile" \
        test "$(readlink "$stage$sprefix/lib/libslab.so")" = "$soname" -a \
             "$(readlink "$stage$sprefix/lib/$soname")" = "$sofile"
    check "SONAME of $sofile is $soname" \
        sh -c "readelf -d '$stage$sprefix/lib/$sofile' | grep -q 'SONAME.*\\[$soname\\]'"
    check "shared library exports exactly the functions of slab.h" \
        diff <(echo "$exported") \
             <(nm -D --defined-only "$stage$sprefix/lib/$sofile" | awk '$2 == "T" || $2 == "D" || $2 == "R" {print $3}' | sort)
    check "slab.pc: prefix=$sprefix, version $version" \
        sh -c "grep -qx 'prefix=$sprefix' '$stage$sprefix/lib/pkgconfig/slab.pc' &&
               grep -qx 'Version: $version' '$stage$sprefix/lib/pkgconfig/slab.pc'"
    check "hello (shared) built against the staged tree (PKG_CONFIG_SYSROOT_DIR) runs" \
        sh -c "export PKG_CONFIG_SYSROOT_DIR='$stage' PKG_CONFIG_LIBDIR='$stage$sprefix/lib/pkgconfig';
               $CC ${CFLAGS_HELLO[*]} tests/install/hello.c \$(pkg-config --cflags --libs slab) -o '$WORK/hello-staged' &&
               LD_LIBRARY_PATH='$stage$sprefix/lib' '$WORK/hello-staged'"
fi
check "make uninstall DESTDIR=... PREFIX=$sprefix" \
    "${MAKE_CMD[@]}" uninstall DESTDIR="$stage" PREFIX="$sprefix"
check "staged uninstall leaves no file" test -z "$(files_under "$stage")"

# ---- 2. install into a prefix, use it through pkg-config ------------------------
prefix=$WORK/prefix
check "make install PREFIX=<tmp>/prefix" "${MAKE_CMD[@]}" install PREFIX="$prefix"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
check "pkg-config --modversion slab = $version (SLAB_VERSION_STRING)" \
    test "$(pkg-config --modversion slab 2>&1)" = "$version"
cflags=$(pkg-config --cflags slab 2>/dev/null)
libs=$(pkg-config --libs slab 2>/dev/null)
echo "     pkg-config --cflags --libs slab: $cflags $libs"

# static: the archive, even though the shared library sits next to it
check "hello, static: builds with pkg-config (-Wl,-Bstatic)" \
    $CC "${CFLAGS_HELLO[@]}" tests/install/hello.c $cflags -Wl,-Bstatic $libs -Wl,-Bdynamic \
        -o "$WORK/hello-static"
check "hello, static: does not need libslab.so" \
    sh -c "! ldd '$WORK/hello-static' | grep -q libslab"
check "hello, static: runs" \
    sh -c "'$WORK/hello-static' >'$WORK/out-static' && grep -q 'alloc/free ok' '$WORK/out-static'"
sed 's/^/     /' "$WORK/out-static" 2>/dev/null

# shared
check "hello, shared: builds with pkg-config" \
    $CC "${CFLAGS_HELLO[@]}" tests/install/hello.c $cflags $libs -o "$WORK/hello-shared"
check "hello, shared: loads $soname from the prefix (LD_LIBRARY_PATH)" \
    sh -c "LD_LIBRARY_PATH='$prefix/lib' ldd '$WORK/hello-shared' | grep -q '$soname => $prefix/lib/$soname'"
check "hello, shared: runs" \
    sh -c "LD_LIBRARY_PATH='$prefix/lib' '$WORK/hello-shared' >'$WORK/out-shared' &&
           grep -q 'alloc/free ok' '$WORK/out-shared'"
sed 's/^/     /' "$WORK/out-shared" 2>/dev/null

# ---- 3. uninstall ----------------------------------------------------------------
check "make uninstall PREFIX=<tmp>/prefix" "${MAKE_CMD[@]}" uninstall PREFIX="$prefix"
check "uninstall leaves no file" test -z "$(files_under "$prefix")"

printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
