#!/usr/bin/python3
"""Checks that each package of load_generation/ uses only the packages below it.

The layers come from load_generation/layers.bzl (the list Bazel's visibility is made from). For
every source and BUILD file of a package, each `#include "load_generation/P/..."` and each
`//load_generation/P` dependency must name the package itself or one of a lower layer. Tests
(`*_test.cc`) and testing/ may also use testing/ and the applications.

  check_layering.py ROOT    check the tree at ROOT (default: the current directory)

Prints each wrong-way use as FILE:LINE: what, and a last line 'N passed, N failed' over two
cases: the tree, and a self-check that a planted wrong-way include is caught.
"""
import ast
import os
import re
import sys
import tempfile

USE = re.compile(r'#include "load_generation/(\w+)/|"//load_generation/(\w+)[:"]')


def read_layers(root):
    text = open(os.path.join(root, "load_generation/layers.bzl")).read()
    layers = ast.literal_eval(re.search(r"^LAYERS = (\[.*?^\])", text, re.S | re.M).group(1))
    rank = {package: level for level, layer in enumerate(layers) for package in layer}
    return rank


def violations(root):
    rank = read_layers(root)
    found = []
    base = os.path.join(root, "load_generation")
    for package in sorted(os.listdir(base)):
        folder = os.path.join(base, package)
        if not os.path.isdir(folder):
            continue
        if package not in rank and package != "testing":
            found.append(f"load_generation/{package}: a package missing from layers.bzl")
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith((".h", ".cc", "BUILD.bazel")):
                continue
            is_test = package == "testing" or name.endswith("_test.cc") or name == "BUILD.bazel"
            path = os.path.join(folder, name)
            for number, line in enumerate(open(path, encoding="utf-8"), 1):
                for match in USE.finditer(line):
                    used = match.group(1) or match.group(2)
                    if used == package:
                        continue
                    if used == "testing":
                        if is_test:
                            continue
                        why = "testing/ is for tests only"
                    elif used not in rank:
                        why = f"{used} is not in layers.bzl"
                    elif package == "testing":
                        if used != "cmd":
                            continue
                        why = "testing/ may not use cmd/"
                    elif rank[used] < rank[package]:
                        continue
                    else:
                        why = f"{package} (layer {rank[package]}) may not use {used} " \
                              f"(layer {rank[used]})"
                    found.append(f"load_generation/{package}/{name}:{number}: {why}")
    return found


def planted_violation_is_caught(root):
    """Copies layers.bzl and one file of the tree, plants a wrong-way include, checks it."""
    with tempfile.TemporaryDirectory() as tree:
        os.makedirs(os.path.join(tree, "load_generation/stats"))
        with open(os.path.join(root, "load_generation/layers.bzl")) as src, \
                open(os.path.join(tree, "load_generation/layers.bzl"), "w") as dst:
            dst.write(src.read())
        with open(os.path.join(tree, "load_generation/stats/stats.h"), "w") as planted:
            planted.write('#include "load_generation/control/daemon.h"\n')
        found = violations(tree)
        return found == ["load_generation/stats/stats.h:1: stats (layer 1) may not use control "
                         "(layer 6)"], found


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    passed = failed = 0
    caught, found = planted_violation_is_caught(root)
    if caught:
        passed += 1
    else:
        failed += 1
        print("self-check: a planted include of control/ in stats/ gave", found)
    found = violations(root)
    for line in found:
        print(line)
    if found:
        failed += 1
    else:
        passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
