#!/usr/bin/env python3
"""Compare winagg's output with winagg_ref.py --counts, row by row.

Every field must be equal exactly (numbers as parsed doubles), in the same
rows and order, except where winagg documents an approximation:
distinct_* beyond 256 distinct values must be within 3 HyperLogLog
standard errors (1.04/sqrt(2^p)), p*_ quantiles beyond 64 values within
the DDSketch relative error alpha. Exit 0 when they agree, 1 with the
first differences on stderr.

Usage: winagg_cmp.py [--hll-precision P] [--alpha A] WINAGG.ndjson REF.ndjson
"""
import argparse
import json
import math
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hll-precision", type=int, default=14)
    ap.add_argument("--alpha", type=float, default=0.01)
    ap.add_argument("got")
    ap.add_argument("want")
    o = ap.parse_args()
    got = [json.loads(l) for l in open(o.got) if l.strip()]
    want = [json.loads(l) for l in open(o.want) if l.strip()]
    bad = 0
    approx = 0
    hll_bound = 3 * 1.04 / math.sqrt(2 ** o.hll_precision)

    def fail(msg):
        nonlocal bad
        bad += 1
        if bad <= 10:
            print(msg, file=sys.stderr)

    if len(got) != len(want):
        fail("%d rows, the reference has %d" % (len(got), len(want)))
    for i, (g, w) in enumerate(zip(got, want)):
        counts = w.pop("__counts", {})
        if list(g) != list(w):
            fail("row %d: fields %s, reference %s" % (i + 1, list(g), list(w)))
            continue
        for k in w:
            a, b = g[k], w[k]
            if a == b:
                continue
            n = counts.get(k)
            if k.startswith("distinct_") and n is not None and n > 256 and \
                    abs(a - b) <= hll_bound * b:
                approx += 1
                continue
            if n is not None and n > 64 and not k.startswith("distinct_") and \
                    isinstance(a, (int, float)) and abs(a - b) <= o.alpha * abs(b) * (1 + 1e-9):
                approx += 1
                continue
            fail("row %d (%s %s): %s = %r, reference %r" % (i + 1, w.get("window_start"),
                                                           w.get("window_end"), k, a, b))
    if bad:
        print("%d differences" % bad, file=sys.stderr)
        return 1
    print("%d rows equal (%d sketch values within their bounds)" % (len(want), approx))
    return 0


if __name__ == "__main__":
    sys.exit(main())
