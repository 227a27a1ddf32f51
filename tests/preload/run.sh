#!/usr/bin/env bash
# tests/preload/run.sh [LIB] - real, unmodified programs under the slab malloc.
#
# Each case runs twice in a fresh directory (the same path both times):
# once as it is, once with LD_PRELOAD=LIB (default build/libslabmalloc.so).
# It passes when
#   - stdout and the exit status are the same byte for byte,
#   - the preload was really in use: every process that exits through exit()
#     appends a line of heap statistics to a file (SLAB_MALLOC_STATS=/path),
#     and at least one of them shows the heap handed out memory,
#   - no process freed a block twice or an interior pointer (refused frees
#     of foreign pointers are allowed and shown).
# Then refused frees (foreign, interior, double: reported, the program runs
# on) and out of memory: with a small arena (SLAB_MALLOC_ARENA), failures
# must look like malloc's (MemoryError, NULL + ENOMEM, sort backing off to
# smaller buffers), never a crash.
#
# One line per case (ok / FAIL / skip), then "N passed, N failed".
# Exit status 0 only if nothing failed. Takes well under two minutes.
set -u
cd "$(dirname "$0")/../.."

LIB=${1:-build/libslabmalloc.so}
[ -f "$LIB" ] || { echo "no $LIB (make preload)"; echo "0 passed, 1 failed"; exit 1; }
LIB=$(cd "$(dirname "$LIB")" && pwd)/$(basename "$LIB")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/slab-preload.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
RUN="$WORK/run"              # the directory every case runs in
TIMEOUT=${PRELOAD_TIMEOUT:-60}
passed=0
failed=0
skipped=0

# The system python if there is one (a pyenv shim is a script; fine too).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || true)
export PY

have() { [ -n "$1" ] && command -v "$1" >/dev/null 2>&1; }

# Deterministic git: fixed identity and dates, no user or system config.
export GIT_AUTHOR_NAME=slab GIT_AUTHOR_EMAIL=slab@example.org
export GIT_COMMITTER_NAME=slab GIT_COMMITTER_EMAIL=slab@example.org
export GIT_AUTHOR_DATE='2024-01-01T00:00:00Z' GIT_COMMITTER_DATE='2024-01-01T00:00:00Z'
export GIT_CONFIG_NOSYSTEM=1 HOME="$WORK/home" LC_ALL=C TZ=UTC
mkdir -p "$HOME"

# ---- the cases: each prints what it computed on stdout ------------------------

case_python3() {
    cat >prog.py <<'EOF'
import hashlib, json, threading, collections
d = {f"key{i}": [i, str(i) * 3, {"sq": i * i}] for i in range(100000)}
words = sorted((v[1] for v in d.values()), key=lambda s: (len(s), s[::-1]))
text = " ".join(words)
print(len(d), len(words), len(text), hashlib.sha256(text.encode()).hexdigest())
c = collections.Counter(ch for w in words[:20000] for ch in w)
print(sorted(c.items())[:5])
blob = json.dumps(d, sort_keys=True)
print(len(blob), hashlib.md5(blob.encode()).hexdigest())
big = bytearray(30 * 1024 * 1024)        # calloc'd: must read as zero
big[::4096] = b"\x01" * len(big[::4096])
print(sum(big), len(bytes(big).rstrip(b"\0")))
out = [None] * 4
def work(k):                             # four threads allocating at once
    acc = []
    for i in range(60000):
        acc.append(("t%d-%d" % (k, i)) * (i % 7 + 1))
    out[k] = hashlib.sha1("".join(acc).encode()).hexdigest()
ts = [threading.Thread(target=work, args=(k,)) for k in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
print(out)
EOF
    "$PY" prog.py
}

case_perl() {
    perl -MDigest::MD5=md5_hex -e '
        my %h; $h{"k$_"} = [$_, "v" x ($_ % 50)] for 1..150000;
        my @k = sort { $h{$a}[0] % 997 <=> $h{$b}[0] % 997 or $a cmp $b } keys %h;
        my $s = join ",", map { "$_=" . length($h{$_}[1]) } @k;
        (my $t = $s) =~ s/k(\d+)=/K$1:/g;
        print scalar(@k), " ", length($s), " ", md5_hex($t), "\n";
        my @m = ($s =~ /K?(\d{5})=/g); print scalar(@m), "\n";'
}

case_gcc() {
    cat >prog.c <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
struct node { struct node *next; char name[24]; };
static int cmp(const void *a, const void *b) { return strcmp(a, b); }
int main(void)
{
    struct node *head = NULL;
    char (*names)[24] = calloc(5000, sizeof *names);
    unsigned long sum = 0;
    for (int i = 0; i < 5000; i++) {
        struct node *n = malloc(sizeof *n);
        snprintf(n->name, sizeof n->name, "n%07d", (i * 7919) % 5000);
        n->next = head;
        head = n;
    }
    int k = 0;
    for (struct node *n = head; n != NULL; n = n->next) strcpy(names[k++], n->name);
    qsort(names, 5000, sizeof *names, cmp);
    for (int i = 0; i < 5000; i++) sum = sum * 31 + (unsigned char)names[i][7];
    printf("%s %s %lu\n", names[0], names[4999], sum);
    return 0;
}
EOF
    gcc -std=c99 -O2 -Wall -Wextra -c prog.c -o prog.o || return 1
    sha256sum prog.o                      # the object must be the same
    gcc prog.o -o prog || return 1
    ./prog
}

case_text_tools() {
    awk 'BEGIN { srand(42); for (i = 0; i < 300000; i++)
                 printf "%s%d %d %s\n", (i % 3 ? "b" : "a"), int(rand() * 1e6), i % 1000, substr("xyzzy", 1 + i % 5) }' >data.txt
    sort --parallel=4 -S 8M -k2,2n -k1,1 data.txt >sorted.txt
    sed -E 's/^([ab])([0-9]+) ([0-9]+)/\3:\1:\2/; /zz/d' sorted.txt >edited.txt
    sort -t: -k1,1n -s edited.txt | uniq -c -w 4 | awk '{ n += $1 } END { print NR, n }'
    md5sum data.txt sorted.txt edited.txt
    tr 'a-z' 'A-Z' <edited.txt | cut -d: -f2 | sort | uniq -c
}

case_git() {
    git init -q -b main repo && cd repo || return 1
    for i in $(seq 1 30); do
        seq "$i" $((i * 500)) >"file$((i % 7)).txt"
        printf 'line %s\n' "$i" >>notes.md
        git add -A && git commit -q -m "commit $i" || return 1
    done
    git log --stat --format='%H %s' | head -n 40
    git -c pack.threads=4 repack -a -d -q && git -c pack.threads=4 gc -q
    git fsck --no-progress --strict 2>&1
    git rev-list --all --objects | sort | sha256sum
    git diff HEAD~10 --stat | tail -n 1
    git hash-object notes.md
    git grep -c '^1..$' HEAD~5 | head -n 3
}

case_sqlite3() {
    sqlite3 db.sqlite <<'EOF'
CREATE TABLE t(id INTEGER PRIMARY KEY, grp INT, name TEXT, val REAL);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 60000)
INSERT INTO t SELECT x, x % 97, 'name' || (x * 7919 % 60000), x * 0.5 FROM c;
CREATE INDEX t_name ON t(name);
SELECT grp, count(*), sum(val), min(name), max(name) FROM t GROUP BY grp ORDER BY grp LIMIT 5;
SELECT count(DISTINCT name), group_concat(id, '') LIKE '%999%' FROM t;
SELECT name FROM t WHERE name > 'name5999' ORDER BY name LIMIT 3;
UPDATE t SET name = upper(name) || name WHERE id % 3 = 0;
SELECT length(group_concat(name)) FROM (SELECT name FROM t ORDER BY name);
PRAGMA integrity_check;
EOF
}

case_tclsh() {
    tclsh <<'EOF'
set d [dict create]
for {set i 0} {$i < 80000} {incr i} { dict set d k$i [string repeat [expr {$i % 10}] [expr {$i % 13}]] }
set l [lsort -dictionary [dict keys $d]]
set s [join [lmap k [lrange $l 0 20000] {dict get $d $k}] ""]
puts "[dict size $d] [llength $l] [string length $s] [lindex $l end]"
puts [string length [string map {1 one 2 two} $s]]
array set a {}
foreach k $l { lappend a([expr {[string length [dict get $d $k]] % 5}]) $k }
foreach n [lsort [array names a]] { puts "$n [llength $a($n)]" }
EOF
}

case_compress() {
    seq 1 400000 | awk '{ print $1 * 7 % 1000003, "row", $1 % 17 }' >data
    gzip -9 -n -c data >data.gz && gzip -dc data.gz | cmp - data && echo gzip round trip ok
    xz -T2 -6 -c data >data.xz && xz -T2 -dc data.xz | cmp - data && echo xz round trip ok
    sha256sum data data.gz data.xz
    tar -cf - --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner data data.gz | sha256sum
}

case_find_ls() {
    for d in a b c; do for e in x y; do
        mkdir -p "tree/$d/$e/deep"
        for f in 1 2 3; do printf '%*s' $((f * 100)) "" >"tree/$d/$e/f$f.c"; done
        : >"tree/$d/$e/deep/empty.h"
    done; done
    find tree -name '*.c' -size +150c -printf '%s %p\n' | sort
    find tree -type d | sort | wc -l
    ls -R tree | head -n 20
    ls -1 tree/a/x tree/b/y
}

case_bash() {
    cat >script.sh <<'EOF'
declare -A count
words=()
for ((i = 0; i < 20000; i++)); do
    w="w$((i * 7 % 1013))"
    words+=("$w")
    count[$w]=$(( ${count[$w]:-0} + 1 ))
done
echo "${#words[@]} ${#count[@]}"
s=$(printf '%s,' "${words[@]:0:3000}")
s=${s//w1/W1}
echo "${#s} ${s:0:40}"
for k in $(printf '%s\n' "${!count[@]}" | sort | head -n 5); do echo "$k ${count[$k]}"; done
f() { local x=$1; [ "$x" -le 1 ] && echo 1 || echo $(( x * $(f $((x - 1))) )); }
f 15
sub=$( (for i in {1..200}; do echo "$i"; done) | tail -n 1 )
echo "$sub"
EOF
    bash script.sh
}

case_jq() {
    jq -n '[range(0; 30000) | {k: ., v: (. * 3 | tostring), t: [range(0; . % 5)]}]
           | (map(select(.k % 7 == 0)) | length),
             (group_by(.k % 11) | map(length)),
             (sort_by(.v) | .[0:3] | map(.v)),
             (map(.t | length) | add),
             (tostring | length)'
}

case_make() {
    cat >Makefile <<'EOF'
N := $(shell seq 1 40)
OUT := $(foreach n,$(N),out/$(n).txt)
all: total.txt
	@cat total.txt
out/%.txt: | out
	@seq 1 $$(( $* * 50 )) | awk '{ s += $$1 } END { print "$*", s }' >$@
out:
	@mkdir -p $@
total.txt: $(OUT)
	@sort -n $^ | awk '{ t += $$2 } END { print NR, t }' >$@
	@$(MAKE) -s -f Makefile show
show:
	@echo sub-make $(words $(N)) $(firstword $(sort $(N)))
.PHONY: all show
EOF
    make -s -j4
}

case_node() {
    node -e '
        const a = [];
        for (let i = 0; i < 200000; i++) a.push({ i, s: "x" + i });
        const m = new Map(a.map(o => [o.s, o.i]));
        const j = JSON.stringify(a);
        console.log(a.length, m.size, j.length, require("crypto").createHash("sha1").update(j).digest("hex"));'
}

# ---- the runner --------------------------------------------------------------

# awk prologue: v["peak"], v["foreign"], ... from a line of statistics
# ("slab_malloc: stats pid P arena A live L peak K blocks B oom O foreign F
# double D interior I").
FIELDS='{ delete v; for (i = 3; i < NF; i += 2) v[$i] = $(i + 1) }'

fresh_run_dir() { rm -rf "$RUN" && mkdir -p "$RUN"; }

# run_case NAME PROGRAM: compare case_NAME without and with the preload.
run_case() {
    local name=$1 prog=$2 plain_rc pre_rc stats="$WORK/stats-$1.log" why="" t0 t1 t2
    if ! have "$prog"; then
        printf 'skip %-12s (%s not installed)\n' "$name" "$prog"
        skipped=$((skipped + 1))
        return
    fi
    fresh_run_dir
    t0=$(date +%s%N)
    (cd "$RUN" && timeout "$TIMEOUT" bash -c "$(declare -f "case_$name"); case_$name") \
        >"$WORK/$name.plain" 2>"$WORK/$name.plain.err" </dev/null
    plain_rc=$?
    fresh_run_dir
    rm -f "$stats"
    t1=$(date +%s%N)
    (cd "$RUN" && export LD_PRELOAD="$LIB" SLAB_MALLOC_STATS="$stats" &&
        timeout "$TIMEOUT" bash -c "$(declare -f "case_$name"); case_$name") \
        >"$WORK/$name.pre" 2>"$WORK/$name.pre.err" </dev/null
    pre_rc=$?
    t2=$(date +%s%N)

    if [ "$plain_rc" -ne 0 ]; then
        why="fails without the preload too (status $plain_rc)"
    elif [ "$pre_rc" -ne "$plain_rc" ]; then
        why="status $pre_rc with the preload, $plain_rc without"
    elif ! cmp -s "$WORK/$name.plain" "$WORK/$name.pre"; then
        why="stdout differs"
    elif [ ! -s "$stats" ]; then
        why="no statistics line: the preload was not in use"
    elif ! awk "$FIELDS"' v["peak"] > 0 { ok = 1 } END { exit !ok }' "$stats"; then
        why="the slab heap handed out no memory"
    elif awk "$FIELDS"' v["double"] + v["interior"] > 0 { bad = 1 } END { exit !bad }' "$stats"; then
        why="double or interior frees"
    fi
    if [ -z "$why" ]; then
        passed=$((passed + 1))
        awk -v name="$name" -v bytes="$(wc -c <"$WORK/$name.pre")" \
            -v plain=$(( (t1 - t0) / 1000000 )) -v pre=$(( (t2 - t1) / 1000000 )) "$FIELDS"'
            { n++; if (v["peak"] > peak) peak = v["peak"]; foreign += v["foreign"] }
            END { printf "ok   %-12s %d B of stdout equal; %d processes, top peak %.1f MiB, %d foreign frees; %.2f s (plain %.2f s)\n",
                  name, bytes, n, peak / 1048576, foreign, pre / 1000, plain / 1000 }' "$stats"
    else
        failed=$((failed + 1))
        printf 'FAIL %-12s %s\n' "$name" "$why"
        diff "$WORK/$name.plain" "$WORK/$name.pre" | head -n 10 | sed 's/^/       /'
        tail -n 5 "$WORK/$name.pre.err" | sed 's/^/       stderr: /'
    fi
}

# expect NAME DESCRIPTION COMMAND...: a pass/fail check of its own.
expect() {
    local name=$1 what=$2; shift 2
    if "$@"; then
        passed=$((passed + 1))
        printf 'ok   %-12s %s\n' "$name" "$what"
    else
        failed=$((failed + 1))
        printf 'FAIL %-12s %s\n' "$name" "$what"
    fi
}

start=$(date +%s)
run_case python3 "$PY"
run_case perl perl
run_case gcc gcc
run_case text_tools sort
run_case git git
run_case sqlite3 sqlite3
run_case tclsh tclsh
run_case compress xz
run_case find_ls find
run_case bash bash
run_case jq jq
run_case make make
run_case node node

# ---- out of memory: like malloc, never a crash ---------------------------------

# python: a list that cannot fit an 8 MiB arena is a MemoryError.
oom_python() {
    local out
    out=$(cd "$WORK" && SLAB_MALLOC_ARENA=8M LD_PRELOAD="$LIB" timeout "$TIMEOUT" "$PY" -c '
try:
    x = [0] * (10 ** 8)
    print("no error")
except MemoryError:
    print("MemoryError")
y = [str(i) for i in range(10000)]      # and it goes on working
print(len(y))' 2>"$WORK/oom-python.err")
    [ "$?" -eq 0 ] && [ "$out" = "$(printf 'MemoryError\n10000')" ]
}

# A C program built here: malloc until NULL, errno ENOMEM, then recovery.
oom_c() {
    cat >"$WORK/oom.c" <<'EOF'
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void)
{
    void *blocks[100000];
    size_t n = 0;
    errno = 0;
    while (n < 100000 && (blocks[n] = malloc(1000 + n % 5000)) != NULL) {
        memset(blocks[n], 0x5a, 1000);
        n++;
    }
    if (n == 0 || n == 100000 || errno != ENOMEM) { printf("bad: %zu %d\n", n, errno); return 1; }
    volatile size_t half = SIZE_MAX / 2;
    errno = 0;
    if (calloc(half, 4) != NULL || errno != ENOMEM) { puts("bad calloc"); return 1; }
    while (n > 0) free(blocks[--n]);
    void *p = malloc(4 << 20);
    if (p == NULL) { puts("no recovery"); return 1; }
    free(p);
    puts("NULL and ENOMEM, then recovered");
    return 0;
}
EOF
    cc -O1 -o "$WORK/oom" "$WORK/oom.c" || return 1
    [ "$(SLAB_MALLOC_ARENA=8M LD_PRELOAD="$LIB" "$WORK/oom")" = "NULL and ENOMEM, then recovered" ]
}

# sort with an arena too small for the buffer it asks for: its mallocs
# fail (ENOMEM), it backs off to smaller buffers and temporary files, and
# the output is still right.
oom_sort() {
    local rc stats="$WORK/stats-oom-sort.log"
    seq 1 300000 >"$WORK/big.txt"
    sort "$WORK/big.txt" >"$WORK/big.plain"
    SLAB_MALLOC_STATS=$stats SLAB_MALLOC_ARENA=1M LD_PRELOAD="$LIB" \
        timeout "$TIMEOUT" sort -S 100M -T "$WORK" "$WORK/big.txt" >"$WORK/big.pre" 2>"$WORK/oom-sort.err"
    rc=$?
    [ "$rc" -eq 0 ] || { echo "sort: status $rc"; cat "$WORK/oom-sort.err"; return 1; }
    cmp -s "$WORK/big.plain" "$WORK/big.pre" || { echo "sort: output differs"; return 1; }
    awk "$FIELDS"' v["oom"] > 0 { hit = 1 } END { exit !hit }' "$stats" ||
        { echo "sort: never ran out of memory"; return 1; }
}

# Refused frees: a pointer the heap never handed out, one inside a block,
# a block freed twice. glibc would abort; the slab heap refuses, counts
# and (SLAB_MALLOC_VERBOSE) reports each in one line, and the program runs on.
bad_frees() {
    local out
    cat >"$WORK/badfree.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
static char not_heap[64];
int main(void)
{
    char *volatile p = malloc(100);
    void *volatile q = not_heap;
    free(q);
    free(p + 16);
    free(p);
    free(p);
    p = malloc(100);
    puts(p != NULL ? "still running" : "no memory");
    return 0;
}
EOF
    cc -O1 -fno-builtin -o "$WORK/badfree" "$WORK/badfree.c" 2>/dev/null || return 1
    out=$(SLAB_MALLOC_VERBOSE=1 LD_PRELOAD="$LIB" "$WORK/badfree" 2>"$WORK/badfree.err") || return 1
    [ "$out" = "still running" ] &&
        [ "$(grep -c 'refused: foreign pointer' "$WORK/badfree.err")" -eq 1 ] &&
        [ "$(grep -c 'refused: interior pointer' "$WORK/badfree.err")" -eq 1 ] &&
        [ "$(grep -c 'refused: double free' "$WORK/badfree.err")" -eq 1 ]
}

if have cc; then
    expect bad-frees "foreign, interior and double free: refused, one line each, program runs on" bad_frees
fi

if [ -n "$PY" ]; then
    expect oom-python "8 MiB arena: [0] * 10**8 raises MemoryError, python goes on" oom_python
fi
if have cc; then
    expect oom-c "8 MiB arena: malloc until NULL with ENOMEM, free all, malloc again" oom_c
fi
expect oom-sort "1 MiB arena: sort -S 100M is refused memory, backs off, same output" oom_sort

printf '(%d skipped, %d s)\n' "$skipped" $(( $(date +%s) - start ))
printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
