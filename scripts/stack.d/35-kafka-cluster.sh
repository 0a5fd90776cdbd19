# Kafka cluster (optional, --with-kafka-cluster): three KRaft nodes, each broker + controller, from the
# same Maven Central jars as the one-node Kafka (kafka/pom.xml, $JARS/kafka), beside it on other ports.
#   node N (1..3): clients 127.0.0.1:$((KAFKA_CLUSTER_BASE_PORT + N - 1))  (DATAOPS_KAFKA_CLUSTER_PORT, 19092)
#                  controller 127.0.0.1:$((KAFKA_CLUSTER_CONTROLLER_BASE_PORT + N - 1))  (DATAOPS_KAFKA_CLUSTER_CONTROLLER_PORT, 19192)
#                  log dir $STACK/kafka-cluster/N/data, log $LOGS/kafka-cluster-N.log, pid $RUN/kafka-cluster-N.pid
# Static controller.quorum.voters (all three), one cluster id, and the replication a real cluster uses:
# every topic and internal topic has 3 replicas and needs 2 in sync for acks=all, so one node may be
# down without stopping producers or consumer groups.

KAFKA_CLUSTER_BASE_PORT=${DATAOPS_KAFKA_CLUSTER_PORT:-19092}
KAFKA_CLUSTER_CONTROLLER_BASE_PORT=${DATAOPS_KAFKA_CLUSTER_CONTROLLER_PORT:-19192}
KAFKA_CLUSTER_NODES=3
KAFKA_CLUSTER_DIR=$STACK/kafka-cluster

kafka_cluster_port() { echo $((KAFKA_CLUSTER_BASE_PORT + $1 - 1)); }
kafka_cluster_controller_port() { echo $((KAFKA_CLUSTER_CONTROLLER_BASE_PORT + $1 - 1)); }

kafka_cluster_brokers() {
  local n list=()
  for n in $(seq 1 "$KAFKA_CLUSTER_NODES"); do list+=("127.0.0.1:$(kafka_cluster_port "$n")"); done
  (IFS=,; echo "${list[*]}")
}

write_kafka_cluster_config() {
  local n=$1 dir=$KAFKA_CLUSTER_DIR/$1 voters=() m
  for m in $(seq 1 "$KAFKA_CLUSTER_NODES"); do voters+=("$m@127.0.0.1:$(kafka_cluster_controller_port "$m")"); done
  mkdir -p "$dir/data"
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$(IFS=,; echo "${voters[*]}")
listeners=PLAINTEXT://127.0.0.1:$(kafka_cluster_port "$n"),CONTROLLER://127.0.0.1:$(kafka_cluster_controller_port "$n")
advertised.listeners=PLAINTEXT://127.0.0.1:$(kafka_cluster_port "$n")
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=3
auto.create.topics.enable=true
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
unclean.leader.election.enable=false
group.initial.rebalance.delay.ms=0
log.retention.hours=168
PROPS
  write_kafka_log4j "$dir/log4j2.properties" "$LOGS/kafka-cluster-$n.log"
}

# how many brokers node N's metadata lists (0 when it does not answer)
kafka_cluster_seen_by() {
  kcat -L -b "127.0.0.1:$(kafka_cluster_port "$1")" -m 3 2>/dev/null | sed -n 's/^ *\([0-9]*\) brokers:.*/\1/p' | head -n1 | grep . || echo 0
}

start_kafka_cluster() {
  maven_copy "$POMS/kafka" "$JARS/kafka"
  mkdir -p "$KAFKA_CLUSTER_DIR" "$LOGS"
  local n cluster_id
  if [ ! -s "$KAFKA_CLUSTER_DIR/cluster-id" ]; then
    python3 -c 'import base64, uuid; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))' > "$KAFKA_CLUSTER_DIR/cluster-id"
  fi
  cluster_id=$(cat "$KAFKA_CLUSTER_DIR/cluster-id")
  for n in $(seq 1 "$KAFKA_CLUSTER_NODES"); do
    pid_alive "$(pid_from "$RUN/kafka-cluster-$n.pid")" && continue
    ensure_port_free "$(kafka_cluster_port "$n")" "kafka-cluster-$n" DATAOPS_KAFKA_CLUSTER_PORT
    ensure_port_free "$(kafka_cluster_controller_port "$n")" "kafka-cluster-$n-controller" DATAOPS_KAFKA_CLUSTER_CONTROLLER_PORT
    write_kafka_cluster_config "$n"
    if [ ! -f "$KAFKA_CLUSTER_DIR/$n/data/meta.properties" ]; then
      # static voters: format with no --standalone / --initial-controllers flag, the same id on each node
      "$JAVA_HOME/bin/java" -Xmx256m -cp "$JARS/kafka/*" -Dlog4j2.configurationFile="$KAFKA_CLUSTER_DIR/$n/log4j2.properties" \
        kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_CLUSTER_DIR/$n/server.properties" > "$LOGS/kafka-cluster-$n-format.log" 2>&1 \
        || { tail -n 30 "$LOGS/kafka-cluster-$n-format.log" >&2; die 1 "Kafka storage format of node $n failed"; }
    fi
    # setsid: its own session, so a Ctrl-C on the caller does not reach it
    setsid nohup "$JAVA_HOME/bin/java" -Xmx512m -XX:+UseG1GC -cp "$JARS/kafka/*" \
      -Dlog4j2.configurationFile="$KAFKA_CLUSTER_DIR/$n/log4j2.properties" -Dkafka.logs.dir="$LOGS" \
      kafka.Kafka "$KAFKA_CLUSTER_DIR/$n/server.properties" > "$LOGS/kafka-cluster-$n.out" 2>&1 < /dev/null &
    echo $! > "$RUN/kafka-cluster-$n.pid"
  done
  # ready: every node answers and sees all three brokers
  for n in $(seq 1 "$KAFKA_CLUSTER_NODES"); do
    wait_for "kafka-cluster node $n" 120 "$LOGS/kafka-cluster-$n.log" \
      bash -c "[ \"\$(kcat -L -b 127.0.0.1:$(kafka_cluster_port "$n") -m 3 2>/dev/null | sed -n 's/^ *\([0-9]*\) brokers:.*/\1/p' | head -n1)\" = $KAFKA_CLUSTER_NODES ]"
  done
  say "kafka cluster ready: $(kafka_cluster_brokers) (KRaft, $KAFKA_CLUSTER_NODES nodes, replication 3, min.insync.replicas 2)"
}

stop_kafka_cluster() {
  local n
  for n in $(seq 1 "$KAFKA_CLUSTER_NODES"); do stop_pidfile "kafka-cluster-$n" "$RUN/kafka-cluster-$n.pid"; done
}

status_kafka_cluster() {
  local rc=0 n
  for n in $(seq 1 "$KAFKA_CLUSTER_NODES"); do
    show_status "kafka-c$n" "$RUN/kafka-cluster-$n.pid" "$(kafka_cluster_port "$n")" "node $n, controller :$(kafka_cluster_controller_port "$n"), sees $(kafka_cluster_seen_by "$n") brokers" || rc=3
  done
  return $rc
}

kafka_cluster_env_lines() {
  echo "export KAFKA_CLUSTER_BROKERS=$(kafka_cluster_brokers)"
}
