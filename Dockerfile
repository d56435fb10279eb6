# The loadgen image: the daemon, loadgenctl and the wrk2 front end on Debian 12, running as a
# non-root user.
#   podman build --build-arg configDir=applications/hipster_shop/load_generation -t loadgen .
#   podman run -e FRONTEND_ADDR=frontend:80 -p 50051:50051 -p 9464:9464 loadgen
# The config folder's files land in /etc/loadgen (load.pbtxt and whatever it names); the
# target is http://$FRONTEND_ADDR; gRPC control on 0.0.0.0:50051, metrics on 0.0.0.0:9464.
# Arguments after the image name are more loadgen flags (e.g. --wait_for_start), or, when they
# begin with `wrk` or `wrk2`, a wrk2 command line:
#   podman run loadgen wrk -t2 -c10 -d30s -R2000 -L http://frontend:5000

FROM debian:bookworm AS build
COPY tools/install_deps.sh /src/tools/install_deps.sh
RUN /src/tools/install_deps.sh --build
COPY . /src
WORKDIR /src
RUN bazel build -c opt //load_generation:loadgen //load_generation:loadgenctl \
       //load_generation:wrk2 \
    && mkdir /out \
    && cp bazel-bin/load_generation/loadgen bazel-bin/load_generation/loadgenctl \
       bazel-bin/load_generation/wrk2 /out/ \
    && bazel shutdown

FROM debian:bookworm
# Only the shared libraries the binaries link against, and curl for a sweep's setup script
# (kubernetes_manifests/loadgen-sweep-job.yaml).
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
       ca-certificates curl libgrpc++1.51 libprotobuf32 libssl3 \
       libabsl20220623 libluajit-5.1-2 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin loadgen
COPY --from=build /out/loadgen /out/loadgenctl /out/wrk2 /usr/local/bin/
RUN ln -s wrk2 /usr/local/bin/wrk
ARG configDir=applications/hipster_shop/load_generation
COPY ${configDir}/ /etc/loadgen/
COPY tools/image_entrypoint.sh /usr/local/bin/image_entrypoint.sh
ENV FRONTEND_ADDR=frontend:80
USER 10001:10001
EXPOSE 50051 9464
ENTRYPOINT ["/usr/local/bin/image_entrypoint.sh"]
