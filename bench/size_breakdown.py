#!/usr/bin/env python3
"""bench/size_breakdown.py - where the bytes of the library go on one target.

`make size` runs it after bench/size.sh and appends its Markdown to
bench/SIZE.md. The object sizes size.sh prints count every function a file
defines; a firmware image holds only what its program calls. So this script
compiles the one-unit file (src/slab_unity.c) with -ffunction-sections,
links it with --gc-sections for a few sets of public functions (each
`-u name` is a root the linker keeps), and reports:

  - per set, the library's bytes in the image (.text and .rodata of the
    functions and tables defined in slab_unity.o) and, apart, what the
    toolchain adds (memset, which GCC calls for the zeroing loops, and
    libgcc's division helpers on cores without a divide instruction);
  - for the smallest set (init, alloc, free) and the whole API, every
    function kept, its size, and the role it plays, summed per role.

A static function GCC inlined has no symbol of its own: its bytes are in
its caller's (slab_alloc's size includes the class pop, for example).

Usage: size_breakdown.py --cc CC --tool PREFIX --flags "FLAGS" --warn "WARN"
                         --target NAME --build DIR --out FILE.md
"""
import argparse
import os
import subprocess
import sys

# The public API in the sets a program typically links, smallest first.
API_SETS = [
    ("init, alloc, free",
     ["slab_init", "slab_alloc", "slab_free"]),
    ("+ free_sized, realloc, usable_size",
     ["slab_free_sized", "slab_realloc", "slab_usable_size"]),
    ("+ lock and fault hooks, fault names",
     ["slab_set_lock", "slab_set_fault_hook", "slab_fault_name"]),
    ("+ slab_check, statistics, page map (the whole API)",
     ["slab_check", "slab_get_stats", "slab_get_page_info"]),
]

# Role of each function of the library (names without GCC's .isra/.part
# suffixes), as role -> functions. A function missing here is listed as
# "other" and makes the script say so, so the table cannot silently fall
# behind the code.
ROLE_FUNCTIONS = {
    "start-up: arena layout, page table, class tables": [
        "slab_init", "heap_arena_layout", "heap_arena_fit", "heap_format",
        "layout_table_ok", "layout_classes_ok", "layout_fill_fast",
        "layout_is_pow2", "layout_pages"],
    "alloc entry: routing to a class, class pop (inlined)": ["slab_alloc"],
    "alloc: requests off the fast table (scan, large)": [
        "alloc_slow", "layout_class"],
    "alloc: size to table slot": ["layout_slot", "layout_slot_low"],
    "free entry: address to page, checks, class push (inlined)": [
        "slab_free"],
    "free_sized: free with the caller's layout checked": ["slab_free_sized"],
    "usable_size": ["slab_usable_size"],
    "realloc (alloc and free paths inlined again)": [
        "slab_realloc", "heap_copy_bytes", "heap_move", "layout_fits"],
    "page moves: pool to class, kept empty pages, lists": [
        "class_refill", "refill_take", "refill_refuse", "class_room_left",
        "page_idle", "class_page_format",
        "class_page_moves", "heap_pool_take", "heap_pool_give",
        "heap_steal_empty", "heap_release_empty", "heap_list_push",
        "heap_list_unlink", "page_format"],
    "large blocks: runs of pages": [
        "large_alloc", "large_take", "large_free", "large_make_room",
        "heap_run_find", "heap_run_take", "heap_run_give",
        "heap_longest_run", "page_aligned", "page_available"],
    "misuse and damage: checks, repair, reports": [
        "heap_ok", "heap_class_page_sane", "empty_page_ok", "page_rebuild",
        "report", "heap_fault_notify", "block_find", "page_status"],
    "lock and fault hooks, fault names": [
        "slab_set_lock", "slab_set_fault_hook", "slab_fault_name",
        "heap_lock", "heap_unlock"],
    "inspection: slab_check, statistics, page map": [
        "slab_check", "slab_get_stats", "slab_get_page_info", "list_count"],
    "class tables (read-only data)": [
        "slab_class_size", "slab_class_align", "slab_pow2"],
    "fault names (read-only data)": ["CSWTCH"],
}
ROLES = {f: r for r, fs in ROLE_FUNCTIONS.items() for f in fs}


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write("size_breakdown: %s\n%s" % (" ".join(cmd), r.stderr))
        sys.exit(1)
    return r.stdout


def symbols(nm, path):
    """(name, size, kind) of every sized text/rodata symbol of path."""
    out = []
    for line in run([nm, "-S", "-t", "d", path]).splitlines():
        f = line.split()
        if len(f) == 4 and f[2] in "tTrR":
            out.append((f[3], int(f[1]), f[2]))
    return out


def base(name):
    return name.split(".")[0]


def main():
    ap = argparse.ArgumentParser()
    for a in ("cc", "tool", "flags", "warn", "target", "build", "out"):
        ap.add_argument("--" + a, required=True)
    o = ap.parse_args()
    work = os.path.join(o.build, o.target, "gc")
    os.makedirs(work, exist_ok=True)
    unit = os.path.join(work, "slab_unity.o")
    run([o.cc] + o.flags.split() + o.warn.split() +
        ["-ffunction-sections", "-fdata-sections", "-Isrc", "-c",
         "src/slab_unity.c", "-o", unit])
    nm = o.tool + "-nm"
    mine = {n for n, _, _ in symbols(nm, unit)}

    rows, kept = [], {}
    roots = []
    for label, names in API_SETS:
        roots += names
        elf = os.path.join(work, "set%d.elf" % len(rows))
        cmd = [o.cc] + o.flags.split() + ["-nostdlib", "-Wl,--gc-sections",
                                          "-Wl,-e," + roots[0]]
        cmd += ["-Wl,-u," + n for n in roots] + [unit, "-lc", "-lgcc",
                                                 "-o", elf]
        run(cmd)
        syms = symbols(nm, elf)
        lib = sum(s for n, s, _ in syms if n in mine)
        tool = sum(s for n, s, _ in syms if n not in mine)
        extra = sorted({base(n) for n, _, _ in syms if n not in mine})
        rows.append((label, lib, tool, extra))
        kept[label] = [(n, s) for n, s, _ in syms if n in mine]

    unknown = sorted({base(n) for v in kept.values() for n, _ in v
                      if base(n) not in ROLES})
    md = []
    md.append("## Where the bytes go (%s, linked)" % o.target)
    md.append("")
    md.append("`bench/size_breakdown.py`: `src/slab_unity.c` compiled with "
              "`%s -ffunction-sections`, linked with `--gc-sections` "
              "keeping only the public functions a program calls (each "
              "set adds to the one above). *Library* counts the functions "
              "and tables of the library left in the image (sizes from "
              "`%s-nm -S`); *toolchain* what the C library and libgcc add."
              % (o.flags, o.tool))
    md.append("")
    md.append("| program calls | library .text + .rodata (B) | toolchain (B) "
              "| toolchain functions |")
    md.append("|---|---:|---:|---|")
    for label, lib, tool, extra in rows:
        md.append("| %s | %d | %d | %s |" % (label, lib, tool,
                  ", ".join("`%s`" % e for e in extra) or "-"))
    md.append("")
    for label in (API_SETS[0][0], API_SETS[-1][0]):
        per_role = {}
        for n, s in kept[label]:
            r = ROLES.get(base(n), "other")
            per_role.setdefault(r, []).append((n, s))
        total = sum(s for n, s in kept[label])
        md.append("Program calling %s: %d B of the library, by role "
                  "(functions largest first; a static function GCC "
                  "inlined is inside its caller's size):" % (label, total))
        md.append("")
        md.append("| role | bytes | share | functions (bytes) |")
        md.append("|---|---:|---:|---|")
        for r, fs in sorted(per_role.items(),
                            key=lambda kv: -sum(s for _, s in kv[1])):
            b = sum(s for _, s in fs)
            fs.sort(key=lambda x: -x[1])
            md.append("| %s | %d | %.0f%% | %s |" % (
                r, b, 100.0 * b / total,
                ", ".join("`%s` %d" % (n, s) for n, s in fs)))
        md.append("")
    small = {}
    for n, s in kept[API_SETS[0][0]]:
        r = ROLES.get(base(n), "other").split(":")[0]
        small[r] = small.get(r, 0) + s
    least = sum(small.values())
    aside = {k: small.get(k, 0) for k in
             ("large blocks", "start-up", "misuse and damage")}
    md.append("Against the issue's code-size targets (Cortex-M4 `-Os` "
              ".text: slab core at most 512 B, default library at most "
              "1536 B): a program that calls only init, alloc and free "
              "links %d B of the library, %.1f times the library target. "
              "Large blocks (%d B), start-up (%d B) and the misuse and "
              "damage checks outside the entry points (%d B) are %d B of "
              "it; the remaining %d B are the class paths themselves "
              "(alloc and free entry points with their inlined checks, "
              "page moves, routing, class tables). So leaving features "
              "out would not reach 1536 B: the class paths would have to "
              "be written for size (no inlining into each entry point, "
              "fewer page-state cases) as well."
              % (least, least / 1536.0, aside["large blocks"],
                 aside["start-up"], aside["misuse and damage"],
                 sum(aside.values()), least - sum(aside.values())))
    md.append("")
    if unknown:
        md.append("Functions with no role in bench/size_breakdown.py "
                  "(listed as *other*): %s." % ", ".join(unknown))
        md.append("")
    text = "\n".join(md) + "\n"
    with open(o.out, "a") as f:
        f.write("\n" + text)
    for label, lib, tool, _ in rows:
        print("%-52s library %5d B, toolchain %4d B" % (label, lib, tool))
    if unknown:
        print("size_breakdown: no role for: " + ", ".join(unknown))


if __name__ == "__main__":
    main()
