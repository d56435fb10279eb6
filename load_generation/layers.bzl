"""The packages of load_generation/ and the direction of their dependencies.

LAYERS lists the packages from the bottom up. A package may use the packages of the layers below
its own and nothing else: not those beside it, not those above it. The applications
(//applications/...) sit just above `behavior`; testing/ holds the fakes and fixtures that any
package's tests may use; the benchmarks (//bench) may use any package, as the binaries do. Bazel's visibility enforces this at build time, and
//tools:layering_test checks every #include and BUILD dependency against the same list.
"""

LAYERS = [
    ["clock", "config", "plan"],
    ["stats"],
    ["http"],
    ["behavior"],
    ["runtime"],
    ["report"],
    ["control", "wrk"],
    ["cmd"],
]

# The applications may use the packages up to and including this one.
APPLICATIONS_USE_UP_TO = "behavior"

def _layer_of(package):
    for i, layer in enumerate(LAYERS):
        if package in layer:
            return i
    fail("load_generation/%s is not in LAYERS (load_generation/layers.bzl)" % package)

def users_of(package):
    """The visibility of `package`: the packages above it, tests, the binaries and benchmarks."""
    level = _layer_of(package)
    visible = [
        "//load_generation:__pkg__",
        "//load_generation/testing:__pkg__",
        "//bench:__pkg__",
    ]
    for layer in LAYERS[level + 1:]:
        visible += ["//load_generation/%s:__pkg__" % p for p in layer]
    if level <= _layer_of(APPLICATIONS_USE_UP_TO):
        visible.append("//applications:__subpackages__")
    return visible

def package_sources():
    """The package's sources, for //tools:layering_test."""
    native.filegroup(
        name = "sources",
        srcs = native.glob(["*.h", "*.cc", "BUILD.bazel"]),
        visibility = ["//tools:__pkg__"],
    )
