#!/usr/bin/python3
"""Function-length check (issue 15): no function body in src/ or problems/ longer than LIMIT lines
(default 120), unless the line before its signature carries `// one piece:` with the reason.

A function is found as a line at brace depth 0 or 1 (free functions, methods, functions in a
namespace) that ends a signature with `{`; its length is counted from the signature's first line
to the matching closing brace. Lambdas and nested blocks count towards their function.

  tests/lint/function_length.py [--limit N] [--report M] [ROOT]
exits 1 listing the functions above the limit; --report M also lists those above M (information).
"""
import argparse
import os
import re
import sys

SIG_END = re.compile(r"\)\s*(const)?\s*(noexcept)?\s*(override)?\s*(->\s*[\w:<>,\s*&]+)?\s*\{\s*$")
CONTROL = re.compile(r"^\s*(if|for|while|switch|catch|else|do|return)\b")


def strip(line):
    """The line without string/char literals and comments (good enough for brace counting)."""
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])*'", "''", line)
    return line.split("//", 1)[0]


def functions(path):
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    depth = 0
    in_raw = False
    out = []
    i = 0
    stack = []  # (start line, name, exempt, depth at open)
    while i < len(lines):
        raw = lines[i]
        if 'R"(' in raw and ')"' not in raw.split('R"(', 1)[1]:
            in_raw = True
        if in_raw:
            if ')"' in raw:
                in_raw = False
            i += 1
            continue
        code = strip(raw)
        if depth <= 2 and SIG_END.search(code) and not CONTROL.match(code) and "=" not in code.split("(")[0]:
            # walk back to the signature's first line
            start = i
            while start > 0 and strip(lines[start - 1]).strip() and not strip(lines[start - 1]).rstrip().endswith((";", "}", "{")) and not lines[start - 1].lstrip().startswith(("//", "#")):
                start -= 1
            name = re.search(r"([\w:~]+)\s*\(", " ".join(strip(l) for l in lines[start:i + 1]))
            exempt = start > 0 and "one piece:" in lines[start - 1]
            stack.append((start, name.group(1) if name else "?", exempt, depth))
        for ch in code:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if stack and depth == stack[-1][3]:
                    start, name, exempt, _ = stack.pop()
                    out.append((name, start + 1, i - start + 1, exempt))
        i += 1
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=120)
    ap.add_argument("--report", type=int, default=0)
    ap.add_argument("root", nargs="?", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    a = ap.parse_args()
    over, info = [], []
    for top in ("src", "problems"):
        for dp, _, files in os.walk(os.path.join(a.root, top)):
            if "node_modules" in dp:
                continue
            for fn in sorted(files):
                if not fn.endswith((".cpp", ".hpp")):
                    continue
                path = os.path.join(dp, fn)
                for name, line, length, exempt in functions(path):
                    rel = os.path.relpath(path, a.root)
                    if length > a.limit and not exempt:
                        over.append((length, f"{rel}:{line}: {name} is {length} lines (limit {a.limit})"))
                    elif a.report and length > a.report:
                        info.append((length, f"{rel}:{line}: {name} {length} lines" + (" (one piece)" if exempt else "")))
    for _, msg in sorted(info, reverse=True):
        print("info:", msg)
    for _, msg in sorted(over, reverse=True):
        print("error:", msg)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
