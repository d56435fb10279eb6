#!/bin/bash
# The image's entry point. Arguments that begin with `wrk` or `wrk2` are a wrk2 command line, run
# by the wrk2 front end (as the deathstarbench/wrk2-client image runs them). Otherwise: the
# daemon on the config in /etc/loadgen, against $FRONTEND_ADDR, with its control service (token
# from /etc/loadgen-token/token, when mounted) and metrics on every interface of the pod. Later
# flags win, so arguments given to the container override these.
case "${1:-}" in
  wrk | wrk2) shift; exec /usr/local/bin/wrk2 "$@" ;;
esac
token=()
[ -f /etc/loadgen-token/token ] && token=(--control_token_file=/etc/loadgen-token/token)
exec /usr/local/bin/loadgen --config=/etc/loadgen/load.pbtxt --host="http://${FRONTEND_ADDR}" \
  --grpc_address=0.0.0.0:50051 --metrics_address=0.0.0.0:9464 "${token[@]}" "$@"
