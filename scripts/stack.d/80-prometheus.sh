# Prometheus (Debian's `prometheus` package): promtool for the rule and metric tests, and a
# private prometheus for the end-to-end test. The package's own service is never left running:
# this workplace has no systemd, and the only prometheus we run is ours (setsid, own pid file,
# 127.0.0.1, data under $STACK/prometheus).
#   ensure_prometheus                  install the package if promtool is missing
#   start_prometheus CONFIG            start ours on 127.0.0.1:${DATAOPS_PROMETHEUS_PORT:-9090}
#   stop_prometheus | status_prometheus

PROM_PORT=${DATAOPS_PROMETHEUS_PORT:-9090}
PROM_DIR=$STACK/prometheus
PROM_PIDFILE=$RUN/prometheus.pid
# where Debian keeps them (variables so that test/deploy/stack-prometheus.spec.ts can use stubs)
PROM_POLICY_RC=${PROM_POLICY_RC:-/usr/sbin/policy-rc.d}
PROM_INIT_SCRIPT=${PROM_INIT_SCRIPT:-/etc/init.d/prometheus}

ensure_prometheus() {
  if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then return; fi
  say "installing Debian package: prometheus"
  # invoke-rc.d asks policy-rc.d whether it may start a service: 101 = no. Put one in place for
  # the install if there is none (and remove only the one we wrote).
  local policy=$PROM_POLICY_RC ours=no
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# written by scripts/stack (ensure_prometheus) for one apt-get run\nexit 101\n' > "$policy"
    chmod 755 "$policy"; ours=yes
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq || rc=$?
  if [ "$rc" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends prometheus >/dev/null || rc=$?
  fi
  if [ "$ours" = yes ]; then rm -f "$policy"; fi
  [ "$rc" -eq 0 ] || die 1 "apt-get could not install prometheus"
  disable_packaged_prometheus
  command -v promtool >/dev/null 2>&1 || die 1 "the prometheus package is installed but promtool is not on PATH"
}

# Whatever the package started or registered for boot: stop it and keep it from starting again.
disable_packaged_prometheus() {
  if [ -x "$PROM_INIT_SCRIPT" ]; then
    "$PROM_INIT_SCRIPT" stop >/dev/null 2>&1 || true
    update-rc.d prometheus disable >/dev/null 2>&1 || true
  fi
  # the package's daemon runs as user prometheus from /usr/bin/prometheus; ours runs as root
  local pid
  for pid in $(pgrep -u prometheus -x prometheus 2>/dev/null || true); do
    kill -TERM "$pid" 2>/dev/null || true
  done
}

prometheus_ready() { curl -fsS "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null; }

start_prometheus() {
  local config=${1:?usage: start_prometheus CONFIG_FILE}
  [ -f "$config" ] || die 2 "no Prometheus config file $config"
  if pid_alive "$(pid_from "$PROM_PIDFILE")"; then say "prometheus already running (pid $(pid_from "$PROM_PIDFILE"))"; return; fi
  ensure_prometheus
  ensure_port_free "$PROM_PORT" prometheus DATAOPS_PROMETHEUS_PORT
  mkdir -p "$PROM_DIR/data" "$RUN" "$LOGS"
  promtool check config "$config" > "$LOGS/prometheus-check.log" 2>&1 \
    || { cat "$LOGS/prometheus-check.log" >&2; die 1 "promtool rejects $config"; }
  # its own session: a Ctrl-C in the caller's terminal does not reach it; stop_prometheus does
  setsid prometheus \
    --config.file="$config" \
    --storage.tsdb.path="$PROM_DIR/data" \
    --storage.tsdb.retention.time=2d \
    --web.listen-address="127.0.0.1:$PROM_PORT" \
    --web.enable-lifecycle \
    > "$LOGS/prometheus.log" 2>&1 < /dev/null &
  echo $! > "$PROM_PIDFILE"
  wait_for prometheus 60 "$LOGS/prometheus.log" prometheus_ready
  say "prometheus ready on 127.0.0.1:$PROM_PORT ($config)"
}

stop_prometheus() { stop_pidfile prometheus "$PROM_PIDFILE"; }

status_prometheus() { show_status prometheus "$PROM_PIDFILE" "$PROM_PORT" "http://127.0.0.1:$PROM_PORT"; }
