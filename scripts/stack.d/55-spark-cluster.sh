# Spark standalone (optional, --with-spark-cluster): one master and two workers from the pyspark
# installation in $VENV (spark-class; pip's pyspark has no sbin/start-*.sh), each a JVM in its own
# session. Jobs then run with spark.master spark://127.0.0.1:$SPARK_CLUSTER_PORT: executors are JVMs
# the workers start (Python workers under them), with the job package (--py-files) and the JDBC jars
# (--jars) shipped by the driver.
#   master  spark://127.0.0.1:$SPARK_CLUSTER_PORT (DATAOPS_SPARK_MASTER_PORT, 7077), UI :8090 (DATAOPS_SPARK_MASTER_UI_PORT)
#   workers --cores 1 --memory 1g each (DATAOPS_SPARK_WORKER_CORES/_MEMORY), UIs :8091 :8092
#           (DATAOPS_SPARK_WORKER_UI_PORT, +1 each), work dirs $STACK/spark-worker-N (app-*/N/stdout|stderr)

SPARK_CLUSTER_PORT=${SPARK_CLUSTER_PORT:-${DATAOPS_SPARK_MASTER_PORT:-7077}}
SPARK_CLUSTER_UI_PORT=${SPARK_CLUSTER_UI_PORT:-${DATAOPS_SPARK_MASTER_UI_PORT:-8090}}
SPARK_CLUSTER_WORKER_UI_PORT=${SPARK_CLUSTER_WORKER_UI_PORT:-${DATAOPS_SPARK_WORKER_UI_PORT:-8091}}
SPARK_CLUSTER_WORKERS=${DATAOPS_SPARK_WORKERS:-2}
SPARK_CLUSTER_WORKER_CORES=${DATAOPS_SPARK_WORKER_CORES:-1}
SPARK_CLUSTER_WORKER_MEMORY=${DATAOPS_SPARK_WORKER_MEMORY:-1g}
SPARK_CLUSTER_DIR=$STACK/spark-cluster

spark_cluster_url() { echo "spark://127.0.0.1:$SPARK_CLUSTER_PORT"; }

# what the master's UI says about itself, e.g. `spark_master_json aliveworkers`
spark_master_json() {
  curl -fsS "http://127.0.0.1:$SPARK_CLUSTER_UI_PORT/json/" 2>/dev/null \
    | "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1" 2>/dev/null || true
}

# The environment of the daemons (and so of the executors they start): loopback only, the venv's
# Python for Python workers, finished applications' folders cleaned after a day.
spark_daemon() {
  local name=$1; shift
  env JAVA_HOME="$JAVA_HOME" SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_HOSTNAME=127.0.0.1 \
    SPARK_DAEMON_MEMORY=512m PYSPARK_PYTHON="$VENV/bin/python" \
    SPARK_WORKER_OPTS="-Dspark.worker.cleanup.enabled=true -Dspark.worker.cleanup.appDataTtl=86400" \
    setsid nohup "$VENV/bin/spark-class" "$@" > "$LOGS/$name.log" 2>&1 < /dev/null &
  # spark-class ends with exec java: this is the JVM's pid
  echo $! > "$RUN/$name.pid"
}

spark_cluster_ready() {
  pid_alive "$(pid_from "$RUN/spark-master.pid")" || return 2
  [ "$(spark_master_json status)" = ALIVE ] || return 1
  [ "$(spark_master_json aliveworkers)" -ge "$SPARK_CLUSTER_WORKERS" ] 2>/dev/null
}

start_spark_cluster() {
  [ -x "$VENV/bin/spark-class" ] || die 1 "no $VENV/bin/spark-class: run scripts/stack up first (it installs pyspark)"
  mkdir -p "$SPARK_CLUSTER_DIR" "$LOGS"
  if ! pid_alive "$(pid_from "$RUN/spark-master.pid")"; then
    ensure_port_free "$SPARK_CLUSTER_PORT" spark-master DATAOPS_SPARK_MASTER_PORT
    ensure_port_free "$SPARK_CLUSTER_UI_PORT" spark-master-ui DATAOPS_SPARK_MASTER_UI_PORT
    spark_daemon spark-master org.apache.spark.deploy.master.Master \
      --host 127.0.0.1 --port "$SPARK_CLUSTER_PORT" --webui-port "$SPARK_CLUSTER_UI_PORT"
  fi
  local n ui
  for n in $(seq 1 "$SPARK_CLUSTER_WORKERS"); do
    pid_alive "$(pid_from "$RUN/spark-worker-$n.pid")" && continue
    ui=$((SPARK_CLUSTER_WORKER_UI_PORT + n - 1))
    ensure_port_free "$ui" "spark-worker-$n-ui" DATAOPS_SPARK_WORKER_UI_PORT
    mkdir -p "$STACK/spark-worker-$n"
    spark_daemon "spark-worker-$n" org.apache.spark.deploy.worker.Worker "$(spark_cluster_url)" \
      --host 127.0.0.1 --cores "$SPARK_CLUSTER_WORKER_CORES" --memory "$SPARK_CLUSTER_WORKER_MEMORY" \
      --work-dir "$STACK/spark-worker-$n" --webui-port "$ui"
  done
  local rc
  for _ in $(seq 1 90); do
    rc=0; spark_cluster_ready || rc=$?
    [ "$rc" = 0 ] && break
    [ "$rc" = 2 ] && { tail -n 30 "$LOGS/spark-master.log" >&2; die 1 "the Spark master exited during start; see $LOGS/spark-master.log"; }
    sleep 1
  done
  [ "$rc" = 0 ] || { tail -n 20 "$LOGS/spark-master.log" "$LOGS/spark-worker-1.log" >&2 || true; die 1 "the Spark cluster did not have $SPARK_CLUSTER_WORKERS alive workers in 90s"; }
  say "spark cluster ready: $(spark_cluster_url) with $(spark_master_json aliveworkers) workers, UI http://127.0.0.1:$SPARK_CLUSTER_UI_PORT"
}

stop_spark_cluster() {
  local pidfile
  # workers first, so the master does not log them as lost
  for pidfile in "$RUN"/spark-worker-*.pid; do
    [ -e "$pidfile" ] || continue
    stop_pidfile "$(basename "$pidfile" .pid)" "$pidfile"
  done
  stop_pidfile spark-master "$RUN/spark-master.pid"
}

status_spark_cluster() {
  local rc=0 n
  show_status spark-mst "$RUN/spark-master.pid" "$SPARK_CLUSTER_PORT" "$(spark_cluster_url), UI http://127.0.0.1:$SPARK_CLUSTER_UI_PORT, alive workers: $(spark_master_json aliveworkers)" || rc=3
  for n in $(seq 1 "$SPARK_CLUSTER_WORKERS"); do
    show_status "spark-wk$n" "$RUN/spark-worker-$n.pid" "$((SPARK_CLUSTER_WORKER_UI_PORT + n - 1))" "work dir $STACK/spark-worker-$n" || rc=3
  done
  return $rc
}

spark_cluster_env_lines() {
  echo "export SPARK_CLUSTER_MASTER=$(spark_cluster_url)"
  echo "export SPARK_CLUSTER_UI=http://127.0.0.1:$SPARK_CLUSTER_UI_PORT"
}
