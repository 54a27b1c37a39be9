# ebpf_exporter for Deno: build the examples and the native helper, fill Deno's module cache, then
# run on a slim image as a non-root user whose deno binary carries only the capabilities the
# bundled examples need (README.md, "Capabilities by feature"), with the scoped permission set.
#
#   docker build -t ebpf_exporter_deno .
#   docker run --rm --pid=host -p 9435:9435 \
#     -v /sys/kernel/btf:/sys/kernel/btf:ro -v /sys/fs/cgroup:/sys/fs/cgroup:ro \
#     --cap-add BPF --cap-add PERFMON --cap-add SYSLOG ebpf_exporter_deno
#
# (Not built in this project's CI: its machines have no Docker engine.)

FROM debian:12 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang-19 llvm-19 libbpf-dev libelf-dev bpftool \
      linux-libc-dev make gcc npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/ebpf_exporter
COPY . .
ENV DENO_DIR=/opt/ebpf_exporter/.deno
RUN cd tools && npm ci --no-audit --no-fund \
 && cd .. && make APT_PACKAGES= examples ffi/mark/libebpf_exporter_mark.so \
 && tools/node_modules/.bin/deno install --frozen --entrypoint main.ts

FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libbpf1 libelf1 libcap2-bin pci.ids \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/ebpf_exporter/tools/node_modules/deno/deno /usr/local/bin/deno
COPY --from=build /opt/ebpf_exporter/.deno /opt/ebpf_exporter/.deno
COPY --from=build /opt/ebpf_exporter/deno.json /opt/ebpf_exporter/deno.lock /opt/ebpf_exporter/main.ts /opt/ebpf_exporter/
COPY --from=build /opt/ebpf_exporter/src /opt/ebpf_exporter/src
COPY --from=build /opt/ebpf_exporter/ffi /opt/ebpf_exporter/ffi
COPY --from=build /opt/ebpf_exporter/examples/*.yaml /opt/ebpf_exporter/examples/*.bpf.o /etc/ebpf_exporter/
# File capabilities let the non-root user load and attach tp_btf/raw_tp programs and read symbols.
RUN setcap cap_bpf,cap_perfmon,cap_syslog+ep /usr/local/bin/deno \
 && useradd --system --no-create-home --uid 9435 ebpf_exporter
USER ebpf_exporter
ENV DENO_DIR=/opt/ebpf_exporter/.deno
EXPOSE 9435
ENTRYPOINT ["/usr/local/bin/deno", "run", "--frozen", "--cached-only", \
  "--allow-ffi=/usr/lib/x86_64-linux-gnu/libbpf.so.1,/usr/lib/x86_64-linux-gnu/libc.so.6,/opt/ebpf_exporter/ffi/mark/libebpf_exporter_mark.so", \
  "--allow-read=/etc/ebpf_exporter", \
  "--allow-net=0.0.0.0:9435", \
  "--allow-env=LOG_TOKENS,LOG_STREAM", \
  "/opt/ebpf_exporter/main.ts", \
  "--config.dir=/etc/ebpf_exporter", "--capabilities.keep=cap_syslog"]
CMD ["--config.names=timers,biolatency"]
