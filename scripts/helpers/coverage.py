#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# make coverage's report (scripts/coverage.sh): which of ntexec.ko's basic
# blocks the kernel PCs collected with kcov in the VM reached.
#
# A module built with NTEXEC_COVERAGE=1 calls __sanitizer_cov_trace_pc at the
# start of every basic block; kcov records the call's return address. So the
# blocks are the call sites of __sanitizer_cov_trace_pc (their relocations in
# `objdump -dr` of the .ko), and a PC reached is a return address: the call's
# relocation offset + 4 (call rel32 is 5 bytes, the relocation is at byte 1),
# plus the section's address at run time (/sys/module/ntexec/sections/).
# A block that ends a function may tail-call it instead (jmp): kcov then
# records the caller's return address. Such a PC, found after a call to a
# function F, counts one of F's tail-call blocks as reached (the first: it
# cannot say which, so the figure is a lower bound).
#
# Usage: scripts/helpers/coverage.py BUILD_DIR RESULTS [OUT]
#   BUILD_DIR  the coverage build (ntexec.ko and its .o files)
#   RESULTS    the guest's results: sections.txt, kaslr.txt, fuzz.pcs and
#              suite.pcs (scripts/guest/coverage.sh)
#   OUT        a directory for the per-function list (functions.txt)
# Prints blocks reached / blocks, for the fuzzer alone and for every test
# (the fuzzer's run with the other tests'), by layer, by source file and for
# each ioctl handler (ntexec_ioctl_*).

import collections
import os
import re
import subprocess
import sys

# kcov subtracts the kernel's KASLR offset: kaslr_offset() is _text less
# __START_KERNEL (__START_KERNEL_map + CONFIG_PHYSICAL_START, x86_64's
# defaults).
START_KERNEL = 0xffffffff81000000


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def code_sections(ko):
    """Name -> size of the .ko's sections that hold code."""
    out = run("objdump", "-h", ko).splitlines()
    secs = {}
    for i, line in enumerate(out):
        m = re.match(r"\s*\d+\s+(\S+)\s+([0-9a-f]+)\s", line)
        if m and i + 1 < len(out) and "CODE" in out[i + 1]:
            secs[m.group(1)] = int(m.group(2), 16)
    return secs


def call_sites(ko, secs):
    """The blocks: (section, return address offset) -> function; the
    first tail-call block of each function that has some; and the return
    addresses of direct calls: (section, offset) -> callee."""
    sites, tails, calls = {}, {}, {}
    sec = func = None
    for name in secs:
        out = run("objdump", "-dr", "--no-show-raw-insn", "-j", name, ko)
        insn = None
        for line in out.splitlines():
            m = re.match(r"^Disassembly of section (\S+):", line)
            if m:
                sec = m.group(1)
                continue
            m = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
            if m:
                func = m.group(1)
                continue
            m = re.match(r"^\s+([0-9a-f]+): R_X86_64_(?:PLT32|PC32)\s+(\S+)-0x4$", line)
            if m and insn and insn[0] + 1 == int(m.group(1), 16):
                end = insn[0] + 5
                if m.group(2) == "__sanitizer_cov_trace_pc":
                    sites[(sec, end)] = func
                    if insn[1] == "jmp":
                        tails.setdefault(func, (sec, end))
                elif insn[1] == "call":
                    calls[(sec, end)] = m.group(2)
                continue
            m = re.match(r"^\s+([0-9a-f]+):\s+(call|jmp)\s+[0-9a-f]+\s+<([^>+]+)>$", line)
            if m and m.group(2) == "call":
                calls[(sec, int(m.group(1), 16) + 5)] = m.group(3)
            m = re.match(r"^\s+([0-9a-f]+):\s+(\S+)", line)
            if m:
                insn = (int(m.group(1), 16), m.group(2))
    return sites, tails, calls


def function_files(build):
    """Function name -> the source file (relative to BUILD) defining it."""
    files = {}
    for d in sorted(os.listdir(build)):
        p = os.path.join(build, d)
        if not os.path.isdir(p):
            continue
        for f in sorted(os.listdir(p)):
            if not f.endswith(".o") or f.endswith(".mod.o"):
                continue
            src = os.path.join(d, f[:-2] + ".c")
            for line in run("nm", "--defined-only", os.path.join(p, f)).splitlines():
                parts = line.split()
                if len(parts) == 3 and parts[1] in "tT":
                    files.setdefault(parts[2], src)
    return files


def read_sections(results):
    bases = {}
    with open(os.path.join(results, "sections.txt")) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                bases[parts[0]] = int(parts[1], 16)
    return bases


def kaslr_offset(results):
    try:
        with open(os.path.join(results, "kaslr.txt")) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[2] == "_text":
                    return int(parts[0], 16) - START_KERNEL
    except OSError:
        pass
    return 0


def read_pcs(path):
    pcs = set()
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    pcs.add(int(line, 16))
    except OSError:
        pass
    return pcs


def reached(pcs, code, secs, bases, koff):
    sites, tails, calls = code
    hit = set()
    stray = 0
    ranges = [(bases[s], bases[s] + size, s) for s, size in secs.items() if s in bases]
    for pc in pcs:
        pc += koff
        for lo, hi, s in ranges:
            if lo <= pc < hi:
                key = (s, pc - lo)
                if key in sites:
                    hit.add(key)
                elif calls.get(key) in tails:
                    hit.add(tails[calls[key]])
                else:
                    stray += 1
                break
        else:
            stray += 1
    return hit, stray


def pct(n, d):
    return f"{n:6d}/{d:<6d} {100.0 * n / d if d else 0:5.1f}%"


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__ or "usage: coverage.py BUILD_DIR RESULTS [OUT]")
    build, results = sys.argv[1], sys.argv[2]
    outdir = sys.argv[3] if len(sys.argv) > 3 else None
    ko = os.path.join(build, "ntexec.ko")
    secs = code_sections(ko)
    # Module init and exit code runs outside any test's calls: not counted.
    secs = {s: n for s, n in secs.items() if not s.startswith((".init.", ".exit."))}
    code = call_sites(ko, secs)
    sites = code[0]
    if not sites:
        sys.exit(f"coverage: no __sanitizer_cov_trace_pc call in {ko}: "
                 "not built with NTEXEC_COVERAGE=1 against a kernel with CONFIG_KCOV?")
    files = function_files(build)
    bases = read_sections(results)
    koff = kaslr_offset(results)
    fuzz = read_pcs(os.path.join(results, "fuzz.pcs"))
    suite = read_pcs(os.path.join(results, "suite.pcs"))
    runs = [("fuzzer", fuzz)]
    if suite:
        runs.append(("all tests", fuzz | suite))
    hits = []
    for name, pcs in runs:
        hit, stray = reached(pcs, code, secs, bases, koff)
        hits.append(hit)
        if stray:
            print(f"coverage: {stray} of the {name} PCs are no block of ntexec.ko "
                  "(returns from indirect calls to a tail-call block, or another build)",
                  file=sys.stderr)

    def table(title, key, order=None):
        total = collections.Counter(key(s) for s in sites)
        counts = [collections.Counter(key(s) for s in hit) for hit in hits]
        print(f"\n{title:<36}" + "".join(f" {n:>21}" for n, _ in runs))
        for k in order(total, counts) if order else sorted(total):
            print(f"  {k:<34}" + "".join(f" {pct(c[k], total[k]):>21}" for c in counts))

    def file_of(site):
        return files.get(sites[site], "?")

    total = len(sites)
    print("ntexec.ko basic blocks reached (kcov; a block is a "
          "__sanitizer_cov_trace_pc call site)")
    print(f"{'':<38}" + "".join(f" {n:>21}" for n, _ in runs))
    print(f"{'  all':<38}" + "".join(f" {pct(len(h), total):>21}" for h in hits))
    table("by layer", lambda s: os.path.dirname(file_of(s)) + "/")
    table("by file, least reached first", file_of,
          lambda t, c: sorted(t, key=lambda k: (c[-1][k] / t[k], k)))
    handlers = {s: f for s, f in sites.items() if f.startswith("ntexec_ioctl_")}
    total_h = collections.Counter(handlers.values())
    print(f"\n{'ioctl handlers (ntexec_ioctl_*)':<36}" + "".join(f" {n:>21}" for n, _ in runs))
    print(f"  {'all of them':<34}" + "".join(
        f" {pct(sum(1 for s in hit if s in handlers), len(handlers)):>21}" for hit in hits))
    unreached = [f for f in sorted(total_h) if not any(s in hits[-1] for s in handlers
                                                        if handlers[s] == f)]
    print(f"  never entered: {', '.join(unreached) if unreached else 'none'}")
    low = sorted(total_h, key=lambda f: sum(1 for s in hits[-1] if handlers.get(s) == f)
                 / total_h[f])
    for f in low[:8]:
        print(f"  {f:<34}" + "".join(
            f" {pct(sum(1 for s in hit if handlers.get(s) == f), total_h[f]):>21}"
            for hit in hits))
    if outdir:
        funcs = collections.Counter(sites.values())
        with open(os.path.join(outdir, "functions.txt"), "w") as f:
            f.write("# function file" + "".join(f" {n.replace(' ', '_')}" for n, _ in runs)
                    + " blocks\n")
            for fn in sorted(funcs, key=lambda x: (files.get(x, "?"), x)):
                f.write(f"{fn} {files.get(fn, '?')}" + "".join(
                    f" {sum(1 for s in hit if sites[s] == fn)}" for hit in hits)
                        + f" {funcs[fn]}\n")


if __name__ == "__main__":
    main()
