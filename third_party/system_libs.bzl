"""A local repository that wraps Debian's system libraries as cc_library targets.

Each library becomes `@<name>//:<library>`, a cc_library with only `linkopts`: headers are in
/usr/include, which the compiler searches already. Link flags come from `pkg-config` where the
library ships a .pc file, so that nothing is downloaded and nothing is hard-coded twice.
"""

def _words(text):
    """Whitespace-separated words; Starlark's split() wants an explicit separator."""
    return [w for w in text.replace("\n", " ").replace("\t", " ").split(" ") if w]

def _system_libs_impl(rctx):
    targets = []
    for name, spec in rctx.attr.libraries.items():
        linkopts = []
        if spec.startswith("pkg-config:"):
            modules = _words(spec[len("pkg-config:"):])
            result = rctx.execute(["pkg-config", "--libs"] + modules)
            if result.return_code != 0:
                fail("pkg-config --libs %s failed (run tools/install_deps.sh): %s" %
                     (" ".join(modules), result.stderr))
            linkopts = _words(result.stdout)
        elif spec:
            linkopts = _words(spec)
        targets.append("""cc_library(
    name = "{name}",
    linkopts = {linkopts},
    visibility = ["//visibility:public"],
)
""".format(name = name, linkopts = repr(linkopts)))
    rctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % rctx.name)
    rctx.file("BUILD.bazel", "load(\"@rules_cc//cc:defs.bzl\", \"cc_library\")\n\n" +
                             "\n".join(targets))

system_libs = repository_rule(
    implementation = _system_libs_impl,
    attrs = {
        "libraries": attr.string_dict(
            mandatory = True,
            doc = "Target name to 'pkg-config: MODULE...' or to literal link flags.",
        ),
    },
    environ = ["PKG_CONFIG_PATH"],
    local = True,
)
