"""Protocol buffers with Debian's protoc and grpc_cpp_plugin, for Bazel 4.2 with no downloads.

`cc_proto(name, srcs, deps, grpc)` gives, for `.proto` files in the current package:
  * `<name>_proto`: the proto sources with those of their deps (a proto_library-like target);
  * `<name>`: a cc_library of the generated message (and, with grpc = True, service) code.
Generated headers are included by import path: `#include "proto/load_config.pb.h"`.
"""

load("@rules_cc//cc:defs.bzl", "cc_library")

ProtoSourcesInfo = provider(
    doc = "The .proto files of a target and of everything it imports.",
    fields = {
        "direct": "list of File: this target's own .proto files",
        "transitive": "depset of File: these and every imported .proto",
    },
)

_PROTOC = "/usr/bin/protoc"
_GRPC_CPP_PLUGIN = "/usr/bin/grpc_cpp_plugin"
_WELL_KNOWN_TYPES = "/usr/include"  # google/protobuf/*.proto from libprotobuf-dev

def _import_root(f):
    """The directory that protoc must search to find `f` under its import path."""
    return f.owner.workspace_root or "."

def _proto_sources_impl(ctx):
    transitive = depset(ctx.files.srcs, transitive = [d[ProtoSourcesInfo].transitive for d in ctx.attr.deps])
    return [
        ProtoSourcesInfo(direct = ctx.files.srcs, transitive = transitive),
        DefaultInfo(files = depset(ctx.files.srcs)),
    ]

_proto_sources = rule(
    implementation = _proto_sources_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = [".proto"]),
        "deps": attr.label_list(providers = [ProtoSourcesInfo]),
    },
)

def _cc_proto_codegen_impl(ctx):
    info = ctx.attr.proto[ProtoSourcesInfo]
    package_prefix = ctx.label.package + "/" if ctx.label.package else ""
    suffixes = [".pb.h", ".pb.cc"] + ([".grpc.pb.h", ".grpc.pb.cc"] if ctx.attr.grpc else [])
    outputs = []
    for src in info.direct:
        root = _import_root(src)
        import_path = src.path if root == "." else src.path[len(root) + 1:]
        if not import_path.startswith(package_prefix):
            fail("%s must be in package %s" % (src.path, ctx.label.package))
        stem = import_path[len(package_prefix):-len(".proto")]
        outputs += [ctx.actions.declare_file(stem + s) for s in suffixes]

    out_dir = ctx.bin_dir.path
    if ctx.label.workspace_root:
        out_dir += "/" + ctx.label.workspace_root
    args = ctx.actions.args()
    roots = sorted({_import_root(f): True for f in info.transitive.to_list()}.keys())
    args.add_all(roots, format_each = "-I%s")
    args.add("-I" + _WELL_KNOWN_TYPES)
    args.add("--cpp_out=" + out_dir)
    if ctx.attr.grpc:
        args.add("--plugin=protoc-gen-grpc=" + _GRPC_CPP_PLUGIN)
        args.add("--grpc_out=" + out_dir)
    args.add_all(info.direct)
    ctx.actions.run(
        executable = _PROTOC,
        arguments = [args],
        inputs = info.transitive,
        outputs = outputs,
        mnemonic = "ProtocCpp",
        progress_message = "Generating C++ code for %s" % ctx.label,
    )
    headers = [f for f in outputs if f.extension == "h"]
    sources = [f for f in outputs if f.extension == "cc"]
    return [
        DefaultInfo(files = depset(outputs)),
        OutputGroupInfo(headers = depset(headers), sources = depset(sources)),
    ]

_cc_proto_codegen = rule(
    implementation = _cc_proto_codegen_impl,
    attrs = {
        "proto": attr.label(mandatory = True, providers = [ProtoSourcesInfo]),
        "grpc": attr.bool(default = False),
    },
)

def cc_proto(name, srcs, deps = [], grpc = False, visibility = None):
    """C++ code for `srcs`; `deps` are other cc_proto targets whose files `srcs` import."""
    _proto_sources(
        name = name + "_proto",
        srcs = srcs,
        deps = [d + "_proto" for d in deps],
        visibility = visibility,
    )
    _cc_proto_codegen(name = name + "_codegen", proto = name + "_proto", grpc = grpc)
    native.filegroup(name = name + "_hdrs", srcs = [name + "_codegen"], output_group = "headers")
    native.filegroup(name = name + "_srcs", srcs = [name + "_codegen"], output_group = "sources")
    cc_library(
        name = name,
        srcs = [name + "_srcs"],
        hdrs = [name + "_hdrs"],
        deps = deps + ["@system//:protobuf"] + (["@system//:grpc++"] if grpc else []),
        visibility = visibility,
    )
