#!/usr/bin/env python3
"""bench/run_bench.py - run the benchmark binaries (bench/bench.c), write
bench/RESULTS.md and bench/plots/*.png.

Called by `make bench` (bench/bench.mk) after it has built
BIN/bench-<allocator>. Steps:

  1. timing: every binary in "time" mode, ROUNDS rounds of REPS runs each,
     allocators interleaved, pinned to one CPU; median ns per pair;
  2. callgrind, two runs at a time: every binary in "cg" mode (each workload
     run with N and 2N pairs, one dump each); the slab binary in "ct" mode
     (single calls on every path) and "prof" mode (callgrind_annotate);
  3. the slab binary in "mem" mode (arena use until the first refusal, and
     where the arena went at that point);
  4. where the instructions go: the line data of the "cg" dumps, per source
     function and line (bench/srclines.py);
  5. tables, plots (gnuplot) and RESULTS.md, with the Cortex-M4 figures of
     bench/run_arm.py (--arm-json) in the summary.
"""
import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no bench/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import srclines  # noqa: E402

PEERS = ["glibc", "jemalloc", "mimalloc", "tcmalloc"]
HOT_SIZES = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 16384]
OTHER_WL = [("churn", 64), ("prodcons", 0), ("rand512", 0), ("rand4096", 0),
            ("pareto", 0)]
OTHER_DESC = {
    "churn": "4096 live 64 B blocks; free a random one, allocate 64 B",
    "prodcons": "FIFO queue of 16..256 B messages; bursts of 1..32 produced, "
                "then as many consumed (oldest first); 256 always queued",
    "rand512": "1024 live blocks; free a random one, allocate uniform 16..512 B",
    "rand4096": "1024 live blocks; free a random one, allocate uniform 16..4096 B",
    "pareto": "1024 live blocks; free a random one, allocate Pareto(16 B, "
              "alpha 1.2) capped at 16 KiB (median 28 B, 0.13% above 4 KiB)",
}

VALGRIND_CG = ["valgrind", "--tool=callgrind", "--combine-dumps=yes",
               "--compress-strings=no", "--compress-pos=no", "--dump-instr=no",
               "--dump-line=yes"]


def log(msg):
    print("bench: " + msg, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, **kw).stdout


# ---- callgrind output -------------------------------------------------------

COST_RE = re.compile(r"^(?:[+-]?\d+|\*)\s+(\d+)\s*$")


def parse_callgrind(path, lines=False):
    """Parts of a --combine-dumps file: label, summary, self and inclusive
    cost per function (inclusive = self + calls made from it), and the
    cost of calls into each function. With lines=True also "lines": the
    self cost per (function, source file, line), the file being the one
    callgrind names for the instruction (fl=, or fi=/fe= for code inlined
    from another file)."""
    parts = []
    cur = None
    fn = None
    cfn = None
    in_call = False
    cur_file = None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("part:"):
                cur = {"label": None, "summary": 0, "self": {}, "out": {},
                       "into": {}, "lines": {}}
                parts.append(cur)
                continue
            if cur is None:
                continue
            if line.startswith("desc: Trigger: Client Request: "):
                cur["label"] = line[len("desc: Trigger: Client Request: "):]
            elif line.startswith("desc: Trigger:"):
                cur["label"] = line[len("desc: Trigger: "):]
            elif line.startswith("summary:") or line.startswith("totals:"):
                cur["summary"] = int(line.split()[1])
            elif line.startswith("fn="):
                fn = line[3:]
            elif line.startswith(("fl=", "fi=", "fe=")):
                cur_file = line[3:]
            elif line.startswith("cfn="):
                cfn = line[4:]
            elif line.startswith("calls="):
                in_call = True
            else:
                m = COST_RE.match(line)
                if m:
                    cost = int(m.group(1))
                    if in_call:
                        cur["out"][fn] = cur["out"].get(fn, 0) + cost
                        if cfn != fn:
                            cur["into"][cfn] = cur["into"].get(cfn, 0) + cost
                        in_call = False
                    else:
                        cur["self"][fn] = cur["self"].get(fn, 0) + cost
                        if lines:
                            pos = line.split()[0]
                            ln = int(pos) if pos.lstrip("+-").isdigit() else 0
                            k = (fn, cur_file, ln)
                            cur["lines"][k] = cur["lines"].get(k, 0) + cost
    for p in parts:
        p["incl"] = {k: p["self"].get(k, 0) + p["out"].get(k, 0)
                     for k in set(p["self"]) | set(p["out"])}
    return parts


def tp_summaries(parts):
    """{(workload, size, n): part} of the "TP" throughput dumps."""
    out = {}
    for p in parts:
        lab = p["label"] or ""
        if lab.startswith("TP "):
            _, wl, size, n = lab.split()
            out[(wl, int(size), int(n))] = p
    return out


# ---- steps ------------------------------------------------------------------

def machine_info(binpath, allocs):
    info = {}
    info["date"] = datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M UTC")
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info["cpu"] = cpu
    info["ncpu"] = os.cpu_count()
    try:
        info["load"] = " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        info["load"] = "?"
    info["kernel"] = " ".join(platform.uname()[i] for i in (0, 2, 4))
    info["cc"] = run(["cc", "--version"]).splitlines()[0]
    try:
        info["libc"] = run(["ldd", "--version"]).splitlines()[0]
    except (subprocess.CalledProcessError, OSError):
        info["libc"] = "?"
    info["valgrind"] = run(["valgrind", "--version"]).strip()
    vers = {}
    for pkg in ["libjemalloc2", "libmimalloc2.0", "libtcmalloc-minimal4",
                "libc6", "valgrind"]:
        try:
            out = run(["dpkg-query", "-W", "-f=${Version}\\n", pkg]).split()
            vers[pkg] = out[0] if out else "?"
        except (subprocess.CalledProcessError, OSError):
            vers[pkg] = "?"
    info["pkg"] = vers
    try:
        head = run(["git", "rev-parse", "--short", "HEAD"]).strip()
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "src"]
                               ).returncode != 0
        info["commit"] = head + (" + uncommitted changes in src/" if dirty else "")
    except (subprocess.CalledProcessError, OSError):
        info["commit"] = "?"
    src = {}
    for a in allocs:
        out = run([os.path.join(binpath, "bench-" + a), "info"])
        m = re.search(r"MALLOC_FROM (\S+)", out)
        src[a] = m.group(1) if m else "?"
    info["malloc_from"] = src
    return info


def timing(binpath, allocs, n, reps, rounds, cpu):
    """{alloc: {(wl, size): [ns per pair of every run]}}"""
    res = {a: {} for a in allocs}
    pin = ["taskset", "-c", str(cpu)] if cpu is not None and shutil.which(
        "taskset") else []
    for r in range(rounds):
        order = allocs[r % len(allocs):] + allocs[:r % len(allocs)]
        for a in order:
            t0 = time.time()
            out = run(pin + [os.path.join(binpath, "bench-" + a), "time",
                             str(n), str(reps)])
            for line in out.splitlines():
                f = line.split()
                if f and f[0] == "TIME":
                    key = (f[1], int(f[2]))
                    res[a].setdefault(key, []).extend(float(x) for x in f[3:])
            log("timing round %d/%d %-9s %.1f s" % (r + 1, rounds, a,
                                                     time.time() - t0))
    return res


def callgrind_jobs(binpath, allocs, cg_n, work):
    """Run every callgrind job, two at a time. Returns {name: (file, stdout)}."""
    jobs = {}
    for a in allocs:
        jobs["cg-" + a] = ([os.path.join(binpath, "bench-" + a), "cg",
                            str(cg_n)], [])
    jobs["ct"] = ([os.path.join(binpath, "bench-slab"), "ct"], [])
    for a in [x for x in allocs if x.startswith("slab")]:
        jobs["prof-" + a] = ([os.path.join(binpath, "bench-" + a), "prof",
                              str(cg_n)], ["--toggle-collect=prof_hot",
                                           "--combine-dumps=no"])

    def one(name):
        cmd, extra = jobs[name]
        outf = os.path.join(work, "callgrind.%s.out" % name)
        vg = list(VALGRIND_CG)
        if name.startswith("prof-"):
            vg = ["valgrind", "--tool=callgrind"]
        t0 = time.time()
        out = run(vg + extra + ["--callgrind-out-file=" + outf] + cmd)
        log("callgrind %-14s %.1f s" % (name, time.time() - t0))
        return name, outf, out

    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        # the long one first
        order = ["ct"] + [k for k in jobs if k != "ct"]
        for name, outf, out in ex.map(one, order):
            results[name] = (outf, out)
    return results


# ---- analysis ---------------------------------------------------------------

def instr_per_pair(tp, null_tp, key, n):
    wl, size = key
    try:
        d = tp[(wl, size, 2 * n)]["summary"] - tp[(wl, size, n)]["summary"]
        d0 = (null_tp[(wl, size, 2 * n)]["summary"]
              - null_tp[(wl, size, n)]["summary"])
    except KeyError:
        return None
    return (d - d0) / n


def fmt(x, nd=1):
    if x is None:
        return "-"
    if isinstance(x, int) or (nd == 0):
        return "%d" % round(x)
    return ("%%.%df" % nd) % x


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return "%.2f" % (a / b)


# Markdown table; the first `left` columns left-aligned, the rest right.
md_table = srclines.md_table


CT_PATHS = [
    ("alloc-room", "alloc", "class has a free block or uncut room (pop / carve)"),
    ("alloc-pool", "alloc", "class full: a page from the pool is formatted"),
    ("alloc-steal", "alloc", "pool empty: another class's empty page is taken"),
    ("alloc-refused", "alloc", "class full, pool empty, no empty page: NULL"),
    ("free-partial", "free", "page keeps live blocks, had room before"),
    ("free-was-full", "free", "page was full: back on the class's list"),
    ("free-reserve", "free", "page becomes empty, kept as the class's reserve"),
    ("free-reserve-was-full", "free", "same, page was full (1-block pages)"),
    ("free-to-pool", "free", "page becomes empty, class has a reserve: to the pool"),
    ("free-to-pool-was-full", "free", "same, page was full (1-block pages)"),
    ("free-refused", "free", "double free: detected, refused, counted"),
    ("large-alloc", "alloc", "run of pages (4097 B, 16 KiB, 64 KiB)"),
    ("large-alloc-refused", "alloc", "no run long enough: NULL"),
    ("large-free", "free", "run of pages back to the pool"),
    ("alloc-repair", "alloc", "misuse: a free block's link was overwritten; "
                              "the page's list is rebuilt"),
]


def ct_analyse(parts, stdout):
    """[(path, op, desc, samples, best, best_at, worst, worst_at)] and the
    per-sample list."""
    by_id = {}
    for p in parts:
        lab = p["label"] or ""
        if lab.startswith("CT "):
            by_id[int(lab.split()[1])] = p
    samples = []
    for line in stdout.splitlines():
        f = line.split()
        if len(f) >= 7 and f[0] == "CT":
            sid, op, path, level, size, scen = (int(f[1]), f[2], f[3], f[4],
                                                int(f[5]), f[6])
            p = by_id.get(sid)
            if p is None:
                continue
            fn = "slab_alloc" if op == "alloc" else "slab_free"
            cost = p["into"].get(fn)
            if cost is None:
                continue
            samples.append({"op": op, "path": path, "level": level,
                            "size": size, "scen": scen, "cost": cost})
    rows = []
    for path, op, desc in CT_PATHS:
        s = [x for x in samples if x["path"] == path]
        if not s:
            continue
        b = min(s, key=lambda x: x["cost"])
        w = max(s, key=lambda x: x["cost"])
        rows.append((path, op, desc, len(s), b["cost"],
                     "%s, %d B" % (b["level"], b["size"]), w["cost"],
                     "%s, %d B" % (w["level"], w["size"])))
    return rows, samples


def mem_analyse(out):
    """(meta, arenas, cls, rnd, budget, memc): budget[(arena, dist)] is a list
    (one per seed) of {component: bytes}; memc[(arena, dist)] a list of
    {class size: {pages, partial, free, empty, tail}}."""
    meta = {}
    arenas = {}
    cls = {}
    rnd = {}
    budget = {}
    memc = {}
    for line in out.splitlines():
        f = line.split()
        if not f:
            continue
        if f[0] == "META":
            meta = {f[i]: int(f[i + 1]) for i in range(1, len(f) - 1, 2)}
        elif f[0] == "ARENA":
            arenas[int(f[1])] = {f[i]: int(f[i + 1]) for i in range(2, len(f) - 1, 2)}
        elif f[0] == "MEM" and f[2] == "class":
            cls.setdefault(int(f[1]), []).append((int(f[3]), int(f[4]), int(f[6])))
        elif f[0] == "MEM":
            rnd.setdefault((int(f[1]), f[2]), []).append(
                (int(f[4]), int(f[5]), int(f[6])))
        elif f[0] == "MEMB":
            d = {f[i]: int(f[i + 1]) for i in range(4, len(f) - 1, 2)}
            budget.setdefault((int(f[1]), f[2]), []).append(d)
        elif f[0] == "MEMC":
            key = (int(f[1]), f[2])
            seed = int(f[3])
            lst = memc.setdefault(key, {})
            lst.setdefault(seed, {})[int(f[4])] = {f[i]: int(f[i + 1])
                                                   for i in range(5, len(f) - 1, 2)}
    # add what the program asked for and the usable total of each seed
    for key, lst in budget.items():
        for d, r in zip(lst, rnd.get(key, [])):
            d["requested"] = r[0]
            d["usable"] = r[1]
    return meta, arenas, cls, rnd, budget, memc


# ---- plots ------------------------------------------------------------------

def gnuplot(script, work, name):
    path = os.path.join(work, name + ".gp")
    with open(path, "w") as f:
        f.write(script)
    subprocess.run(["gnuplot", path], check=True)


def plots(out_dir, work, allocs, instr, ns, mem, ct_rows):
    pdir = os.path.join(out_dir, "plots")
    os.makedirs(pdir, exist_ok=True)
    shown = [a for a in allocs if a != "null"]
    colors = {"slab": "#d62728", "slab-sep": "#ff9896", "glibc": "#1f77b4",
              "jemalloc": "#2ca02c", "mimalloc": "#9467bd", "tcmalloc": "#ff7f0e"}
    term = ("set terminal pngcairo size 1100,820 font 'DejaVu Sans,11'\n"
            "set style data linespoints\nset grid\n")

    # hot: instructions and ns vs size
    dat = os.path.join(work, "hot.dat")
    with open(dat, "w") as f:
        f.write("# size " + " ".join(shown) + " | ns: " + " ".join(shown) + "\n")
        for s in HOT_SIZES:
            vals = [instr[a].get(("hot", s)) for a in shown]
            tv = [ns[a].get(("hot", s)) for a in shown]
            f.write("%d %s %s\n" % (s, " ".join(fmt(v) if v is not None else "?" for v in vals),
                                      " ".join(fmt(v, 2) if v is not None else "?" for v in tv)))
    k = len(shown)
    lines_i = ", ".join("'%s' u 1:%d t '%s' lw 2 pt 7 lc rgb '%s'" % (dat, 2 + i, a, colors.get(a, "black"))
                        for i, a in enumerate(shown))
    lines_t = ", ".join("'%s' u 1:%d t '%s' lw 2 pt 7 lc rgb '%s'" % (dat, 2 + k + i, a, colors.get(a, "black"))
                        for i, a in enumerate(shown))
    gnuplot(term + """set output '%s'
set datafile missing '?'
set multiplot layout 2,1 title 'Hot alloc+free pairs of one size (x86-64, gcc -O2)'
set logscale x 2
set xrange [13:20000]
set xtics (16,32,64,128,256,512,1024,2048,4096,16384)
set key outside right
set ylabel 'instructions / pair (callgrind)'
set yrange [0:*]
plot %s
set ylabel 'ns / pair (median)'
set xlabel 'block size (bytes)'
plot %s
unset multiplot
""" % (os.path.join(pdir, "hot.png"), lines_i, lines_t), work, "hot")

    # churn & co: grouped bars
    dat = os.path.join(work, "churn.dat")
    with open(dat, "w") as f:
        f.write("# workload " + " ".join(shown) + " | ns\n")
        for wl, s in OTHER_WL:
            vals = [instr[a].get((wl, s)) for a in shown]
            tv = [ns[a].get((wl, s)) for a in shown]
            f.write("%s %s %s\n" % (wl, " ".join(fmt(v) if v is not None else "?" for v in vals),
                                    " ".join(fmt(v, 2) if v is not None else "?" for v in tv)))
    bars_i = ", ".join("'%s' u %d:xtic(1) t '%s' lc rgb '%s'" % (dat, 2 + i, a, colors.get(a, "black"))
                       for i, a in enumerate(shown))
    bars_t = ", ".join("'%s' u %d:xtic(1) t '%s' lc rgb '%s'" % (dat, 2 + k + i, a, colors.get(a, "black"))
                       for i, a in enumerate(shown))
    gnuplot(term + """set output '%s'
set datafile missing '?'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.9 border -1
set boxwidth 0.9
set key outside right
set multiplot layout 2,1 title 'Mixed workloads: one alloc + one free per pair'
set ylabel 'instructions / pair (callgrind)'
set yrange [0:*]
plot %s
set ylabel 'ns / pair (median)'
plot %s
unset multiplot
""" % (os.path.join(pdir, "churn.png"), bars_i, bars_t), work, "churn")

    # memory: fraction of the arena per class size
    meta, arenas, cls, rnd, budget, memc = mem
    dat = os.path.join(work, "mem.dat")
    with open(dat, "w") as f:
        # cls[arena] = [(class size, bytes allocated, blocks)] in class order
        f.write("# class, percent of a 64 KiB and of a 1 MiB arena\n")
        for a64, a1m in zip(cls[65536], cls[1 << 20]):
            f.write("%d %.2f %.2f\n" % (a64[0], 100.0 * a64[1] / 65536,
                                        100.0 * a1m[1] / (1 << 20)))
    gnuplot(term.replace("1100,820", "1100,560") + """set output '%s'
set title 'Share of the arena a program gets in blocks of one class (until the first refusal)'
set logscale x 2
set xrange [14:4700]
set xtics (16,32,64,128,256,512,1024,2048,4096)
set yrange [0:100]
set ylabel '%% of the arena'
set xlabel 'block size (bytes)'
set key bottom left
plot '%s' u 1:2 t '64 KiB arena' lw 2 pt 7, '%s' u 1:3 t '1 MiB arena' lw 2 pt 5
""" % (os.path.join(pdir, "memory.png"), dat, dat), work, "memory")

    # constant time: best and worst per path
    dat = os.path.join(work, "ct.dat")
    with open(dat, "w") as f:
        for r in ct_rows:
            f.write("%s %d %d\n" % (r[0], r[4], r[6]))
    gnuplot(term.replace("1100,820", "1100,640") + """set output '%s'
set title 'slab: instructions per single call, best and worst over all fill levels and classes'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.9 border -1
set logscale y
set yrange [10:*]
set ylabel 'instructions (callgrind, one call)'
set xtics rotate by -35 left
set bmargin 8
set key top left
plot '%s' u 2:xtic(1) t 'best' lc rgb '#2ca02c', '' u 3 t 'worst' lc rgb '#d62728'
""" % (os.path.join(pdir, "ct.png"), dat), work, "ct")


# ---- report -----------------------------------------------------------------

BUDGET_ROWS = [
    ("requested", "requested: what the program asked for"),
    ("min16", "requests under 16 B rounded up to the 16 B minimum block"),
    ("align", "a class skipped for alignment (20 B blocks are only 4-aligned)"),
    ("round", "rounding up to the class size"),
    ("free_partial", "free blocks and uncut room in class pages in use"),
    ("empty_kept", "empty class pages (each class keeps one)"),
    ("tail", "page ends too short for a block (page size % block size)"),
    ("pool", "pages owned by no class"),
    ("header", "heap header"),
    ("table", "page table and list links (one entry per page)"),
    ("padding", "padding: to the first page boundary, the arena's end"),
]


def mem_budget_section(w, budget, memc, cls, page):
    """Where an arena goes at the first refusal of a random-size run."""
    keys = [k for k in [(1 << 20, "rand8-512"), (65536, "rand8-512"),
                        (1 << 20, "rand16-4096")] if k in budget]
    if not keys:
        return
    w("### Where the arena goes at the first refusal")
    w("")
    w("Every byte of the arena at the first refusal of each random run, in exactly "
      "one row (mean over the 20 seeds, min..max). Rounding is split by cause: "
      "*minimum block* (a request under 16 B gets 16), *alignment* (the smallest class "
      "that fits the size is not aligned enough for the 8-byte request), *class "
      "rounding* (the rest). Free room is what the class pages in use could still hand "
      "out when the refused request came (it was for another class). From "
      "`bench-slab mem` (`MEMB` / `MEMC` lines): page info of every page, "
      "`slab_usable_size` of every block.")
    w("")
    hdr = ["where"]
    for a, dist in keys:
        hdr.append("%s B, %s KiB arena" % (dist.replace("rand", ""), a // 1024))
    rows = []
    sums = {k: [] for k in keys}
    for comp, desc in BUDGET_ROWS:
        r = [desc]
        for k in keys:
            a = k[0]
            v = [100.0 * d.get(comp, 0) / a for d in budget[k]]
            r.append("%.2f%% (%.2f..%.2f)" % (statistics.mean(v), min(v), max(v)))
        rows.append(r)
    for k in keys:
        for d in budget[k]:
            sums[k].append(sum(d.get(c, 0) for c, _ in BUDGET_ROWS))
    r = ["**sum** (the arena; a check)"]
    for k in keys:
        ok = all(x == k[0] for x in sums[k])
        r.append("%s B%s" % (sums[k][0] if ok else "/".join(str(x) for x in sums[k][:3]),
                             "" if ok else " MISMATCH"))
    rows.append(r)
    # the rounding total must match usable - requested
    chk = []
    for k in keys:
        chk.append(all(d["min16"] + d["align"] + d["round"] == d["usable"] - d["requested"]
                       for d in budget[k]))
    w(md_table(hdr, rows))
    w("")
    k0 = (1 << 20, "rand8-512")
    if k0 in budget:
        lst = budget[k0]
        a = k0[0]

        def m(c):
            return statistics.mean(d.get(c, 0) for d in lst) * 100.0 / a
        w("For 8..512 B in 1 MiB: the program gets %.1f%% of the arena as requested "
          "bytes. The rest: rounding %.1f%% (minimum block %.2f, alignment %.2f, class "
          "rounding %.1f), class pages' free room %.1f%%, page ends %.1f%%, empty pages "
          "%.1f%%, metadata and padding %.1f%%. Rounding totals match usable - requested "
          "in every run: %s."
          % (m("requested"), m("min16") + m("align") + m("round"), m("min16"),
             m("align"), m("round"), m("free_partial"), m("tail"),
             m("empty_kept") + m("pool"), m("header") + m("table") + m("padding"),
             "yes" if all(chk) else "NO"))
        w("")
        lost = 100.0 - m("requested")
        meta_pct = m("header") + m("table") + m("padding")
        sizes = sorted(x[0] for x in cls.get(k0[0], []))
        big = [b for b in sizes if 256 <= b <= 512]
        steps = ", ".join("%d -> %d" % (x, y) for x, y in zip(big, big[1:]))
        tails = {}
        for sd in memc.get(k0, {}).values():
            for c, v in sd.items():
                tails[c] = tails.get(c, 0) + v["tail"] / len(memc[k0])
        top = sorted(tails.items(), key=lambda x: -x[1])[:2]
        w("Against the target of 95%%: %.1f points of the arena are lost where 5.0 may "
          "be. Metadata and padding take %.1f, which leaves %.1f for rounding, page ends "
          "and free room together; class rounding alone is %.1f (a uniform size loses "
          "half a class step on average; the steps from 256 B up are %s), page ends %.1f "
          "(mostly %s), free room in the partly used pages %.1f."
          % (lost, meta_pct, 5.0 - meta_pct, m("round"), steps, m("tail"),
             " and ".join("%d B blocks, %d B per page" % (c, page % c) for c, _ in top),
             m("free_partial")))
        w("")
    if k0 in memc:
        seeds = memc[k0]
        refused = {}
        for d in budget[k0]:
            refused[d["refused_class"]] = refused.get(d["refused_class"], 0) + 1
        sizes = sorted(set(c for sd in seeds.values() for c in sd))
        rows = []
        tot = {"pages": 0.0, "partial": 0.0, "free": 0.0, "tail": 0.0, "empty": 0.0}
        ns = len(seeds)
        for c in sizes:
            def mean(key):
                return sum(sd.get(c, {}).get(key, 0) for sd in seeds.values()) / ns
            for key in tot:
                tot[key] += mean(key)
            rows.append(["%d B" % c, "%.1f" % mean("pages"), "%.2f" % mean("partial"),
                         "%.0f" % mean("free"), "%.0f" % mean("tail"),
                         "%.2f%%" % (100.0 * (mean("free") + mean("tail")) / k0[0]),
                         str(refused.get(c, 0))])
        rows.append(["**all**", "%.1f" % tot["pages"], "%.2f" % tot["partial"],
                     "%.0f" % tot["free"], "%.0f" % tot["tail"],
                     "%.2f%%" % (100.0 * (tot["free"] + tot["tail"]) / k0[0]),
                     str(sum(refused.values()))])
        w("Per class at the first refusal, 8..512 B in 1 MiB (mean over the seeds): pages "
          "the class owns, of them partly used, their free room in bytes, the page ends "
          "of all its pages, both as a share of the arena, and in how many runs the "
          "refused request was for this class:")
        w("")
        w(md_table(["class", "pages", "partly used", "free room (B)", "page ends (B)",
                    "free + ends / arena", "refusals"], rows))
        w("")


CLASS_PATH_EXCLUDE = ("large-alloc", "large-alloc-refused", "large-free", "alloc-repair",
                      "free-refused")


def targets_table(w, instr, ns, ct_rows, mem, arm):
    """The issue's targets (the limits are its numbers) against this run's
    figures, and the Cortex-M4 figures of the same `make bench`."""
    meta, arenas, cls, rnd, budget, memc = mem
    rows = []

    def arm_pair(k):
        if not arm:
            return "-"
        v = arm.get("pairs", {}).get(k)
        return fmt(v["slab"], 0) if v else "-"
    rows.append(["instructions per hot 64 B alloc+free pair", "<= 24",
                 fmt(instr["slab"].get(("hot", 64)), 0), arm_pair("hot 64")])
    rows.append(["instructions per churn pair (4096 live 64 B)", "<= 40",
                 fmt(instr["slab"].get(("churn", 64)), 0), arm_pair("churn 64")])
    for wl, label in ((("hot", 64), "hot 64 B"), (("churn", 64), "churn")):
        t = [ns.get(a, {}).get(wl) for a in ("slab", "tcmalloc", "null")]
        if None not in t and t[1] > t[2]:
            rows.append(["time per %s pair / tcmalloc's (same run, medians; "
                         "in brackets: harness loop subtracted)" % label, "<= 0.7",
                         "%.2f (%.2f)" % (t[0] / t[1],
                                          (t[0] - t[2]) / (t[1] - t[2])), "-"])
    worst = None
    for path, op, desc, n, best, bat, wst, wat in ct_rows:
        if path in CLASS_PATH_EXCLUDE:
            continue
        r = wst / best
        if worst is None or r > worst[0]:
            worst = (r, path)
    arm_w = "-"
    if arm and arm.get("summary", {}).get("ct_paths"):
        aw = max(((v[1] / v[0], p) for p, v in arm["summary"]["ct_paths"].items()
                  if p not in CLASS_PATH_EXCLUDE), default=None)
        if aw:
            arm_w = "%.2f (`%s`)" % aw
    rows.append(["worst / best instructions within one class path (single calls)",
                 "<= 1.5", "%.2f (`%s`)" % worst if worst else "-", arm_w])
    c64 = [x for x in cls.get(1 << 20, []) if x[0] == 64]
    if c64:
        rows.append(["arena in 64 B blocks (1 MiB arena)", ">= 98%",
                     "%.2f%%" % (100.0 * c64[0][1] / (1 << 20)), "-"])
    r512 = rnd.get((1 << 20, "rand8-512"))
    if r512:
        rows.append(["arena requested in random 8..512 B blocks (1 MiB arena, mean)",
                     ">= 95%", "%.1f%%" % statistics.mean(100.0 * x[0] / (1 << 20)
                                                        for x in r512), "-"])
    rows.append(["Cortex-M4 -Os .text: core <= 512 B, library <= 1.5 KiB", "",
                 "see [SIZE.md](SIZE.md) (`make size`)", ""])
    w("Targets of the open issue on performance and footprint, against this run "
      "(x86-64: callgrind, `-O2`; Cortex-M4: `-Os`, counted under QEMU, "
      "[ARM.md](ARM.md)%s):" % (", %s" % arm["date"] if arm else ", not run"))
    w("")
    w(md_table(["target", "limit", "x86-64", "Cortex-M4"], rows))
    w("")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--time-n", type=int, default=1000000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cg-n", type=int, default=20000)
    ap.add_argument("--arm-json", default=None,
                    help="bench/run_arm.py's arm.json: Cortex-M4 figures for the summary")
    ap.add_argument("--cpu", type=int, default=None,
                    help="pin timing runs to this CPU (default: the last one)")
    args = ap.parse_args()

    t_start = time.time()
    work = args.bin
    allocs = ["slab"]
    if os.path.exists(os.path.join(args.bin, "bench-slab-sep")):
        allocs.append("slab-sep")
    allocs += PEERS + ["null"]
    cpu = args.cpu if args.cpu is not None else (os.cpu_count() or 1) - 1

    info = machine_info(args.bin, allocs)
    log("timing: %d pairs per run, %d runs x %d rounds, CPU %s"
        % (args.time_n, args.reps, args.rounds, cpu))
    tres = timing(args.bin, allocs, args.time_n, args.reps, args.rounds, cpu)
    ns = {a: {k: statistics.median(v) for k, v in tres[a].items()} for a in allocs}

    log("callgrind: N = %d" % args.cg_n)
    cg = callgrind_jobs(args.bin, allocs, args.cg_n, work)
    tp = {a: tp_summaries(parse_callgrind(cg["cg-" + a][0], lines=a.startswith("slab")))
          for a in allocs}
    keys = [("hot", s) for s in HOT_SIZES] + OTHER_WL
    instr = {a: {k: instr_per_pair(tp[a], tp["null"], k, args.cg_n) for k in keys}
             for a in allocs}
    ct_parts = parse_callgrind(cg["ct"][0])
    ct_rows, ct_samples = ct_analyse(ct_parts, cg["ct"][1])

    log("memory use")
    mem_out = run([os.path.join(args.bin, "bench-slab"), "mem"])
    mem = mem_analyse(mem_out)

    # per-function costs of the hot 64 B pair, from the throughput dumps
    def breakdown(a):
        p1 = tp[a][("hot", 64, args.cg_n)]
        p2 = tp[a][("hot", 64, 2 * args.cg_n)]
        fns = set(p2["incl"]) | set(p1["incl"])
        rows = []
        harness = {"(below main)", "main", "cg_region", "cg_one",
                   "for_each_workload"}
        for f in fns:
            if f in harness or f.startswith("0x") or f.startswith("__libc"):
                continue
            inc = (p2["incl"].get(f, 0) - p1["incl"].get(f, 0)) / args.cg_n
            slf = (p2["self"].get(f, 0) - p1["self"].get(f, 0)) / args.cg_n
            if inc >= 0.5:
                rows.append((f, inc, slf))
        rows.sort(key=lambda r: -r[1])
        return rows
    brk = {a: breakdown(a) for a in allocs if a.startswith("slab")}

    # per source line and source function, from the same dumps' line data
    root = os.getcwd()
    bench_c = os.path.abspath("bench/bench.c")

    def line_breakdown(a, k):
        p1 = tp[a][(k[0], k[1], args.cg_n)]
        p2 = tp[a][(k[0], k[1], 2 * args.cg_n)]
        costs = {}
        for key in set(p1["lines"]) | set(p2["lines"]):
            c = (p2["lines"].get(key, 0) - p1["lines"].get(key, 0)) / args.cg_n
            if c:
                costs[key] = c
        rows, outside = srclines.attribute(costs, root)
        harness = sum(c for (fn, f, ln), c in costs.items()
                      if f and os.path.abspath(f) == bench_c)
        null_loop = (tp["null"][(k[0], k[1], 2 * args.cg_n)]["summary"] -
                     tp["null"][(k[0], k[1], args.cg_n)]["summary"]) / args.cg_n
        return {"rows": rows, "harness": harness, "other": outside - harness,
                "null": null_loop}
    lbrk = {(a, k): line_breakdown(a, k) for a in allocs if a.startswith("slab")
            for k in [("hot", 64), ("churn", 64)]}
    arm = None
    if args.arm_json and os.path.exists(args.arm_json):
        with open(args.arm_json) as f:
            arm = json.load(f)
    for a in brk:
        try:
            with open(os.path.join(work, "hot64-annotate-%s.txt" % a), "w") as f:
                f.write(run(["callgrind_annotate", "--inclusive=yes", "--auto=yes",
                             "--show-percs=no", "--context=2", cg["prof-" + a][0]]))
        except (subprocess.CalledProcessError, OSError) as e:
            log("callgrind_annotate failed: %s" % e)

    log("plots")
    plots(args.out, work, allocs, instr, ns, mem, ct_rows)

    # ---- RESULTS.md ----------------------------------------------------------
    shown = [a for a in allocs if a != "null"]
    L = []
    w = L.append
    w("# Benchmark results")
    w("")
    w("Generated by `make bench` (bench/bench.mk, bench/run_bench.py); do not edit.")
    w("")
    w("- date: %s; run time %.0f s" % (info["date"], time.time() - t_start))
    w("- machine: %s, %s CPUs, %s; load average at start %s (other work on the "
      "machine makes the ns figures noisy, never the instruction counts)"
      % (info["cpu"], info["ncpu"], info["kernel"], info["load"]))
    w("- compiler: %s, `-O2 -g`; %s; %s" % (info["cc"], info["libc"], info["valgrind"]))
    w("- peers (Debian packages): jemalloc %s, mimalloc %s, tcmalloc (gperftools, "
      "tcmalloc_minimal) %s, glibc malloc %s"
      % (info["pkg"]["libjemalloc2"], info["pkg"]["libmimalloc2.0"],
         info["pkg"]["libtcmalloc-minimal4"], info["pkg"]["libc6"]))
    w("- malloc resolved from: " + ", ".join(
        "%s: `%s`" % (a, info["malloc_from"][a]) for a in PEERS))
    w("- slab: commit %s, default configuration (4 KiB pages, 25 classes, checks on)"
      % info["commit"])
    if "slab-sep" in allocs:
        w("  - **slab**: `src/slab_unity.c`, the one-unit build `libslab.a` is made from;"
          " **slab-sep**: the library's files as separate objects (no inlining across them)")
    w("- command: `make bench` = `%s`" % " ".join(
        ["python3", "bench/run_bench.py"] + sys.argv[1:]))
    w("")
    w("## Method")
    w("")
    w("One harness, `bench/bench.c`, compiled once per allocator. Only the adapter "
      "differs: `bench_alloc(size, align)` / `bench_free(p)`, out-of-line functions the "
      "compiler may not inline or analyse (`noipa`), calling `slab_alloc(heap, size, 8)` "
      "/ `slab_free` on a static, page-aligned 64 MiB arena, or `malloc` / `free` with "
      "jemalloc, mimalloc or tcmalloc linked in place of glibc's. Every request asks for "
      "8-byte alignment (malloc gives 16 anyway). Every block handed out is checked for "
      "NULL and has its first byte written. Random choices (indices, sizes) are drawn "
      "before any measurement, so every allocator sees the same sequence and no RNG cost.")
    w("")
    w("- **ns / pair**: `clock_gettime(CLOCK_MONOTONIC)` around %d pairs; %d runs per "
      "round, %d rounds with the allocators interleaved, the process pinned to CPU %s; "
      "the median of the %d runs. Includes the harness loop (the *null* column: an "
      "allocator that returns one static block and frees nothing). Times on a shared "
      "machine are noisy; compare ratios measured in the same run."
      % (args.time_n, args.reps, args.rounds, cpu, args.reps * args.rounds))
    w("- **instructions / pair**: `valgrind --tool=callgrind`. Each workload runs "
      "N = %d pairs, then 2N pairs, after a warm-up of N; each run is bracketed by "
      "`CALLGRIND_ZERO_STATS` / `CALLGRIND_DUMP_STATS_AT` (`--combine-dumps=yes`). "
      "The 2N run minus the N run removes fixed costs (set-up, first page, client "
      "requests); subtracting the same difference for the null allocator removes the "
      "harness loop. What remains, divided by N, is the allocator's cost per alloc+free "
      "pair, including the call into it and the adapter (about 2-4 instructions of "
      "argument moves and a jump, slightly more for slab, which passes its heap)." % args.cg_n)
    w("- Exact and repeatable for the slab (no caching, no randomness inside); peers "
      "with thread caches amortise refills over many calls, which N = %d averages."
      % args.cg_n)
    w("")

    def wl_tables(keys, label_fn, title_instr, title_ns):
        hdr = ["workload"] + shown + ["slab/" + p for p in PEERS]
        rows = []
        for k in keys:
            r = [label_fn(k)] + [fmt(instr[a].get(k), 0) for a in shown]
            r += [ratio(instr["slab"].get(k), instr[p].get(k)) for p in PEERS]
            rows.append(r)
        w(title_instr)
        w("")
        w(md_table(hdr, rows))
        w("")
        hdr = ["workload"] + shown + ["null (loop)"] + ["slab/" + p for p in PEERS]
        rows = []
        for k in keys:
            r = [label_fn(k)] + [fmt(ns[a].get(k), 2) for a in shown]
            r += [fmt(ns["null"].get(k), 2)]
            r += [ratio(ns["slab"].get(k), ns[p].get(k)) for p in PEERS]
            rows.append(r)
        w(title_ns)
        w("")
        w(md_table(hdr, rows))
        w("")

    w("## Summary")
    w("")
    w("Ratios are slab / allocator: above 1 the slab is slower or executes more.")
    w("")
    rows = []
    for k, lab in [(("hot", 64), "hot 64 B"), (("churn", 64), "churn 4096 x 64 B")]:
        for a in shown:
            tmin = min(tres[a][k]) if tres[a].get(k) else None
            rows.append([lab, a, fmt(instr[a].get(k), 0),
                         "%s (%s)" % (fmt(ns[a].get(k), 2), fmt(tmin, 2)),
                         ratio(instr["slab"].get(k), instr[a].get(k)),
                         ratio(ns["slab"].get(k), ns[a].get(k))])
    w(md_table(["workload", "allocator", "instructions / pair", "ns / pair median (min)",
                "slab / this (instructions)", "slab / this (ns, medians)"], rows, left=2))
    w("")
    targets_table(w, instr, ns, ct_rows, mem, arm)
    w("## 1. Hot pairs: allocate and free one block of one size, again and again")
    w("")
    w("![hot](plots/hot.png)")
    w("")
    wl_tables([("hot", s) for s in HOT_SIZES], lambda k: "%d B" % k[1],
              "Instructions per pair (callgrind, harness loop subtracted); "
              "ratio > 1: the slab executes more", "ns per pair (median, loop included)")
    w("16384 B is past the largest class: slab serves it as a run of 4 pages.")
    w("")
    w("## 2-4. Churn, producer/consumer, random sizes")
    w("")
    w("![churn](plots/churn.png)")
    w("")
    for wl, _ in OTHER_WL:
        w("- **%s**: %s" % (wl, OTHER_DESC[wl]))
    w("")
    wl_tables(OTHER_WL, lambda k: k[0], "Instructions per pair (callgrind, loop subtracted)",
              "ns per pair (median, loop included)")

    # where the slab's instructions go
    w("## Where the slab's instructions go (x86-64, callgrind)")
    w("")
    w("From the line data of the same callgrind dumps as the tables above (N and "
      "2N pairs, `--dump-line=yes`): the difference per source line, over N. Each "
      "instruction is counted on the line the debug line table gives it, in the "
      "innermost inlined function's file (callgrind's `fi=`/`fe=`); "
      "`bench/srclines.py` maps the line to the C function whose body holds it. "
      "The columns split each source function's instructions by the function they "
      "were compiled into (*other*: out-of-line helpers such as `class_page_moves`). "
      "*On entry/exit lines*: the function's head, opening and closing brace, where "
      "GCC puts the prologue (pushes, stack set-up) and epilogue (pops, return) of "
      "an out-of-line function. The same tables for the Cortex-M4 -Os build are in "
      "[ARM.md](ARM.md).")
    w("")
    for k, title, ntop in [(("hot", 64), "hot 64-byte pair", 20),
                           (("churn", 64), "churn (4096 live 64 B blocks)", 12)]:
        b = lbrk[("slab", k)]
        w("### slab, %s" % title)
        w("")
        tbl, tot = srclines.function_table(b["rows"], ["slab_alloc", "slab_free"],
                                           ["in `slab_alloc`", "in `slab_free`"])
        w(tbl)
        w("")
        hx = b["harness"] - b["null"]
        w("Sum check: library lines %s + other code %s + harness difference %s (the "
          "slab binary's loop and adapters minus the null binary's whole pair: the "
          "adapters pass the heap) = %s; the tables above say %s."
          % (srclines.f1(tot["total"]), srclines.f1(b["other"]), srclines.f1(hx),
             srclines.f1(tot["total"] + b["other"] + hx),
             srclines.f1(instr["slab"].get(k))))
        w("")
        g, sent, rest = srclines.groups_sentence(b["rows"], tot["total"])
        w(sent)
        w(srclines.target_sentence(rest, g, 24 if k[0] == "hot" else 40,
                                   instr["slab"].get(k)))
        w("")
        w("Top lines:")
        w("")
        w(srclines.lines_table(b["rows"], ntop))
        w("")
    if ("slab-sep", ("hot", 64)) in lbrk:
        b = lbrk[("slab-sep", ("hot", 64))]
        w("### slab-sep, hot 64-byte pair (no inlining across files)")
        w("")
        tbl, tot = srclines.function_table(b["rows"], ["slab_alloc", "slab_free"],
                                           ["in `slab_alloc`", "in `slab_free`"])
        w(tbl)
        w("")
    w("### By compiled function")
    w("")
    w("Per-function instructions per pair (N..2N difference of the callgrind dumps; "
      "*inclusive* counts callees). `bench_alloc` / `bench_free` are the harness "
      "adapters; `wl_run` is the harness loop (its *inclusive* count is the whole "
      "pair, loop included). Names with `.constprop` / `.isra` are GCC's "
      "specialised copies of static functions.")
    w("")
    for a in brk:
        w("**%s**" % a)
        w("")
        w(md_table(["function", "inclusive / pair", "self / pair"],
                   [[f, fmt(i, 1), fmt(s, 1)] for f, i, s in brk[a]]))
        w("")
    w("Annotated source: `%s/hot64-annotate-<slab|slab-sep>.txt` "
      "(`callgrind_annotate --inclusive=yes --auto=yes` of a `--toggle-collect=prof_hot` "
      "run of %d pairs)." % (work, args.cg_n))
    w("")

    # constant time
    w("## Constant time shown: single calls on every path")
    w("")
    w("Each sample is one call of `slab_alloc` or `slab_free` between "
      "`CALLGRIND_ZERO_STATS` and `CALLGRIND_DUMP_STATS_AT`; the count is the call's "
      "inclusive cost in that dump (from the call to the return, callees included). "
      "Heap: a 1 MiB arena (%d pages of 4 KiB) filled with random sizes 16..4096 B "
      "to 0%%, 25%%, 50%%, 75%% of its pages, full (random sizes to the first refusal, "
      "then 16 B blocks to the next), and fragmented (full, then every other block freed). "
      "For every class an 8-byte-aligned request reaches (all but 20 B) and every level, "
      "the harness sets up each situation (drain the class, exhaust the pool, leave "
      "one empty page in another class, ...) and names the path from what the call "
      "did (stats and page info before and after, outside the measurement). "
      "%d samples." % (mem[1].get(1 << 20, {}).get("pages", 0), len(ct_samples)))
    w("")
    w("![ct](plots/ct.png)")
    w("")
    rows = []
    for path, op, desc, n, best, bat, worst, wat in ct_rows:
        rows.append(["`%s`" % path, desc, n, best, bat, worst, wat,
                     "%.2f" % (worst / best)])
    w(md_table(["path", "what happens", "samples", "best", "best at", "worst",
                "worst at", "worst / best"], rows, left=2))
    w("")
    cls_alloc = [x for x in ct_samples if x["op"] == "alloc" and x["path"].startswith("alloc-")
                 and x["path"] != "alloc-repair"]
    cls_free = [x for x in ct_samples if x["op"] == "free" and x["path"].startswith("free-")
                and x["path"] != "free-refused"]
    if cls_alloc and cls_free:
        ba = min(x["cost"] for x in cls_alloc)
        wa = max(x["cost"] for x in cls_alloc)
        bf = min(x["cost"] for x in cls_free)
        wf = max(x["cost"] for x in cls_free)
        w("Over all class paths (no large blocks, no misuse): `slab_alloc` %d..%d "
          "instructions (worst/best %.2f), `slab_free` %d..%d (worst/best %.2f). "
          "Large blocks cost one pass over the page table, so their worst case grows "
          "with the number of pages (%d here)."
          % (ba, wa, wa / ba, bf, wf, wf / bf, mem[1].get(1 << 20, {}).get("pages", 0)))
        w("")
    # per class, level empty / worst over levels
    w("Per class (worst over all levels), instructions:")
    w("")
    sizes = sorted(set(x["size"] for x in ct_samples if x["size"] <= 4096))
    cols = ["alloc-room", "alloc-pool", "free-partial", "free-was-full", "free-reserve",
            "free-to-pool"]
    rows = []
    for s in sizes:
        r = ["%d B" % s]
        for c in cols:
            v = [x["cost"] for x in ct_samples if x["size"] == s and
                 (x["path"] == c or x["path"] == c + "-was-full")]
            r.append(str(max(v)) if v else "-")
        rows.append(r)
    w(md_table(["class"] + ["`%s`" % c for c in cols], rows))
    w("")

    # memory use
    meta, arenas, cls, rnd, budget, memc = mem
    w("## Memory use: how much of an arena a program gets")
    w("")
    w("A fresh heap on a page-aligned arena; allocate until the first refusal. "
      "Fixed sizes: exactly each class size (alignment 1). Random: sizes uniform in the "
      "range, alignment 8, 20 seeds (mean, min, max). *requested* counts the bytes asked "
      "for, *usable* what `slab_usable_size` grants (rounding to the class).")
    w("")
    per_page = meta.get("page_meta", 0) + meta.get("page_link", 0)
    w("Metadata: `sizeof(page_meta)` + `sizeof(page_link)` = %d + %d = %d B per %d B "
      "page (%.2f%%), heap header `sizeof(struct slab_heap)` = %d B, then padding to "
      "the first page boundary (x86-64 sizes; 32-bit targets have smaller entries)."
      % (meta.get("page_meta", 0), meta.get("page_link", 0), per_page,
         meta.get("page_size", 0), 100.0 * per_page / max(1, meta.get("page_size", 1)),
         meta.get("heap_header", 0)))
    w("")
    rows = []
    for a, d in sorted(arenas.items()):
        rows.append(["%d KiB" % (a // 1024), d["pages"], "%d B" % d["first_page_offset"],
                     "%.2f%%" % (100.0 * d["capacity"] / a)])
    w(md_table(["arena", "pages", "first page at", "pages / arena"], rows))
    w("")
    w("![memory](plots/memory.png)")
    w("")
    rows = []
    a64 = cls.get(65536, [])
    a1m = cls.get(1 << 20, [])
    for x64, x1m in zip(a64, a1m):
        rows.append(["%d B" % x1m[0], x64[2], "%.1f%%" % (100.0 * x64[1] / 65536),
                     x1m[2], "%.1f%%" % (100.0 * x1m[1] / (1 << 20))])
    w(md_table(["class", "blocks (64 KiB)", "of 64 KiB", "blocks (1 MiB)", "of 1 MiB"], rows))
    w("")
    rows = []
    for (a, dist), lst in sorted(rnd.items()):
        req = [x[0] / a * 100 for x in lst]
        use = [x[1] / a * 100 for x in lst]
        rows.append(["%d KiB" % (a // 1024), dist.replace("rand", "") + " B",
                     "%.1f%% (%.1f..%.1f)" % (statistics.mean(req), min(req), max(req)),
                     "%.1f%% (%.1f..%.1f)" % (statistics.mean(use), min(use), max(use)),
                     "%.0f" % statistics.mean(x[2] for x in lst)])
    w(md_table(["arena", "random sizes", "requested / arena", "usable / arena",
                "blocks"], rows))
    w("")
    w("The first refusal of a random-size run comes when one class needs a new page "
      "and none is free, even if other classes' pages still have room: every class in "
      "use holds at least one partly used page, and there are %d classes for %s pages."
      % (meta.get("classes", 0), " / ".join("%d (%d KiB)" % (d["pages"], a // 1024)
                                          for a, d in sorted(arenas.items()))))
    w("")
    mem_budget_section(w, budget, memc, cls, meta.get("page_size", 4096))
    w("Raw outputs of this run: `%s/` (callgrind files, gnuplot scripts and data)." % work)
    w("")

    with open(os.path.join(args.out, "RESULTS.md"), "w") as f:
        f.write("\n".join(L))
    log("wrote %s/RESULTS.md and %s/plots/*.png in %.0f s"
        % (args.out, args.out, time.time() - t_start))

    # console digest
    for k, lab in [(("hot", 64), "hot 64 B"), (("churn", 64), "churn")]:
        print("%-9s " % lab + "  ".join("%s %s instr %s ns" % (a, fmt(instr[a].get(k), 0),
                                                               fmt(ns[a].get(k), 2))
                                        for a in shown))


if __name__ == "__main__":
    main()
