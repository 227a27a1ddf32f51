#!/usr/bin/env python3
"""
proofs/mutants.py - the proof mutation check (make prove-mutants).

Each mutant of proofs/mutants.txt is one deliberate single-line fault in
src/. It is applied in a scratch copy of the tree (build/mutants/<id>/),
never in src/ itself, and then:

  1. if the file is proved (Makefile PROVED) and the mutant names its
     function, Frama-C WP re-proves that function in the scratch copy
     (same options as make prove, -wp-fct <function>, a scratch copy of
     the prover cache): the mutant is caught by the proofs when a goal is
     left unproved or a smoke test fails (--no-wp skips this step);
  2. the unit tests (test_slab, test_check, ASan+UBSan) are built from the
     scratch copy and run: the mutant is caught by the tests when one fails
     (or the build fails).

Before the mutants, the same tests are built and run on an unmutated
scratch copy (build/mutants/M00): if they do not build or do not pass
there, the check stops, since a failure caused by the machine (a missing
library, say) would otherwise count as a caught mutant.

A mutant nothing catches is a survivor: the report lists each with the
reason the contracts and tests let it through. Writes proofs/MUTANTS.md.

Usage (from the Makefile): proofs/mutants.py --proved "..." --wp-flags "..."
  --test-cc "cc -std=c99 ... -Isrc" [--only M01,M02]
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, 'build', 'mutants')
TESTS = ['test_slab', 'test_check']
SRC = ['src/slab.c', 'src/slab_edge.c', 'src/slab_inspect.c', 'src/heap_pages.c',
       'src/page_block.c', 'src/slab_layout.c', 'src/heap_arena.c']

# Why WP proves a mutant of a proved function (the tests catch these):
# what the contracts do not say yet.
WP_MISS_REASONS = {
    # none at the last run: M11, M12 and M16 (page-list links, the pool's
    # count) were missed until heap_pages.h stated R24 (2026-12-02).
}

# Why a survivor survives, when we know (filled from the last run's
# analysis; a survivor without an entry is reported as "not analysed").
SURVIVOR_REASONS = {
    'M15': 'The clamp it weakens guards against a damaged run length only. '
           'With a run length exactly one past the heap\'s end, the loop reads '
           'the page-table entry just past the last one: memory inside the arena '
           '(the link table), so ASan sees nothing, and no test damages a run '
           'length by exactly one. WP leaves the read of `h->meta[start + k]` and '
           'a precondition of `heap_pool_give` unproved (if the WP step was off, '
           'the mutant survives the tests alone).',
}


def parse_mutants(path):
    out = []
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        parts = [p.strip() for p in line.split(' | ')]
        if len(parts) != 6:
            sys.exit('mutants.txt: bad line: %s' % line)
        mid, fil, fn, text, repl, what = parts
        out.append({'id': mid, 'file': fil, 'fn': fn, 'text': text,
                    'repl': repl, 'what': what})
    return out


def run(cmd, cwd, timeout=1800):
    # PWD must name the scratch copy too: Frama-C resolves a relative file
    # name against $PWD, not the working directory, so without it WP reads
    # src/ of the checkout instead of the mutated copy (the cause of the
    # "WP proves the mutant" results this check once reported).
    env = dict(os.environ, PWD=os.path.abspath(cwd))
    p = subprocess.run(cmd, cwd=cwd, shell=isinstance(cmd, str), env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=timeout)
    return p.returncode, p.stdout


def scratch_copy(m):
    """Copy src/, spec/ and tests/ to build/mutants/<id>/ and apply the
    mutant there (a mutant with an empty text is the unmutated baseline)."""
    d = os.path.join(WORK, m['id'])
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for sub in ('src', 'spec', 'tests'):
        shutil.copytree(os.path.join(ROOT, sub), os.path.join(d, sub),
                        ignore=shutil.ignore_patterns('*.o', 'target', 'preload',
                                                      'threads', 'install'))
    if not m['text']:
        return d, None
    path = os.path.join(d, m['file'])
    text = open(path, encoding='utf-8').read()
    n = text.count(m['text'])
    if n != 1:
        return None, 'the text occurs %d times in %s (must be once)' % (n, m['file'])
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text.replace(m['text'], m['repl']))
    return d, None


def wp_verdict(m, d, wp_flags, tag=''):
    cache = os.path.join(d, 'cache' + tag)
    shutil.copytree(os.path.join(ROOT, 'proofs', 'cache'), cache)
    flags = [f for f in shlex.split(wp_flags)]
    # the scratch cache instead of the committed one, updated, not offline
    out = []
    skip = False
    for f in flags:
        if skip:
            skip = False
            continue
        if f in ('-wp-cache-dir', '-wp-cache'):
            skip = True
            continue
        out.append(f)
    cmd = ['frama-c'] + out + ['-wp-cache-dir', cache, '-wp-cache', 'update',
                               '-wp-fct', m['fn'], m['file']]
    t0 = time.time()
    st, text = run(cmd, d)
    open(os.path.join(d, 'wp%s.log' % tag), 'w').write(' '.join(shlex.quote(c) for c in cmd) + '\n' + text)
    got = re.findall(r'Proved goals:\s+(\d+)\s*/\s*(\d+)', text)
    failed_smoke = len(re.findall(r'\[Failed\] Smoke-test', text))
    if not got and ('No proof obligations' in text or 'No goal generated' in text):
        return False, 'no goal selected', time.time() - t0
    if not got:
        # a mutant that Frama-C rejects (a parse or typing error) is caught
        return True, 'Frama-C rejected it (exit %d)' % st, time.time() - t0
    p, g = int(got[-1][0]), int(got[-1][1])
    caught = p < g or failed_smoke > 0
    return caught, '%d of %d goals proved%s' % (
        p, g, ', %d smoke tests failed' % failed_smoke if failed_smoke else ''), time.time() - t0


def test_verdict(d, test_cc):
    t0 = time.time()
    fails = []
    for t in TESTS:
        exe = os.path.join(d, t)
        cmd = '%s tests/%s.c %s -lcmocka -o %s' % (test_cc, t, ' '.join(SRC), exe)
        st, text = run(cmd, d)
        if st != 0:
            open(os.path.join(d, 'build-%s.log' % t), 'w').write(text)
            return True, '%s does not build' % t, time.time() - t0
        st, text = run([exe], d, timeout=600)
        open(os.path.join(d, 'run-%s.log' % t), 'w').write(text)
        if st != 0:
            names = re.findall(r'^\[  FAILED  \] (test_\w+)', text, re.M)
            if not names:
                names = ['%s crashed (exit %d)' % (t, st)]
            fails += names
    if fails:
        uniq = sorted(set(fails))
        more = '' if len(uniq) <= 3 else ' and %d more' % (len(uniq) - 3)
        return True, 'failed: ' + ', '.join(uniq[:3]) + more, time.time() - t0
    return False, 'all pass', time.time() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--proved', required=True)
    ap.add_argument('--wp-flags', required=True)
    ap.add_argument('--counts-files', default='',
                    help='files whose runs define SLAB_PROOF_COUNTS (the page '
                         'layer: its page-count clauses are proved with the rest)')
    ap.add_argument('--split-run', action='append', default=[],
                    metavar='NAME|FILES|DEFS|PROPS',
                    help='a run of named clauses of make prove (core-lists, '
                         'api-counts, ...): its name, files, preprocessor '
                         'options and -wp-prop names, joined by "|" (one argument, '
                         'written --split-run=..., since DEFS starts with a dash); '
                         'a mutant of one of its files that the main proof does not '
                         'catch is given to it too')
    ap.add_argument('--test-cc', required=True)
    ap.add_argument('--only', default='')
    ap.add_argument('--no-wp', action='store_true',
                    help='tests only: do not give mutants of proved files to WP')
    ap.add_argument('--out', default=os.path.join(ROOT, 'proofs', 'MUTANTS.md'))
    a = ap.parse_args()
    proved = set(a.proved.split())
    mutants = parse_mutants(os.path.join(ROOT, 'proofs', 'mutants.txt'))
    if a.only:
        keep = set(a.only.split(','))
        mutants = [m for m in mutants if m['id'] in keep]
    os.makedirs(WORK, exist_ok=True)
    base, _ = scratch_copy({'id': 'M00', 'file': '', 'text': ''})
    failed, text, _ = test_verdict(base, a.test_cc)
    if failed:
        sys.exit('prove-mutants: the unmutated tests fail (%s, logs in %s): '
                 'fix that first' % (text, os.path.relpath(base, ROOT)))
    rows = []
    caught_n = 0
    t_all = time.time()
    for m in mutants:
        d, err = scratch_copy(m)
        if d is None:
            sys.exit('%s: %s' % (m['id'], err))
        wp = ('-', '')
        by = []
        if not a.no_wp and m['file'] in proved and m['fn'] != '-':
            defs = ' -DSLAB_PROOF_COUNTS' if m['file'] in a.counts_files.split() else ''
            c, text, secs = wp_verdict(m, d, '-cpp-extra-args="-Isrc -Ispec%s" %s'
                                       % (defs, a.wp_flags))
            for name, files, run_defs, props in (r.split('|') for r in a.split_run):
                if c or m['file'] not in files.split() or not props:
                    continue
                # the function's clauses that a run of their own proves
                c2, text2, secs2 = wp_verdict(
                    m, d, '-cpp-extra-args="-Isrc -Ispec %s" %s -wp-prop %s'
                    % (run_defs, a.wp_flags, props), tag='-' + name)
                c, secs = c2, secs + secs2
                text = '%s; run %s: %s' % (text, name, text2)
            wp = ('**caught**: ' + text if c else 'not caught: ' + text, '%.0f s' % secs)
            if c:
                by.append('proofs')
        c, text, secs = test_verdict(d, a.test_cc)
        tests = ('**caught**: ' + text if c else 'not caught: ' + text)
        if c:
            by.append('tests')
        caught = bool(by)
        caught_n += caught
        print('%s %-8s %-30s proofs: %s | tests: %s' % (
            m['id'], 'CAUGHT' if caught else 'SURVIVED', m['file'], wp[0], tests), flush=True)
        rows.append((m, wp, tests, by))
    total = len(mutants)
    score = 100.0 * caught_n / total if total else 0.0
    lines = ['# Proof mutation check', '',
             'Generated by `make prove-mutants` (proofs/mutants.py) from '
             '[mutants.txt](mutants.txt); do not edit by hand.', '',
             'Each mutant is one deliberate single-line fault in `src/`, applied in a '
             'scratch copy. In a proved file, WP re-proves the mutated function with the '
             'options of `make prove` (`-wp-rte`, smoke tests, Z3 and CVC4, 10 s); then the '
             'unit tests (`test_slab`, `test_check`, ASan+UBSan) run on the mutated copy.', '',
             '**Score: %d of %d mutants caught (%.1f%%)**; run time %.0f s.'
             % (caught_n, total, score, time.time() - t_all), '',
             'WP step: %s' % ('off (`--no-wp`): the score comes from the tests alone.'
                              if a.no_wp else
             'on, for the mutants that name a function of a proved file; a mutant '
             'marked "-" in the function column names none (those of `src/slab.c` and '
             '`src/slab_inspect.c`, whose functions take too long to re-prove one '
             'mutant at a time: the tests alone judge them). A mutant of '
             'a proved file that the function\'s proof does not catch is also given '
             'to the runs of `make prove` that prove clauses of its file apart '
             '(' + ', '.join('`%s`' % r.split('|')[0] for r in a.split_run) + '; '
             'Makefile, WP_SPLIT_RUN), one after the other until one catches it. '
             'Counted only since 2026-12-02: earlier runs of this script gave WP '
             'the unmutated `src/` (Frama-C resolves a relative file name against '
             '`$PWD`, which the script did not set for the scratch copy), so every '
             'mutant looked proved.'), '',
             'The tests were first run on an unmutated copy and passed, so a '
             'failure below is the mutant\'s.', '',
             '| id | file | function | fault | proofs | tests | caught by |',
             '|---|---|---|---|---|---|---|']
    for m, wp, tests, by in rows:
        lines.append('| %s | `%s` | %s | %s | %s | %s | %s |' % (
            m['id'], m['file'], '`%s`' % m['fn'] if m['fn'] != '-' else '-',
            m['what'], wp[0] + (' (%s)' % wp[1] if wp[1] else ''), tests,
            ', '.join(by) if by else '**survived**'))
    surv = [m for m, _, _, by in rows if not by]
    lines += ['']
    missed = [m for m, wp, _, by in rows if wp[0].startswith('not caught')]
    if missed:
        lines += ['## Mutants the proofs miss', '',
                  'WP proved every goal of these mutated functions; the tests catch '
                  'them. Each shows a property the contracts do not state yet.', '']
        for m in missed:
            lines.append('- **%s** (%s, `%s`: %s): %s' % (
                m['id'], m['file'], m['fn'], m['what'],
                WP_MISS_REASONS.get(m['id'], 'not analysed yet.')))
        lines.append('')
    if surv:
        lines += ['## Survivors', '']
        for m in surv:
            lines.append('- **%s** (%s: %s): %s' % (
                m['id'], m['file'], m['what'],
                SURVIVOR_REASONS.get(m['id'], 'not analysed yet.')))
        lines.append('')
    open(a.out, 'w').write('\n'.join(lines))
    print('prove-mutants: %d of %d caught (%.1f%%); report %s' % (
        caught_n, total, score, os.path.relpath(a.out, ROOT)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
