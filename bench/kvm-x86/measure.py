#!/usr/bin/env python3
"""measure.py RUNS -- ARGV...: start ARGV RUNS times and report, per run, the seconds from
process start to the first byte on stdout ('!', the guest's first instruction), to the "hello"
line, and to exit; the exit-cost lines; and the peak RSS (KiB) from wait4()."""

import os
import re
import select
import statistics
import subprocess
import sys
import time


def one(argv, timeout):
    start = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    out = b""
    first = hello = None
    fd = p.stdout.fileno()
    while True:
        left = timeout - (time.monotonic() - start)
        if left <= 0:
            p.kill()
            raise SystemExit(f"timeout: {' '.join(argv)}")
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            continue
        chunk = os.read(fd, 65536)
        now = time.monotonic() - start
        if not chunk:
            break
        if first is None:
            first = now
        out += chunk
        if hello is None and b"hello\n" in out:
            hello = now
    _, status, rusage = os.wait4(p.pid, 0)
    end = time.monotonic() - start
    costs = {m.group(1): int(m.group(2))
             for m in re.finditer(rb"exit-cost (\S+) (\d+) cycles", out)}
    return first, hello, end, {k.decode(): v for k, v in costs.items()}, rusage.ru_maxrss


def main():
    runs = int(sys.argv[1])
    argv = sys.argv[sys.argv.index("--") + 1:]
    rows = [one(argv, 60) for _ in range(runs)]
    med = lambda xs: statistics.median(x for x in xs if x is not None)
    print(f"first_insn_ms {med(r[0] for r in rows) * 1000:.1f}")
    print(f"first_line_ms {med(r[1] for r in rows) * 1000:.1f}")
    print(f"exit_ms {med(r[2] for r in rows) * 1000:.1f}")
    print(f"peak_rss_kib {med(r[4] for r in rows):.0f}")
    for name in sorted({k for r in rows for k in r[3]}):
        print(f"cycles_{name} {med(r[3].get(name) for r in rows):.0f}")


main()
