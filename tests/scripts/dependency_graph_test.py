#!/usr/bin/env python3
"""The README's dependency table is CMake's graph: configures the source tree into a scratch
folder with --graphviz and compares the direct links between the project's targets (tetris*)
with the table between the README's 'dependency graph' markers.

Usage: dependency_graph_test.py SOURCE_DIR"""
import re
import subprocess
import sys
import tempfile

source = sys.argv[1]
with tempfile.TemporaryDirectory() as scratch:
    subprocess.run(["cmake", "-S", source, "-B", f"{scratch}/build", "-DTETRIS_BUILD_BENCH=OFF",
                    f"--graphviz={scratch}/graph.dot"], check=True, stdout=subprocess.DEVNULL)
    dot = open(f"{scratch}/graph.dot", encoding="utf-8").read()
cmake_edges = set(re.findall(r"// (tetris\w*) -> (tetris\w*)", dot))

readme = open(f"{source}/README.md", encoding="utf-8").read()
table = re.search(r"<!-- dependency graph: begin -->(.*?)<!-- dependency graph: end -->", readme, re.S)
if not table:
    sys.exit("README.md has no 'dependency graph' table")
readme_edges = set()
for row in table.group(1).splitlines():
    cells = [c.strip() for c in row.strip().strip("|").split("|")]
    if len(cells) != 2 or not cells[0].startswith("`"):
        continue
    target = re.match(r"`(\w+)`", cells[0]).group(1)
    for linked in re.findall(r"`(\w+)`", cells[1]):
        readme_edges.add((target, linked))

missing = sorted(cmake_edges - readme_edges)
extra = sorted(readme_edges - cmake_edges)
for a, b in missing:
    print(f"CMake links {a} -> {b}; README.md does not say so")
for a, b in extra:
    print(f"README.md says {a} -> {b}; CMake does not link it")
if missing or extra:
    sys.exit(1)
print(f"README.md's dependency table matches CMake's graph: {len(cmake_edges)} links")
