#!/usr/bin/env bash
# Regenerates src/exposition/gen/metrics_pb.ts (the io.prometheus.client protobuf messages) from
# the official metrics.proto. The output is committed: building, running and testing the exporter
# never needs protoc. Run it through `make proto`, from the repository root.
#
# Inputs, all pinned:
#   - metrics.proto: Debian's golang-github-prometheus-client-model-dev (client_model 0.3.0, with
#     the native-histogram fields);
#   - protoc: Debian's protobuf-compiler;
#   - protoc-gen-es: npm @bufbuild/protoc-gen-es, pinned with its dependencies by
#     tools/proto/package-lock.json and installed into a temporary directory (outside the tree,
#     so no node_modules lands next to the sources).
set -euo pipefail

PROTO_DIR=/usr/share/gocode/src/github.com/prometheus/client_model/io/prometheus/client
OUT_DIR=src/exposition/gen
DENO=${DENO:-tools/node_modules/.bin/deno}

if [ ! -f "$PROTO_DIR/metrics.proto" ] || ! command -v protoc >/dev/null; then
  echo "installing golang-github-prometheus-client-model-dev protobuf-compiler"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq golang-github-prometheus-client-model-dev protobuf-compiler >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp tools/proto/package.json tools/proto/package-lock.json "$work/"
(cd "$work" && npm ci --no-audit --no-fund --loglevel=error)

# protoc names the output after the path relative to --proto_path; generate into the work dir and
# keep only metrics_pb.ts.
mkdir -p "$work/out" "$OUT_DIR"
protoc --proto_path="$PROTO_DIR" --proto_path=/usr/include \
  --plugin=protoc-gen-es="$work/node_modules/.bin/protoc-gen-es" \
  --es_out="$work/out" --es_opt=target=ts,import_extension=ts \
  "$PROTO_DIR/metrics.proto"

{
  echo "// GENERATED CODE, DO NOT EDIT: written by protoc-gen-es (tools/gen_proto.sh, \`make proto\`)"
  echo "// from metrics.proto of Debian's golang-github-prometheus-client-model-dev 0.3.0."
  echo "// deno-lint-ignore-file"
  cat "$work/out/metrics_pb.ts"
} >"$OUT_DIR/metrics_pb.ts"

"$DENO" fmt --quiet "$OUT_DIR/metrics_pb.ts"
echo "wrote $OUT_DIR/metrics_pb.ts"
