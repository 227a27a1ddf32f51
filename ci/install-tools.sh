#!/usr/bin/env bash
# ci/install-tools.sh - install the tools the Makefile needs, only if missing.
#
#   ci/install-tools.sh                 every default group (build test prove
#                                       fuzz cross bench)
#   ci/install-tools.sh build test      only these groups
#   ci/install-tools.sh m32             32-bit cmocka for the -m32 tests
#                                       (adds dpkg architecture i386)
#   ci/install-tools.sh --list          print the groups and their packages
#
# Debian bookworm (apt). Runs as root, or through sudo when not root.
# Idempotent and quiet: when everything is present it asks dpkg once and
# prints nothing. apt-get update runs at most once, and only when something
# has to be installed. Packages marked '?' are optional: they are installed
# when the archive has them and skipped quietly when it does not.
set -euo pipefail

# ---- groups ----------------------------------------------------------------
# build: compile the library and the host programs
G_build="build-essential gcc clang make pkg-config"
# test: unit tests (cmocka), -m32 build, sanitizers' runtime, valgrind,
#       static analysis, coverage (gcov via gcovr, llvm-cov/llvm-profdata)
G_test="gcc-multilib libcmocka-dev libclang-rt-14-dev valgrind cppcheck gcovr llvm python3"
# prove: Frama-C WP with the Why3 back end and its SMT provers
G_prove="frama-c-base why3 z3 cvc4"
# fuzz: libFuzzer (clang) and AFL++, coverage of the corpus; the i386 C++
#       runtime that clang -m32 -fsanitize=fuzzer links (make fuzz-m32)
G_fuzz="clang libfuzzer-14-dev libclang-rt-14-dev llvm afl++ gcc-multilib lib32stdc++-12-dev"
# cross: Cortex-M build and run under QEMU; RISC-V compiler when the archive
#        has it (qemu-system-misc holds qemu-system-riscv32/64)
G_cross="gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm qemu-system-misc gcc-riscv64-unknown-elf?"
# bench: allocators to compare against, and the plotting/report tools
G_bench="libjemalloc-dev libmimalloc-dev libgoogle-perftools-dev pkg-config python3 gnuplot-nox?"
# m32 (not in the default set): cmocka for i386, so the -m32 unit tests link
G_m32="gcc-multilib libcmocka-dev:i386"

DEFAULT_GROUPS="build test prove fuzz cross bench"
ALL_GROUPS="$DEFAULT_GROUPS m32"

say() { printf 'install-tools: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
    sed -n '2,16s/^# \{0,1\}//p' "$0"
}

# ---- arguments ---------------------------------------------------------------
groups=()
for arg in "$@"; do
    case "$arg" in
        -h|--help) usage; exit 0 ;;
        --list)
            for g in $ALL_GROUPS; do
                v="G_$g"; printf '%-6s %s\n' "$g" "${!v}"
            done
            exit 0 ;;
        all) groups+=($DEFAULT_GROUPS) ;;
        build|test|prove|fuzz|cross|bench|m32) groups+=("$arg") ;;
        *) die "unknown group '$arg' (groups: $ALL_GROUPS all)" ;;
    esac
done
[ "${#groups[@]}" -gt 0 ] || groups=($DEFAULT_GROUPS)

want_m32=0
want_prove=0
required=()
optional=()
declare -A seen=()
for g in "${groups[@]}"; do
    [ "$g" = m32 ] && want_m32=1
    [ "$g" = prove ] && want_prove=1
    v="G_$g"
    for p in ${!v}; do
        [ -z "${seen[$p]:-}" ] || continue
        seen[$p]=1
        case "$p" in
            *\?) optional+=("${p%\?}") ;;
            *) required+=("$p") ;;
        esac
    done
done

# ---- what is missing (one dpkg-query for everything) -------------------------
native_arch=$(dpkg --print-architecture 2>/dev/null || echo unknown)
declare -A have=()
if command -v dpkg-query >/dev/null 2>&1; then
    names=()
    for p in "${required[@]}" "${optional[@]}"; do names+=("${p%%:*}"); done
    while read -r st pkg arch; do
        [ "$st" = ii ] || continue
        if [ "$arch" = "$native_arch" ] || [ "$arch" = all ]; then
            have[$pkg]=1
        fi
        have[$pkg:$arch]=1
    done < <(dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Architecture}\n' \
                 "${names[@]}" 2>/dev/null || true)
fi

missing_req=()
for p in "${required[@]}"; do [ -n "${have[$p]:-}" ] || missing_req+=("$p"); done
missing_opt=()
for p in "${optional[@]}"; do [ -n "${have[$p]:-}" ] || missing_opt+=("$p"); done

need_arch=0
if [ "$want_m32" = 1 ] && command -v dpkg >/dev/null 2>&1 &&
   ! dpkg --print-foreign-architectures | grep -qx i386; then
    need_arch=1
fi

# ---- install ---------------------------------------------------------------
SUDO=()
as_root() { "${SUDO[@]}" "$@"; }

installed_now=()
log=""
cleanup() { [ -z "$log" ] || rm -f "$log"; }
trap cleanup EXIT

# a package has a candidate in the current apt lists
has_candidate() {
    local c
    c=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
    [ -n "$c" ] && [ "$c" != "(none)" ]
}

# apt lists present at all (a fresh container has none)
have_lists() {
    compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null
}

updated=0
apt_update() {
    [ "$updated" = 0 ] || return 0
    updated=1
    # A partial failure (one mirror index out of sync, say) still leaves the
    # other lists fresh: go on and let apt-get install decide.
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
            >"$log" 2>&1; then
        have_lists || { tail -n 20 "$log" >&2; die "apt-get update failed"; }
        say "warning: apt-get update reported errors; using the lists it has:"
        grep -E '^(E|W):' "$log" | head -n 3 | sed 's/^/    /' >&2 || true
    fi
}

apt_install() {
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "$@" >"$log" 2>&1
}

if [ "${#missing_req[@]}" -gt 0 ] || [ "${#missing_opt[@]}" -gt 0 ] ||
   [ "$need_arch" = 1 ]; then
    command -v apt-get >/dev/null 2>&1 ||
        die "no apt-get here; install by hand: ${missing_req[*]} ${missing_opt[*]}"
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null 2>&1 ||
            die "not root and no sudo; missing: ${missing_req[*]} ${missing_opt[*]}"
        SUDO=(sudo)
    fi
    log=$(mktemp)

    # Optional packages alone: skip them without an apt-get update when the
    # current lists already say the archive does not have them.
    if [ "${#missing_req[@]}" -eq 0 ] && [ "$need_arch" = 0 ] && have_lists; then
        keep=()
        for p in "${missing_opt[@]}"; do
            if has_candidate "$p"; then keep+=("$p"); fi
        done
        missing_opt=("${keep[@]+"${keep[@]}"}")
    fi

    if [ "$need_arch" = 1 ]; then
        as_root dpkg --add-architecture i386
    fi

    if [ "${#missing_req[@]}" -gt 0 ] || [ "${#missing_opt[@]}" -gt 0 ]; then
        start=$SECONDS
        apt_update
        opt_ok=()
        for p in "${missing_opt[@]+"${missing_opt[@]}"}"; do
            if has_candidate "$p"; then opt_ok+=("$p"); fi
        done
        todo=("${missing_req[@]+"${missing_req[@]}"}" "${opt_ok[@]+"${opt_ok[@]}"}")
        if [ "${#todo[@]}" -gt 0 ]; then
            say "installing ${todo[*]}"
            if apt_install "${todo[@]}"; then
                installed_now=("${todo[@]}")
            elif [ "${#opt_ok[@]}" -gt 0 ] && [ "${#missing_req[@]}" -gt 0 ] &&
                 apt_install "${missing_req[@]}"; then
                installed_now=("${missing_req[@]}")
                say "skipped optional ${opt_ok[*]} (install failed)"
            elif [ "${#missing_req[@]}" -eq 0 ]; then
                say "skipped optional ${opt_ok[*]} (install failed)"
            else
                tail -n 20 "$log" >&2
                die "apt-get install failed"
            fi
            say "done in $((SECONDS - start)) s"
        fi
    fi
fi

# ---- Why3 prover configuration ---------------------------------------------
# Run 'why3 config detect' after a prover or why3 was installed, or when the
# configuration is missing or does not know Z3 although z3 is installed.
if [ "$want_prove" = 1 ] && command -v why3 >/dev/null 2>&1; then
    conf="${HOME:-/root}/.why3.conf"
    detect=0
    for p in "${installed_now[@]+"${installed_now[@]}"}"; do
        case "$p" in why3|z3|cvc4|cvc5|alt-ergo|frama-c-base) detect=1 ;; esac
    done
    [ -f "$conf" ] || detect=1
    if command -v z3 >/dev/null 2>&1 && [ -f "$conf" ] &&
       ! grep -q 'Z3' "$conf"; then
        detect=1
    fi
    if [ "$detect" = 1 ]; then
        why3 config detect >/dev/null 2>&1 || say "warning: why3 config detect failed"
    fi
fi

exit 0
