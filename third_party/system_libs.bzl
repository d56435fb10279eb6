"""A local repository that wraps Debian's system libraries as cc_library targets.

Each library becomes `@<name>//:<library>`, a cc_library with `linkopts`: headers are in
/usr/include, which the compiler searches already, except where pkg-config names a directory of
their own (-I), which the library then exports. Link flags come from `pkg-config` where the
library ships a .pc file, so that nothing is downloaded and nothing is hard-coded twice.
"""

def _words(text):
    """Whitespace-separated words; Starlark's split() wants an explicit separator."""
    return [w for w in text.replace("\n", " ").replace("\t", " ").split(" ") if w]

def _pkg_config(rctx, args):
    result = rctx.execute(["pkg-config"] + args)
    if result.return_code != 0:
        fail("pkg-config %s failed (run tools/install_deps.sh): %s" %
             (" ".join(args), result.stderr))
    return _words(result.stdout)

def _system_libs_impl(rctx):
    targets = []
    for name, spec in rctx.attr.libraries.items():
        linkopts = []
        includes = []
        if spec.startswith("pkg-config:"):
            modules = _words(spec[len("pkg-config:"):])
            linkopts = _pkg_config(rctx, ["--libs"] + modules)
            for word in _pkg_config(rctx, ["--cflags-only-I"] + modules):
                # A header directory of its own (/usr/include/luajit-2.1): linked into the
                # repository, since Bazel takes headers only from inside one.
                link = "include_%s_%d" % (name, len(includes))
                rctx.symlink(word[len("-I"):], link)
                includes.append(link)
        elif spec:
            linkopts = _words(spec)
        targets.append("""cc_library(
    name = "{name}",
    hdrs = glob({headers}),
    includes = {includes},
    linkopts = {linkopts},
    visibility = ["//visibility:public"],
)
""".format(
            name = name,
            headers = repr([d + "/**" for d in includes]),
            includes = repr(includes),
            linkopts = repr(linkopts),
        ))
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
