"""fuzz_test: a libFuzzer target and the test that runs it (tools/run_fuzz.sh).

Under --config=fuzz (clang, libFuzzer, ASan; tools/test.sh builds it in an output base of its
own) the test mutates the seed corpus for `runs` inputs, and a crash fails it. In every other
build the same source is linked with //load_generation/testing:fuzz_driver and the test runs
each seed once, so the seeds and the crashes added to them stay regression tests.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary")

def fuzz_test(name, srcs, deps, corpus, runs = 20000):
    native.sh_test(
        name = name,
        size = "medium",
        srcs = ["//tools:run_fuzz.sh"],
        args = [
            "$(rootpath :%s_target)" % name,
            str(runs),
            "%s/%s" % (native.package_name(), corpus),
        ],
        data = [":%s_target" % name] + native.glob([corpus + "/*"]),
        tags = ["fuzz"],
    )
    cc_binary(
        name = name + "_target",
        testonly = True,
        srcs = srcs,
        deps = deps + select({
            "//tools:fuzzing": [],
            "//conditions:default": ["//load_generation/testing:fuzz_driver"],
        }),
        linkopts = select({
            "//tools:fuzzing": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
    )
