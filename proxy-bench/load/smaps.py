#!/usr/bin/env python3
"""Where a JVM's resident memory lies, from /proc/PID/smaps: prints smaps_<part>_kb=N lines.

    smaps.py PID [HEAP_INFO_FILE]

Parts: heap (the Java heap's reserved range, read from `jcmd PID GC.heap_info` output), cds (the
class-data archives, *.jsa), libjvm, other_files (the other mapped files: libraries, the jar),
stacks ([stack] and the JVM's thread stacks are anonymous: they stay in anon), anon (everything
else anonymous: malloc, metaspace, code cache, thread stacks, GC and compiler structures; NMT
says which). Private dirty pages of the archives are what relocation wrote.
"""
import re
import sys

pid = sys.argv[1]
lo = hi = None
if len(sys.argv) > 2:
    addrs = []
    with open(sys.argv[2]) as f:
        for line in f:
            if "generation" in line or "space" in line:
                addrs += [int(a, 16) for a in re.findall(r"0x[0-9a-f]+", line)]
    if addrs:
        lo, hi = min(addrs), max(addrs)

parts = {}
dirty = {}
cur = None
with open(f"/proc/{pid}/smaps") as f:
    for line in f:
        m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$", line)
        if m:
            start, end, path = int(m.group(1), 16), int(m.group(2), 16), m.group(3).strip()
            if lo is not None and start < hi and end > lo:
                cur = "heap"
            elif path.endswith(".jsa"):
                cur = "cds"
            elif "libjvm" in path:
                cur = "libjvm"
            elif path.startswith("/"):
                cur = "other_files"
            elif path == "[stack]":
                cur = "stacks"
            else:
                cur = "anon"
            continue
        if line.startswith("Rss:"):
            parts[cur] = parts.get(cur, 0) + int(line.split()[1])
        elif line.startswith("Private_Dirty:"):
            dirty[cur] = dirty.get(cur, 0) + int(line.split()[1])
for k in ("heap", "cds", "libjvm", "other_files", "stacks", "anon"):
    print(f"smaps_{k}_kb={parts.get(k, 0)} (private dirty {dirty.get(k, 0)})")
