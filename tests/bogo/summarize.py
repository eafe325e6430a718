#!/usr/bin/env python3
"""Summarizes a BoGo run: counts from the runner's JSON, failures grouped from its log.

usage: summarize.py RESULTS_JSON RUNNER_LOG [--boringssl-commit C] [--go-version V]
       [--all-tests ALL_JSON --config CONFIG]  (count disabled tests, by reason)
       [--pairs]   (print "wanted error -> our kind" pairs, to maintain config.json)
"""
import argparse
import collections
import datetime
import fnmatch
import json
import re


def test_names(results):
    """Every test name in the runner's JSON (nested by the path delimiter, or flat)."""
    names = []

    def walk(prefix, node):
        if "actual" in node:
            names.append(prefix)
            return
        for key, child in node.items():
            walk(prefix + "/" + key if prefix else key, child)

    walk("", results["tests"])
    return names


def go_match(name, pattern):
    """Go's filepath.Match, as the runner matches DisabledTests (test names hold no
    '/'): fnmatch, with Go's negated class [^...] spelled [!...]."""
    return fnmatch.fnmatchcase(name, pattern.replace("[^", "[!"))


def disabled_by_reason(all_names, config):
    """Disabled tests per reason: each test counts once, under its first pattern."""
    patterns = json.load(open(config))["DisabledTests"]
    by_reason = collections.Counter()
    for name in all_names:
        for pattern, reason in patterns.items():
            if go_match(name, pattern):
                by_reason[reason] += 1
                break
    return by_reason, len(patterns)


def failures(log_text):
    """Yields (test name, block text) for every FAILED test in the runner's log."""
    parts = re.split(r"^FAILED \((.+?)\)\n", log_text, flags=re.M)
    for i in range(1, len(parts), 2):
        block = parts[i + 1]
        # The block ends where the next status line starts.
        block = re.split(r"^(?:PASSED|UNIMPLEMENTED|FAILED|DISABLED) \(", block, flags=re.M)[0]
        yield parts[i], block


def classify(block):
    """A one-line cause: the runner's verdict plus what we did and what it wanted."""
    lines = block.splitlines()
    verdict = lines[0].strip() if lines else "?"
    kind = re.search(r"^kind: (\w+)(?:\((\w+)|\s*\{\s*(?:\w+: )?\"?(\w+))?", block, re.M)
    ours = None
    if kind:
        ours = kind.group(1) + ("::" + (kind.group(2) or kind.group(3)) if (kind.group(2) or kind.group(3)) else "")
    shim = re.search(r"shim error: (.*)", block)
    want = re.search(r'remote: "([^"]*)"', block)
    local = re.search(r'local: "([^"]*)"', block)
    if verdict.startswith("unexpected success"):
        return "accepts what it should refuse (want %s)" % (want.group(1) if want else "?")
    if verdict.startswith("unexpected error"):
        alert = re.search(r"^alert: (\w+)", block, re.M)
        want_local = re.findall(r'local: "([^"]*)"', block)
        if alert and len(want_local) > 1 and want_local[1] and want_local[1] not in want_local[0]:
            return "wrong alert: we send %s for %s, runner saw %s, want %s (%s)" % (
                alert.group(1), ours, want_local[0][:40], want_local[1], want.group(1) if want else "?")
        return "wrong error: we report %s, want %s" % (ours or (shim and shim.group(1)) or "?", want.group(1) if want else "?")
    if verdict.startswith("unexpected failure"):
        if ours:
            return "refuses what it should accept: %s" % ours
        if shim:
            return "refuses what it should accept: shim: %s" % re.sub(r"\d+", "N", shim.group(1))[:90]
        return "unexpected failure: runner says %s" % (local.group(1)[:80] if local else "?")
    return verdict[:100]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("log")
    ap.add_argument("--boringssl-commit", default="unknown")
    ap.add_argument("--go-version", default="unknown")
    ap.add_argument("--pairs", action="store_true")
    ap.add_argument("--all-tests", help="runner JSON of a -include-disabled listing run")
    ap.add_argument("--config", help="the shim config.json")
    a = ap.parse_args()

    res = json.load(open(a.results))
    counts = collections.Counter(t["actual"] for t in res["tests"].values())
    log = open(a.log, errors="replace").read()
    unimplemented = len(re.findall(r"^UNIMPLEMENTED \(", log, re.M))
    disabled = len(re.findall(r"^DISABLED \(", log, re.M))
    fails = list(failures(log))

    if a.pairs:
        pairs = collections.Counter()
        for _, block in fails:
            if block.startswith("unexpected error"):
                want = re.search(r'remote: "([^"]*)"', block)
                kind = re.search(r"^kind: (.*)$", block, re.M)
                pairs[(want.group(1) if want else "?", kind.group(1)[:100] if kind else "?")] += 1
        for (w, k), n in pairs.most_common():
            print(f"{n:4} {w:45} {k}")
        return

    print(f"date: {datetime.date.today().isoformat()}")
    print(f"BoringSSL commit: {a.boringssl_commit}")
    print(f"Go: {a.go_version}")
    print(f"pass: {counts.get('PASS', 0)}")
    print(f"fail: {counts.get('FAIL', 0)}")
    print(f"unimplemented: {unimplemented}")
    by_reason = None
    if a.all_tests and a.config:
        by_reason, patterns = disabled_by_reason(test_names(json.load(open(a.all_tests))), a.config)
        print(f"disabled: {sum(by_reason.values())} (by {patterns} patterns in config.json)")
    else:
        print(f"disabled: {disabled}")
    print()
    groups = collections.defaultdict(list)
    for name, block in fails:
        groups[classify(block)].append(name)
    for cause, names in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        shown = ", ".join(sorted(names)[:6]) + (", ..." if len(names) > 6 else "")
        print(f"{len(names):4}  {cause}\n      {shown}")
    if by_reason:
        print("\ndisabled tests by reason:")
        for reason, n in by_reason.most_common():
            print(f"{n:5}  {reason}")


if __name__ == "__main__":
    main()
