#!/usr/bin/python3
"""Writes compile_commands.json for clang tools from Bazel's C++ compile actions (aquery)."""
import json
import subprocess
import sys

TARGETS = "//load_generation/... + //applications/... + //proto/... + //third_party/..."
# g++ flags that clang rejects, and Bazel's reproducibility macros that clang warns about.
DROP_PREFIXES = ("-fno-canonical-system-headers", "-D__DATE__", "-D__TIMESTAMP__", "-D__TIME__")


def main():
    execroot = subprocess.run(["bazel", "info", "execution_root"], check=True,
                              capture_output=True, text=True).stdout.strip()
    query = subprocess.run(
        ["bazel", "aquery", f'mnemonic("CppCompile", {TARGETS})', "--output=jsonproto"],
        check=True, capture_output=True, text=True).stdout
    commands = []
    for action in json.loads(query).get("actions", []):
        args = action["arguments"]
        source = args[args.index("-c") + 1]
        if source.startswith("bazel-out/") or source.startswith("external/"):
            continue  # generated or system code
        args = [a for a in args if not a.startswith(DROP_PREFIXES)]
        commands.append({"directory": execroot, "file": source, "arguments": args})
    with open("compile_commands.json", "w") as out:
        json.dump(commands, out, indent=1)
    print(f"compile_commands.json: {len(commands)} files", file=sys.stderr)


if __name__ == "__main__":
    main()
