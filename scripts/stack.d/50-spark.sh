# Spark: pyspark from PyPI in a project virtualenv, plus JDBC drivers from Maven Central.
# Not a server: jobs run with spark-submit --master local[*] (or a cluster's master).

PYSPARK_VERSION=4.3.0
# pinned: the arrow engines (and tests) read and sum Parquet with pyarrow and DuckDB, whose Python APIs change between majors;
# connectorx is the Arrow-native MySQL reader of the single-machine ingest engine (docs/engines.md);
# setproctitle gives a Python job started ahead (jobs/python_spare.py) its job's command line in ps
PYTHON_PACKAGES=("pyspark==$PYSPARK_VERSION" pyarrow==26.0.1 duckdb==2.0.1 connectorx==0.4.6 setproctitle==1.3.8 pytest==9.2.0)

ensure_spark() {
  if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
  if ! "$VENV/bin/python" -c "import pyspark, pyarrow, duckdb, connectorx, setproctitle, pytest; assert (pyspark.__version__, pyarrow.__version__, duckdb.__version__, pytest.__version__) == ('$PYSPARK_VERSION', '26.0.1', '2.0.1', '9.2.0')" 2>/dev/null; then
    say "installing ${PYTHON_PACKAGES[*]} into $VENV"
    "$VENV/bin/pip" install -q "${PYTHON_PACKAGES[@]}" || die 1 "pip could not install ${PYTHON_PACKAGES[*]}"
  fi
  maven_copy "$POMS/jdbc" "$JARS/jdbc"
  # Hadoop's local file system without a chmod process per file written (jobs/localfs)
  maven_package "$REPO/jobs/localfs" "$JARS/localfs"
}

start_cron() {
  # a test lets the real cron daemon fire an entry written by `dataops crontab install`
  if ! pgrep -x cron >/dev/null 2>&1; then cron && say "cron started"; fi
}

status_spark() {
  if [ -x "$VENV/bin/spark-submit" ] && ls "$JARS"/jdbc/*.jar >/dev/null 2>&1; then
    printf '%-10s ready    pyspark=%-8s %s\n' spark "$PYSPARK_VERSION" "local[*]; $VENV/bin/spark-submit; jdbc jars in $JARS/jdbc"
  else
    printf '%-10s missing  (run scripts/stack up)\n' spark; return 1
  fi
}
