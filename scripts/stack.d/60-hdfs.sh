# HDFS (optional, --with-hdfs): a one-DataNode MiniDFSCluster from hadoop-client-minicluster.

HDFS_PIDFILE=$RUN/hdfs.pid

start_hdfs() {
  die 2 "HDFS is not wired into the local stack yet (scripts/stack up --with-hdfs); the lake runs on local disk"
}
stop_hdfs() { stop_pidfile hdfs "$HDFS_PIDFILE"; }
status_hdfs() { show_status hdfs "$HDFS_PIDFILE" "$HDFS_PORT" "namenode hdfs://127.0.0.1:$HDFS_PORT" 2>/dev/null || true; }
