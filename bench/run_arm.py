#!/usr/bin/env python3
"""bench/run_arm.py - instruction counts of the Cortex-M4 build under QEMU;
writes bench/ARM.md and DIR/arm.json (read by run_bench.py).

Called by `make bench-arm` (bench/bench.mk) after it has built, in DIR:
arm_bench_slab.elf and arm_bench_null.elf (bench/arm_bench.c with the
library, and with the null allocator) and qemu_icount.so (the TCG plugin
bench/qemu_icount.c). Steps:

  1. both images under qemu-system-arm -M mps2-an386 with the plugin; the
     plugin logs the instruction count (total and per address) at each
     bench_mark(), the guest prints what each region between two marks was;
  2. pairs: (2N region - N region) of the slab image minus the same for
     the null image, over N;
  3. where the instructions go: per address, the same difference, mapped
     to file:line and compiled function with arm-none-eabi-addr2line, and
     to source functions with bench/srclines.py;
  4. single calls: the instructions executed between the marks outside the
     harness (bench/arm_bench.c), i.e. in the call;
  5. cross-check without the plugin: the slab image again, hot 64 B pairs
     only, with -singlestep -d exec,nochain (one trace line per executed
     instruction), counting lines between the marks.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no bench/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import srclines  # noqa: E402

QEMU = "qemu-system-arm"
BOARD = "mps2-an386"
TOOL = "arm-none-eabi-"
TARGET_PAIR = 24  # the targets, instructions per pair
TARGET_CHURN = 40


def log(msg):
    print("bench-arm: " + msg, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, **kw).stdout


def mark_addr(elf):
    for line in run([TOOL + "nm", elf]).splitlines():
        f = line.split()
        if len(f) == 3 and f[2] == "bench_mark":
            return int(f[0], 16) & ~1
    raise SystemExit("bench-arm: no bench_mark in " + elf)


def qemu_base(elf, args):
    return ["timeout", "-k", "5", "120", QEMU, "-M", BOARD, "-nographic",
            "-semihosting-config", "enable=on,target=native", "-kernel", elf,
            "-append", args]


def run_plugin(d, elf, n, tag):
    logf = os.path.join(d, "icount-%s.log" % tag)
    so = os.path.join(d, "qemu_icount.so")  # relative to the top directory
    cmd = qemu_base(elf, str(n)) + ["-plugin", "%s,mark=0x%x" % (so, mark_addr(elf)),
                                    "-d", "plugin", "-D", logf]
    t0 = time.time()
    out = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    if out.returncode != 0:
        raise SystemExit("bench-arm: %s exited %d:\n%s%s" % (
            " ".join(cmd), out.returncode, out.stdout[-2000:], out.stderr[-2000:]))
    log("%s: %.1f s" % (tag, time.time() - t0))
    with open(os.path.join(d, "icount-%s.out" % tag), "w") as f:
        f.write(out.stdout)
    return parse_log(logf), parse_regions(out.stdout), " ".join(cmd)


def parse_log(path):
    """[(total, {pc: count since the previous mark})] per mark."""
    marks = []
    with open(path) as f:
        for line in f:
            if line.startswith("M "):
                _, _, total = line.split()
                marks.append((int(total), {}))
            elif line.startswith("D ") and marks:
                _, pc, c = line.split()
                marks[-1][1][int(pc, 16)] = int(c)
    return marks


def parse_regions(out):
    """{region: fields after "REGION <r>"}"""
    reg = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 3 and f[0] == "REGION":
            reg[int(f[1])] = f[2:]
    return reg


def region_total(marks, r):
    return marks[2 * r + 1][0] - marks[2 * r][0]


def region_pcs(marks, r):
    """Instructions per address executed from mark 2r to mark 2r+1."""
    return marks[2 * r + 1][1]


def symbolize(elf, pcs):
    """{pc: (file, line, outermost function)} with addr2line -i: the first
    frame is the innermost (file:line of the inlined code), the last one the
    function the code was compiled into."""
    pcs = sorted(pcs)
    if not pcs:
        return {}
    inp = "".join("0x%x\n" % p for p in pcs)
    out = subprocess.run([TOOL + "addr2line", "-e", elf, "-f", "-i", "-a"], input=inp,
                         stdout=subprocess.PIPE, text=True, check=True).stdout.splitlines()
    res = {}
    i = 0
    cur = None
    frames = []

    def flush():
        if cur is not None and frames:
            fn0, loc0 = frames[0]
            fnN = frames[-1][0]
            path, _, ln = loc0.rpartition(":")
            ln = ln.split()[0] if ln else "0"
            try:
                ln = int(ln)
            except ValueError:
                ln = 0
            res[cur] = (path, ln, fnN)
    while i < len(out):
        line = out[i]
        if line.startswith("0x") and (i + 1 >= len(out) or not out[i + 1].startswith("0x")) \
                and all(ch in "0123456789abcdefx" for ch in line.strip()):
            flush()
            cur = int(line, 16)
            frames = []
            i += 1
            continue
        if i + 1 < len(out):
            frames.append((line.strip(), out[i + 1].strip()))
        i += 2
    flush()
    return res


def tp_regions(regions):
    """{(wl, size, n): region}"""
    out = {}
    for r, f in regions.items():
        if f[0] == "TP":
            out[(f[1], int(f[2]), int(f[3]))] = r
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--cross-n", type=int, default=200)
    ap.add_argument("--cflags", default="")
    args = ap.parse_args()
    t_start = time.time()
    d = args.dir
    root = os.getcwd()
    slab_elf = os.path.join(d, "arm_bench_slab.elf")
    null_elf = os.path.join(d, "arm_bench_null.elf")
    n = args.n

    smarks, sreg, scmd = run_plugin(d, slab_elf, n, "slab")
    zmarks, zreg, _ = run_plugin(d, null_elf, n, "null")
    stp = tp_regions(sreg)
    ztp = tp_regions(zreg)

    # ---- pairs ------------------------------------------------------------
    keys = []
    for (wl, size, nn) in sorted(stp, key=lambda k: list(sreg).index(stp[k])):
        if nn == n and (wl, size) not in keys:
            keys.append((wl, size))
    pairs = {}
    for k in keys:
        wl, size = k
        s1 = region_total(smarks, stp[(wl, size, n)])
        s2 = region_total(smarks, stp[(wl, size, 2 * n)])
        z1 = region_total(zmarks, ztp[(wl, size, n)])
        z2 = region_total(zmarks, ztp[(wl, size, 2 * n)])
        pairs[k] = {"slab": ((s2 - s1) - (z2 - z1)) / n, "with_loop": (s2 - s1) / n,
                    "loop": (z2 - z1) / n}

    # ---- per address: symbols ---------------------------------------------
    allpcs = set()
    for r in sreg:
        allpcs |= set(region_pcs(smarks, r))
    sym = symbolize(slab_elf, allpcs)
    harness = os.path.abspath("bench/arm_bench.c")

    def in_harness(pc, table):
        s = table.get(pc)
        return s is not None and os.path.abspath(os.path.join(root, s[0])) == harness

    def per_pair_pcs(marks, tpm, wl, size):
        a = region_pcs(marks, tpm[(wl, size, n)])
        b = region_pcs(marks, tpm[(wl, size, 2 * n)])
        return {pc: (b.get(pc, 0) - a.get(pc, 0)) / n for pc in set(a) | set(b)}

    def line_costs(pcd):
        costs = {}
        for pc, c in pcd.items():
            if c == 0 or pc not in sym:
                continue
            path, ln, comp = sym[pc]
            k = (comp, path, ln)
            costs[k] = costs.get(k, 0.0) + c
        return costs

    brk = {}
    for k in [("hot", 64), ("churn", 64)]:
        if k not in pairs:
            continue
        pcd = per_pair_pcs(smarks, stp, *k)
        rows, outside = srclines.attribute(line_costs(pcd), root)
        hcost = sum(c for pc, c in pcd.items() if in_harness(pc, sym))
        brk[k] = {"rows": rows, "harness": hcost, "other": outside - hcost}

    # ---- single calls -------------------------------------------------------
    ct = []
    for r, f in sorted(sreg.items()):
        if f[0] != "CT":
            continue
        pcd = region_pcs(smarks, r)
        cost = sum(c for pc, c in pcd.items() if not in_harness(pc, sym))
        ct.append({"op": f[1], "path": f[2], "size": int(f[3]), "cost": cost})
    ct_paths = []
    for x in ct:
        if x["path"] not in ct_paths:
            ct_paths.append(x["path"])

    # ---- cross-check: -singlestep -d exec ------------------------------------
    cross = None
    trace = os.path.join(d, "exec-trace.log")
    cn = args.cross_n
    cmd = qemu_base(slab_elf, "%d hot64" % cn) + ["-singlestep", "-d", "exec,nochain",
                                                  "-D", trace]
    t0 = time.time()
    out = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    if out.returncode == 0:
        mk = "/%08x/" % mark_addr(slab_elf)
        counts = []
        k = 0
        with open(trace) as f:
            for line in f:
                if line.startswith("Trace "):
                    if mk in line:
                        counts.append(k)
                    k += 1
        os.remove(trace)  # tens of MB; the counts are kept below
        if len(counts) >= 4:
            t1 = counts[1] - counts[0]
            t2 = counts[3] - counts[2]
            cross = {"n": cn, "t1": t1, "t2": t2, "per_pair": (t2 - t1) / cn,
                     "cmd": " ".join(cmd)}
        log("cross-check: %.1f s" % (time.time() - t0))
    else:
        log("cross-check failed (exit %d): %s" % (out.returncode, out.stderr[-500:]))

    # ---- versions, sizes ----------------------------------------------------
    arena = {"bytes": 0, "pages": 0}
    for line in run([TOOL + "nm", slab_elf]).splitlines():
        f = line.split()
        if len(f) == 3 and f[2] in ("__heap_start", "__heap_end"):
            arena[f[2]] = int(f[0], 16)
    arena["bytes"] = arena.get("__heap_end", 0) - arena.get("__heap_start", 0)
    for line in open(os.path.join(d, "icount-slab.out")):
        f = line.split()
        if len(f) >= 3 and f[0] == "ARM_BENCH" and "pages" in f:
            arena["pages"] = int(f[f.index("pages") + 1])
    def first_line(cmd):
        try:
            return run(cmd).splitlines()[0]
        except (subprocess.CalledProcessError, OSError, IndexError):
            return "?"
    qv = first_line([QEMU, "--version"])
    gv = first_line([TOOL + "gcc", "--version"])
    try:
        head = run(["git", "rev-parse", "--short", "HEAD"]).strip()
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "src"]).returncode != 0
        commit = head + (" + uncommitted changes in src/" if dirty else "")
    except (subprocess.CalledProcessError, OSError):
        commit = "?"
    libobjs = sorted(os.path.join(d, "lib", x) for x in os.listdir(os.path.join(d, "lib"))
                     if x.endswith(".o"))
    text = 0
    for line in run([TOOL + "size"] + libobjs).splitlines()[1:]:
        text += int(line.split()[0])

    # ---- ARM.md -------------------------------------------------------------
    L = []
    w = L.append
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    w("# Cortex-M4 instruction counts")
    w("")
    w("Generated by `make bench-arm` (bench/bench.mk, bench/run_arm.py; also run by "
      "`make bench`); do not edit.")
    w("")
    w("- date: %s; run time %.0f s; slab commit %s" % (date, time.time() - t_start, commit))
    w("- compiler: %s, `%s`; library objects: %s (.text %d B with the class tables; "
      "`-g` adds only debug sections)" % (gv, args.cflags, ", ".join(
          "`%s`" % os.path.relpath(x, root) for x in libobjs), text))
    w("- emulator: %s, `-M %s` (Cortex-M4); newlib + semihosting, startup code and "
      "linker script of `examples/cortex-m/`" % (qv, BOARD))
    w("- command: `make bench-arm` = `%s`" % " ".join(
        ["python3", "bench/run_arm.py"] + sys.argv[1:]))
    w("- QEMU, slab image: `%s`" % scmd)
    w("")
    w("## Method")
    w("")
    w("These are **instruction counts, not cycles**: QEMU does not model the "
      "pipeline, flash wait states or bus timing of a Cortex-M4, so a cycle count "
      "per operation taken from the emulator would mean nothing. What it executes "
      "is exact: the same instructions, in the same number, as the chip would.")
    w("")
    w("- Counting: Debian's QEMU 7.2 is built with TCG plugin support but ships no "
      "plugins and no `qemu-plugin.h`; `bench/qemu_icount.c` is a small plugin "
      "(API version 1, the few declarations written out) that adds 1 per executed "
      "instruction to a total and to a counter per address, and logs both each "
      "time the guest's `bench_mark()` is entered. Instructions are counted as "
      "issued, including conditional ones an IT block skips.")
    w("- Pairs: the harness `bench/arm_bench.c` (the workloads of `bench/bench.c` "
      "that fit the board) runs each workload with N = %d pairs after a warm-up "
      "of N, then 2N, each between two marks. (2N region - N region) removes the "
      "fixed costs; the same difference of the *null* image (the same harness, an "
      "allocator that returns one static block) removes the harness loop; / N. "
      "The rest is the allocator's cost per alloc+free pair, the call into it and "
      "the out-of-line adapter included, as in RESULTS.md." % n)
    w("- Per line: the same difference per instruction address, mapped to the "
      "innermost file:line and the compiled function by `arm-none-eabi-addr2line "
      "-i`, and to source functions by `bench/srclines.py` (as for the x86 "
      "callgrind tables).")
    w("- Single calls: `slab_alloc` / `slab_free` called directly between two "
      "marks; the count is every instruction executed in between outside the "
      "harness, i.e. from the call's first instruction to its return (callees "
      "included). The path is named from stats and page info before and after, "
      "as in bench.c's `ct` mode.")
    w("- Arena: the linker script's `.heap` region, %d bytes (`BARM_ARENA` in "
      "bench/bench.mk), %d pages of 4 KiB." % (arena["bytes"], arena["pages"]))
    w("")
    w("## Instructions per alloc+free pair")
    w("")
    rows = []
    for k in keys:
        p = pairs[k]
        lab = "%d B" % k[1] if k[0] == "hot" else k[0]
        if k[0] == "hot":
            lab = "hot " + lab
        rows.append([lab, "**%s**" % srclines.f1(p["slab"]), srclines.f1(p["with_loop"]),
                     srclines.f1(p["loop"])])
    w(srclines.md_table(["workload", "slab (loop subtracted)", "slab image, loop included",
                         "null image (the loop)"], rows))
    w("")
    hot_cls = [(k[1], pairs[k]["slab"]) for k in keys if k[0] == "hot" and k[1] <= 4096]
    summary = {}
    if hot_cls:
        best = min(hot_cls, key=lambda x: x[1])
        worst = max(hot_cls, key=lambda x: x[1])
        summary["hot_best"] = best
        summary["hot_worst"] = worst
        w("Hot pairs over the class sizes: best %s (%d B), worst %s (%d B), worst / best "
          "%.2f. 16384 B is a run of 4 pages (large block). Workloads as in RESULTS.md: "
          "hot = one size allocated and freed again and again; churn = 4096 live 64 B "
          "blocks, free a random one, allocate one; prodcons = FIFO of 16..256 B "
          "messages in bursts; rand512 = 1024 live blocks, uniform 16..512 B."
          % (srclines.f1(best[1]), best[0], srclines.f1(worst[1]), worst[0],
             worst[1] / best[1]))
        w("")
    if cross:
        cp = pairs.get(("hot", 64), {}).get("with_loop")
        w("Cross-check without the plugin: the slab image with N = %d, hot 64 B only, "
          "under `-singlestep -d exec,nochain` (one `Trace` line per executed "
          "instruction): %d lines between the marks of the N region, %d for 2N, "
          "(2N - N) / N = **%s** per pair with the loop, against %s from the plugin "
          "(%s)." % (cross["n"], cross["t1"], cross["t2"], srclines.f1(cross["per_pair"]),
                     srclines.f1(cp), "equal" if cp is not None and
                     abs(cp - cross["per_pair"]) < 0.05 else "DIFFERENT"))
        w("")

    for k, title in [(("hot", 64), "hot 64-byte pair"), (("churn", 64), "churn (64 B)")]:
        if k not in brk:
            continue
        b = brk[k]
        rows = b["rows"]
        w("## Where the instructions go: %s, Cortex-M4 -Os" % title)
        w("")
        cols = ["slab_alloc", "slab_free"]
        tbl, tot = srclines.function_table(rows, cols, ["in `slab_alloc`", "in `slab_free`"])
        w("Instructions per pair on the lines of each source function (the innermost "
          "inlined function of each instruction), split by the function it is "
          "compiled into (*other*: out-of-line helpers such as `class_page_moves`). "
          "*On entry/exit lines*: on the function's head, opening or closing brace; for "
          "`slab_alloc` / `slab_free` that is the prologue (push, stack set-up) and the "
          "epilogue (pop, return).")
        w("")
        w(tbl)
        w("")
        hx = b["harness"] - pairs[k]["loop"]
        w("Sum check: library lines %s + other code (newlib, libgcc) %s + harness "
          "difference %s (the slab image's loop and adapters minus the null image's: "
          "the adapters pass the heap) = %s; the pair table says %s."
          % (srclines.f1(tot["total"]), srclines.f1(b["other"]), srclines.f1(hx),
             srclines.f1(tot["total"] + b["other"] + hx), srclines.f1(pairs[k]["slab"])))
        w("")
        g, sent, rest = srclines.groups_sentence(rows, tot["total"])
        w(sent)
        w(srclines.target_sentence(rest, g, TARGET_PAIR if k[0] == "hot" else TARGET_CHURN,
                                   pairs[k]["slab"]))
        w("")
        w("Top lines:")
        w("")
        w(srclines.lines_table(rows, 15 if k == ("hot", 64) else 10))
        w("")
        summary["groups_" + k[0]] = g

    if ct:
        w("## Single calls, per path (Cortex-M4 -Os)")
        w("")
        w("Each class an 8-byte-aligned request reaches, on a fresh 2 MiB heap: a page "
          "from the pool, carve, free, pop, a full page getting room, the last block of a "
          "page (kept as the class's empty page), a second empty page (back to the "
          "pool); then a full heap (refused, then another class's empty page taken) and "
          "large blocks. Instructions of the call, callees included.")
        w("")
        rows = []
        cls_a = []
        cls_f = []
        for path in ct_paths:
            s = [x for x in ct if x["path"] == path]
            b = min(s, key=lambda x: x["cost"])
            wst = max(s, key=lambda x: x["cost"])
            rows.append(["`%s`" % path, len(s), b["cost"], "%d B" % b["size"], wst["cost"],
                         "%d B" % wst["size"], "%.2f" % (wst["cost"] / b["cost"])])
            if not path.startswith("large") and path not in ("alloc-repair", "free-refused"):
                (cls_a if s[0]["op"] == "alloc" else cls_f).extend(s)
        w(srclines.md_table(["path", "samples", "best", "at", "worst", "at", "worst / best"],
                            rows))
        w("")
        if cls_a and cls_f:
            ba = min(x["cost"] for x in cls_a)
            wa = max(x["cost"] for x in cls_a)
            bf = min(x["cost"] for x in cls_f)
            wf = max(x["cost"] for x in cls_f)
            summary["ct"] = {"alloc": [ba, wa], "free": [bf, wf]}
            summary["ct_paths"] = {}
            for path in ct_paths:
                v = [x["cost"] for x in ct if x["path"] == path]
                summary["ct_paths"][path] = [min(v), max(v)]
            w("Over the class paths: `slab_alloc` %d..%d instructions (worst / best %.2f), "
              "`slab_free` %d..%d (worst / best %.2f)." % (ba, wa, wa / ba, bf, wf, wf / bf))
            w("")
    w("Raw outputs: `%s/` (plugin logs `icount-*.log`, guest output `icount-*.out`)." % d)
    w("")
    with open(args.out, "w") as f:
        f.write("\n".join(L))

    js = {"n": n, "pairs": {"%s %d" % k: v for k, v in pairs.items()},
          "cross": cross, "summary": summary, "date": date, "commit": commit,
          "text": text}
    with open(os.path.join(d, "arm.json"), "w") as f:
        json.dump(js, f, indent=1)
    log("wrote %s in %.0f s" % (args.out, time.time() - t_start))
    for k in [("hot", 64), ("churn", 64)]:
        if k in pairs:
            print("arm %-6s %s instructions / pair" % (k[0], srclines.f1(pairs[k]["slab"])))


if __name__ == "__main__":
    main()
