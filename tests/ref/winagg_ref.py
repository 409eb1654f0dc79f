#!/usr/bin/env python3
"""Reference implementation of winagg's results, for the tests only.

Written independently of the C code and as plainly as possible: every
window keeps the list of its records' values (no panes, no sketches, no
partial sums), hopping windows get each record directly, sessions are
merged by brute force, distinct counts and quantiles are exact, sums are
math.fsum. It follows DESIGN.md's winagg section: half-open windows aligned
to the epoch (or --offset), watermark = max event time - lateness
(optionally the minimum over inputs), a window closes when the watermark
reaches its end, a record none of whose windows is open is late, rows in
the order windows close (end, start, then group key).

Usage: winagg_ref.py -T FIELD (--tumble S | --hop S/A | --session S)
       [--offset S] [-g F,..] [--missing null|reject] -a AGGS
       [--lateness S] [--watermark global|per-input] [--late-lines FILE] FILE...
Durations here are plain nanosecond integers or NUMBER plus ms/s/m/h/d.
Prints rows as NDJSON; on stderr "read N used N rejected N late N".
Python 3 standard library only.
"""
import argparse
import datetime
import heapq
import itertools
import json
import math
import re
import sys

NS = 1_000_000_000
UNITS = {"ns": 1, "us": 1000, "ms": 1_000_000, "s": NS, "m": 60 * NS, "h": 3600 * NS,
         "d": 86400 * NS}


def duration(s):
    s = s.strip()
    neg = s.startswith("-")
    if neg:
        s = s[1:]
    total = 0
    for num, unit in re.findall(r"(\d+)(ns|us|ms|s|m|h|d)", s):
        total += int(num) * UNITS[unit]
    if total == 0 and s.isdigit():
        total = int(s)
    return -total if neg else total


DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
                     r"(Z|z|[+-]\d{2}(?::?\d{2})?)?$")


def parse_time(v):
    """Event time in integer ns, or raise ValueError."""
    if isinstance(v, bool) or v is None:
        raise ValueError("not a timestamp")
    if isinstance(v, (int, float)):
        return epoch(repr(v) if isinstance(v, float) else str(v))
    if not isinstance(v, str):
        raise ValueError("not a timestamp")
    if re.match(r"^\d{4}-", v):
        m = DATE_RE.match(v)
        if not m:
            raise ValueError("bad date")
        y, mo, d, hh, mm, ss, frac, tz = m.groups()
        dt = datetime.datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0),
                               tzinfo=datetime.timezone.utc)
        days = (dt.date() - datetime.date(1970, 1, 1)).days
        ns = ((days * 86400 + dt.hour * 3600 + dt.minute * 60 + dt.second) * NS)
        if frac:
            ns += int((frac + "000000000")[:9])
        if tz and tz not in ("Z", "z"):
            sign = 1 if tz[0] == "+" else -1
            digits = tz[1:].replace(":", "")
            off = int(digits[:2]) * 3600 + (int(digits[2:4]) if len(digits) > 2 else 0) * 60
            ns -= sign * off * NS
        return ns
    return epoch(v)


def epoch(text):
    m = re.match(r"^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$", text)
    if not m:
        raise ValueError("not a number")
    sign, ip, fp, ex = m.groups()
    fp = fp or ""
    ex = int(ex or 0)
    digits = ip + fp
    scale = len(fp) - ex      # value = int(digits) / 10**scale
    whole = int(digits)
    ipart = whole // 10 ** scale if scale >= 0 else whole * 10 ** (-scale)
    a = abs(ipart)
    mult = NS if a < 10 ** 11 else 1_000_000 if a < 10 ** 14 else 1000 if a < 10 ** 17 else 1
    # exact: whole * mult / 10**scale, truncated toward zero
    if scale >= 0:
        ns = (whole * mult) // 10 ** scale
    else:
        ns = whole * mult * 10 ** (-scale)
    return -ns if sign else ns


def fmt_time(ns):
    sec, frac = divmod(ns, NS)
    dt = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=sec)
    s = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        f = "%09d" % frac
        if f.endswith("000000"):
            f = f[:3]
        elif f.endswith("000"):
            f = f[:6]
        s += "." + f
    return s + "Z"


def floor_to(t, size, offset):
    return (t - offset) // size * size + offset


def get_path(obj, path):
    for seg in path.split("."):
        if not isinstance(obj, dict) or seg not in obj:
            return None, False
        obj = obj[seg]
    return obj, True


def as_number(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str) and re.match(r"^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$", v):
        return float(v)
    return None


def quantile_cont(vals, q):
    v = sorted(vals)
    h = q * (len(v) - 1)
    lo, hi = math.floor(h), math.ceil(h)
    if lo == hi:
        return v[lo]
    return v[lo] + (h - lo) * (v[hi] - v[lo])


class Agg:
    def __init__(self, spec):
        self.spec = spec
        kind, _, field = spec.partition(":")
        self.kind, self.field = kind, field or None
        self.name = kind + ("_" + field if field else "")
        self.q = float(kind[1:]) / 100 if kind.startswith("p") else None


def render(aggs, recs):
    """recs: list of (t, seq, values-dict)."""
    out = {}
    for a in aggs:
        if a.kind == "count" and a.field is None:
            out[a.name] = len(recs)
            continue
        vals = [(t, s, v[a.name]) for t, s, v in recs if v.get(a.name) is not None]
        if a.kind == "count":
            out[a.name] = len(vals)
        elif a.kind == "sum":
            out[a.name] = math.fsum(x for _, _, x in vals)
        elif a.kind == "avg":
            out[a.name] = math.fsum(x for _, _, x in vals) / len(vals) if vals else None
        elif a.kind == "min":
            out[a.name] = min((x for _, _, x in vals), default=None)
        elif a.kind == "max":
            out[a.name] = max((x for _, _, x in vals), default=None)
        elif a.kind == "first":
            out[a.name] = min(vals, key=lambda r: (r[0], r[1]))[2] if vals else None
        elif a.kind == "last":
            out[a.name] = max(vals, key=lambda r: (r[0], r[1]))[2] if vals else None
        elif a.kind == "distinct":
            out[a.name] = len(set(x for _, _, x in vals))
        else:
            out[a.name] = quantile_cont([x for _, _, x in vals], a.q) if vals else None
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-T", required=True)
    ap.add_argument("--tumble")
    ap.add_argument("--hop")
    ap.add_argument("--session")
    ap.add_argument("--offset", default="0")
    ap.add_argument("-g", default="")
    ap.add_argument("--missing", default="reject")
    ap.add_argument("-a", required=True)
    ap.add_argument("--lateness", default="0")
    ap.add_argument("--watermark", default="global")
    ap.add_argument("--late-lines")
    ap.add_argument("--counts", action="store_true",
                    help="add __counts: values per distinct/pNN aggregate (for winagg_cmp.py)")
    ap.add_argument("files", nargs="+")
    o = ap.parse_args()

    offset = duration(o.offset)
    lateness = duration(o.lateness)
    groups = [g for g in o.g.split(",") if g]
    aggs = [Agg(s) for s in o.a.split(",")]
    if o.tumble:
        kind, size, adv = "pane", duration(o.tumble), duration(o.tumble)
    elif o.hop:
        s, a = o.hop.split("/")
        kind, size, adv = "pane", duration(s), duration(a)
    else:
        kind, gap = "session", duration(o.session)

    out = []
    late_lines = []
    nread = nrej = nlate = 0
    maxes = [None] * len(o.files)
    gmax = None
    windows = {}     # (start, end, key) -> [records]
    sessions = {}    # key -> list of [start, last, records]
    emitted_end = {}
    seq = 0

    def watermark():
        if o.watermark == "per-input":
            if any(m is None for m in maxes):
                return None
            return min(maxes) - lateness
        return None if gmax is None else gmax - lateness

    ends = []        # heap of (end, tiebreak, key, start or session) of open windows
    tick = itertools.count()

    def close(wm):
        # (a heap only to find the windows whose end the watermark passed)
        if wm is None:
            return
        done = []
        while ends and ends[0][0] <= wm:
            end, _, key, x = heapq.heappop(ends)
            if kind == "pane":
                done.append((end, x, key, windows.pop((x, end, key))))
            elif any(s is x for s in sessions[key]) and x[1] + gap == end:
                sessions[key][:] = [s for s in sessions[key] if s is not x]
                done.append((end, x[0], key, x[2]))
                emitted_end[key] = max(emitted_end.get(key, end), end)
        done.sort(key=lambda d: (d[0], d[1], d[2]))
        for end, start, key, recs in done:
            out.append((start, end, key, recs))

    for fi, path in enumerate(o.files):
        with open(path, "rb") as f:
            for lineno, raw in enumerate(f, 1):
                line = raw.rstrip(b"\n")
                if line.strip(b" \t\r") == b"":
                    continue
                nread += 1
                try:
                    rec = json.loads(line.decode("utf-8"))
                    if not isinstance(rec, dict):
                        raise ValueError
                    tv, ok = get_path(rec, o.T)
                    if not ok or tv is None:
                        raise ValueError
                    t = parse_time(tv)
                    key = []
                    for g in groups:
                        v, ok = get_path(rec, g)
                        if not ok or v is None:
                            if o.missing != "null":
                                raise ValueError
                            key.append((1, b""))
                        elif isinstance(v, str):
                            key.append((2, v.encode()))
                        else:
                            key.append((3, json.dumps(v, separators=(",", ":")).encode()))
                    key = tuple(key)
                    vals = {}
                    for a in aggs:
                        if a.field is None:
                            continue
                        v, ok = get_path(rec, a.field)
                        if not ok or v is None:
                            vals[a.name] = None
                        elif a.kind in ("first", "last", "distinct", "count"):
                            vals[a.name] = v if a.kind != "distinct" else json.dumps(v)
                        else:
                            x = as_number(v)
                            if x is None or not math.isfinite(x):
                                raise ValueError
                            vals[a.name] = x
                except (ValueError, UnicodeDecodeError, json.JSONDecodeError, OverflowError):
                    nrej += 1
                    continue
                wm = watermark()
                r = (t, seq, vals)
                seq += 1
                added = False
                if kind == "pane":
                    ws = floor_to(t, adv, offset)
                    while ws + size > t:
                        if wm is None or ws + size > wm:
                            if (ws, ws + size, key) not in windows:
                                windows[(ws, ws + size, key)] = []
                                heapq.heappush(ends, (ws + size, next(tick), key, ws))
                            windows[(ws, ws + size, key)].append(r)
                            added = True
                        ws -= adv
                else:
                    lst = sessions.setdefault(key, [])
                    if key in emitted_end and t <= emitted_end[key]:
                        pass
                    else:
                        hits = [s for s in lst if s[0] - gap <= t <= s[1] + gap]
                        if hits:
                            # merge into the first hit, in place (records appended,
                            # not copied: popular groups have long sessions)
                            s0 = hits[0]
                            for h in hits[1:]:
                                s0[2].extend(h[2])
                            s0[0] = min([h[0] for h in hits] + [t])
                            s0[1] = max([h[1] for h in hits] + [t])
                            s0[2].append(r)
                            if len(hits) > 1:
                                lst[:] = [s for s in lst if not any(s is h for h in hits[1:])]
                            heapq.heappush(ends, (s0[1] + gap, next(tick), key, s0))
                            added = True
                        elif wm is None or t + gap > wm:
                            s0 = [t, t, [r]]
                            lst.append(s0)
                            heapq.heappush(ends, (t + gap, next(tick), key, s0))
                            added = True
                if not added:
                    nlate += 1
                    late_lines.append("%s:%d" % (path, lineno))
                if maxes[fi] is None or t > maxes[fi]:
                    maxes[fi] = t
                if gmax is None or t > gmax:
                    gmax = t
                close(watermark())
    close(2 ** 63 - 1 + lateness)
    w = sys.stdout
    for start, end, key, recs in out:
        row = {"window_start": fmt_time(start), "window_end": fmt_time(end)}
        for g, (tag, b) in zip(groups, key):
            row[g] = None if tag == 1 else b.decode() if tag == 2 else json.loads(b)
        row.update(render(aggs, recs))
        if o.counts:
            row["__counts"] = {a.name: len(set(v[a.name] for _, _, v in recs if v.get(a.name) is not None))
                               if a.kind == "distinct" else
                               sum(1 for _, _, v in recs if v.get(a.name) is not None)
                               for a in aggs if a.kind == "distinct" or a.q is not None}
        w.write(json.dumps(row, separators=(",", ":")) + "\n")
    if o.late_lines:
        with open(o.late_lines, "w") as f:
            f.write("".join(x + "\n" for x in late_lines))
    print("read %d used %d rejected %d late %d" % (nread, nread - nrej - nlate, nrej, nlate),
          file=sys.stderr)


if __name__ == "__main__":
    main()
