# HDFS (optional, --with-hdfs): a MiniDFSCluster from Maven Central (hadoop-client-minicluster, see
# hdfs/pom.xml) with one NameNode and two DataNodes in one JVM, WebHDFS on. Its ready-made main
# org.apache.hadoop.test.MiniDFSClusterManager is used as is: no HADOOP_HOME, no hadoop scripts.
#   NameNode RPC   hdfs://127.0.0.1:$HDFS_PORT   (DATAOPS_HDFS_PORT, default 9000)
#   NameNode HTTP  http://127.0.0.1:$HDFS_HTTP_PORT/webhdfs/v1   (DATAOPS_HDFS_HTTP_PORT, default 9870)
#   DataNodes      127.0.0.1 on ports the mini cluster picks (WebHDFS CREATE/OPEN redirect there)
# Data lives in $STACK/hdfs/data and survives a restart (formatted only on the first start;
# DATAOPS_HDFS_FORMAT=1 wipes it). Permission checks are off: Spark (the OS user) and the Node side
# (WebHDFS user.name) write the same trees here; see docs/scale-out.md for a real cluster.

HDFS_PORT=${HDFS_PORT:-${DATAOPS_HDFS_PORT:-9000}}
HDFS_HTTP_PORT=${HDFS_HTTP_PORT:-${DATAOPS_HDFS_HTTP_PORT:-9870}}
HDFS_DATANODES=${DATAOPS_HDFS_DATANODES:-2}
HDFS_DIR=$STACK/hdfs
HDFS_PIDFILE=$RUN/hdfs.pid


hdfs_live_datanodes() {
  curl -fsS "http://127.0.0.1:$HDFS_HTTP_PORT/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState" 2>/dev/null \
    | grep -o '"NumLiveDataNodes" *: *[0-9]*' | grep -o '[0-9]*$' || echo 0
}

hdfs_ready() {
  local pid
  pid=$(pid_from "$HDFS_PIDFILE")
  pid_alive "$pid" || return 2   # died: stop waiting
  [ -s "$HDFS_DIR/details.json" ] || return 1
  [ "$(hdfs_live_datanodes)" -ge "$HDFS_DATANODES" ] || return 1
  curl -fsS "http://127.0.0.1:$HDFS_HTTP_PORT/webhdfs/v1/?op=GETFILESTATUS&user.name=dataops" >/dev/null 2>&1
}

start_hdfs() {
  maven_copy "$POMS/hdfs" "$JARS/hdfs"
  if pid_alive "$(pid_from "$HDFS_PIDFILE")"; then say "hdfs already running"; return; fi
  ensure_port_free "$HDFS_PORT" hdfs-namenode DATAOPS_HDFS_PORT
  ensure_port_free "$HDFS_HTTP_PORT" hdfs-http DATAOPS_HDFS_HTTP_PORT
  mkdir -p "$HDFS_DIR/tmp" "$LOGS"
  local format=()
  if [ "${DATAOPS_HDFS_FORMAT:-0}" = 1 ] || [ ! -f "$HDFS_DIR/.formatted" ]; then
    format=(-format); rm -f "$HDFS_DIR/.formatted"
  fi
  rm -f "$HDFS_DIR/details.json"
  # setsid: its own session, so a Ctrl-C on the caller does not reach it
  setsid nohup "$JAVA_HOME/bin/java" -Xmx1g -XX:+UseG1GC "${JAVA17_OPENS[@]}" \
    -Dlog4j.configuration="file:$POMS/hdfs/log4j.properties" -Dhdfs.log.file="$LOGS/hdfs.log" \
    -Dtest.build.data="$HDFS_DIR/data" -Djava.io.tmpdir="$HDFS_DIR/tmp" \
    -cp "$JARS/hdfs/*" org.apache.hadoop.test.MiniDFSClusterManager \
    "${format[@]}" -nnport "$HDFS_PORT" -httpport "$HDFS_HTTP_PORT" -datanodes "$HDFS_DATANODES" \
    -writeConfig "$HDFS_DIR/hdfs-site.xml" -writeDetails "$HDFS_DIR/details.json" \
    -D "hdfs.minidfs.basedir=$HDFS_DIR/data" \
    -D dfs.webhdfs.enabled=true \
    -D dfs.permissions.enabled=false \
    -D dfs.replication="$(( HDFS_DATANODES < 3 ? HDFS_DATANODES : 3 ))" \
    -D dfs.namenode.rpc-bind-host=127.0.0.1 \
    -D dfs.namenode.http-bind-host=127.0.0.1 \
    -D dfs.datanode.hostname=127.0.0.1 \
    -D dfs.namenode.safemode.extension=0 \
    > "$LOGS/hdfs.out" 2>&1 < /dev/null &
  echo $! > "$HDFS_PIDFILE"
  local rc
  for _ in $(seq 1 120); do
    rc=0; hdfs_ready || rc=$?
    [ "$rc" = 0 ] && break
    if [ "$rc" = 2 ]; then
      tail -n 30 "$LOGS/hdfs.log" "$LOGS/hdfs.out" >&2 2>/dev/null || true
      rm -f "$HDFS_PIDFILE"
      die 1 "HDFS (MiniDFSCluster) exited during start; see $LOGS/hdfs.log"
    fi
    sleep 1
  done
  [ "$rc" = 0 ] || { tail -n 30 "$LOGS/hdfs.log" >&2 || true; die 1 "HDFS did not become ready in 120s; see $LOGS/hdfs.log"; }
  touch "$HDFS_DIR/.formatted"
  say "hdfs ready: hdfs://127.0.0.1:$HDFS_PORT, WebHDFS http://127.0.0.1:$HDFS_HTTP_PORT/webhdfs/v1, $(hdfs_live_datanodes) datanodes"
}

stop_hdfs() { stop_pidfile hdfs "$HDFS_PIDFILE"; }

status_hdfs() {
  show_status hdfs "$HDFS_PIDFILE" "$HDFS_PORT" "namenode hdfs://127.0.0.1:$HDFS_PORT, webhdfs http://127.0.0.1:$HDFS_HTTP_PORT, $(hdfs_live_datanodes) live datanodes"
}

hdfs_env_lines() {
  echo "export DATAOPS_HDFS_URI=hdfs://127.0.0.1:$HDFS_PORT"
  echo "export DATAOPS_WEBHDFS=http://127.0.0.1:$HDFS_HTTP_PORT"
  echo "export DATAOPS_HDFS_CONF=$HDFS_DIR/hdfs-site.xml"
}
