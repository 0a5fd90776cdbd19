# Kafka 4.x, one node in KRaft mode (broker + controller), from the Apache jars on Maven Central.
# Clients: PLAINTEXT on 127.0.0.1:$KAFKA_PORT (9092), and SASL_SSL (SCRAM, TLS) on 127.0.0.1:$KAFKA_SASL_PORT
# (9094) with the CA, keystore and user of 31-kafka-tls.sh.

KAFKA_DIR=$STACK/kafka
KAFKA_PIDFILE=$RUN/kafka.pid

kafka_java() { "$JAVA_HOME/bin/java" -Xmx512m -cp "$JARS/kafka/*" -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" -Dkafka.logs.dir="$LOGS" "$@"; }

write_kafka_config() {
  mkdir -p "$KAFKA_DIR/data"
  # One node: every internal topic has replication factor 1, or groups and transactions hang.
  cat > "$KAFKA_DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
inter.broker.listener.name=PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
PROPS
  # the SASL_SSL listener's settings hold the keystore password: the file is the broker's alone
  kafka_tls_properties >> "$KAFKA_DIR/server.properties"
  chmod 600 "$KAFKA_DIR/server.properties"
  write_kafka_log4j "$KAFKA_DIR/log4j2.properties" "$LOGS/kafka.log"
}

# A broker's log4j2 configuration: everything at info into one file, Kafka's client internals at warn.
write_kafka_log4j() {
  local file=$1 log=$2
  cat > "$file" <<PROPS
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = info
logger.apache.name = org.apache.kafka
logger.apache.level = warn
PROPS
}

start_kafka() {
  maven_copy "$POMS/kafka" "$JARS/kafka"
  ensure_kafka_tls
  if pid_alive "$(pid_from "$KAFKA_PIDFILE")"; then
    # a broker started before the SASL_SSL listener existed is restarted once to get it
    if grep -q '^listeners=.*SASL_SSL://' "$KAFKA_DIR/server.properties" 2>/dev/null; then
      ensure_kafka_scram_user
      return
    fi
    say "kafka: restarting it once to add the SASL_SSL listener on 127.0.0.1:$KAFKA_SASL_PORT"
    stop_kafka
  fi
  ensure_port_free "$KAFKA_PORT" kafka DATAOPS_KAFKA_PORT
  ensure_port_free "$KAFKA_CONTROLLER_PORT" kafka-controller DATAOPS_KAFKA_CONTROLLER_PORT
  ensure_port_free "$KAFKA_SASL_PORT" kafka-sasl-ssl DATAOPS_KAFKA_SASL_PORT
  write_kafka_config
  if [ ! -f "$KAFKA_DIR/data/meta.properties" ]; then
    local cluster_id
    cluster_id=$(python3 -c 'import base64, uuid; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')
    kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_DIR/server.properties" > "$LOGS/kafka-format.log" 2>&1 \
      || { tail -n 30 "$LOGS/kafka-format.log" >&2; die 1 "Kafka storage format failed"; }
  fi
  # setsid: its own session, so a Ctrl-C on the caller (the demo, the tests) does not reach it
  setsid nohup "$JAVA_HOME/bin/java" -Xmx768m -XX:+UseG1GC -cp "$JARS/kafka/*" -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" \
    -Dkafka.logs.dir="$LOGS" kafka.Kafka "$KAFKA_DIR/server.properties" > "$LOGS/kafka.out" 2>&1 < /dev/null &
  echo $! > "$KAFKA_PIDFILE"
  wait_for kafka 90 "$LOGS/kafka.log" kcat -L -b "127.0.0.1:$KAFKA_PORT" -m 3
  ensure_kafka_scram_user
  wait_for kafka-sasl-ssl 60 "$LOGS/kafka.log" kafka_sasl_ready
  say "kafka ready on 127.0.0.1:$KAFKA_PORT (PLAINTEXT) and 127.0.0.1:$KAFKA_SASL_PORT (SASL_SSL, SCRAM user $KAFKA_SASL_USER)"
}

stop_kafka() { stop_pidfile kafka "$KAFKA_PIDFILE"; }
status_kafka() { show_status kafka "$KAFKA_PIDFILE" "$KAFKA_PORT" "bootstrap 127.0.0.1:$KAFKA_PORT (KRaft, one node); SASL_SSL 127.0.0.1:$KAFKA_SASL_PORT (user $KAFKA_SASL_USER, .dataops/secrets/kafka-*)"; }
