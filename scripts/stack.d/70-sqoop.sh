# Sqoop (optional engine, issue 14): real Apache Sqoop 1.4.7 from Maven Central on Java 17, with the
# Hadoop 3.3 client jars and MapReduce's local job runner; no HADOOP_HOME, no cluster.
# ensure_sqoop fetches the jars into $JARS/sqoop and writes $DATAOPS_HOME/sqoop/bin/sqoop and
# $DATAOPS_HOME/sqoop/conf (core-site.xml, log4j.properties). See docs/sqoop.md.

SQOOP_VERSION=1.4.7

# The wrapper passes JAVA17_OPENS (00-common.sh). None of them turned out to be needed for import
# (Parquet, text), incremental append or export here (docs/sqoop.md); they guard the paths not
# exercised (Kerberos, native IO).

ensure_sqoop() {
  local home=$DATAOPS_HOME/sqoop src=$POMS/sqoop
  maven_copy "$src" "$JARS/sqoop"
  [ -f "$JARS/sqoop/sqoop-$SQOOP_VERSION-hadoop260.jar" ] || die 1 "Maven did not bring sqoop-$SQOOP_VERSION-hadoop260.jar into $JARS/sqoop"
  [ -x "$JAVA_HOME/bin/javac" ] || die 1 "Sqoop needs a JDK (it compiles a record class per table): no javac in $JAVA_HOME"
  ls "$JARS"/jdbc/*.jar >/dev/null 2>&1 || maven_copy "$POMS/jdbc" "$JARS/jdbc"
  mkdir -p "$home/bin" "$home/conf" "$home/lib" "$home/tmp"
  sed "s|@SQOOP_HOME@|$home|g" "$src/core-site.xml" > "$home/conf/core-site.xml"
  cp "$src/log4j.properties" "$home/conf/log4j.properties"
  sed -e "s|@SQOOP_HOME@|$home|g" -e "s|@SQOOP_JARS@|$JARS/sqoop|g" -e "s|@JDBC_JARS@|$JARS/jdbc|g" \
      -e "s|@JAVA_HOME@|$JAVA_HOME|g" -e "s|@ADD_OPENS@|${JAVA17_OPENS[*]}|g" \
      "$src/sqoop.in" > "$home/bin/sqoop.tmp"
  chmod 755 "$home/bin/sqoop.tmp"
  mv -f "$home/bin/sqoop.tmp" "$home/bin/sqoop"
  "$home/bin/sqoop" version >/dev/null 2>&1 || die 1 "$home/bin/sqoop version failed; run it by hand to see why"
  say "sqoop $SQOOP_VERSION ready: $home/bin/sqoop (local job runner)"
}

status_sqoop() {
  if [ -x "$DATAOPS_HOME/sqoop/bin/sqoop" ] && [ -f "$JARS/sqoop/.complete" ]; then
    printf '%-10s ready    sqoop=%-10s %s\n' sqoop "$SQOOP_VERSION" "$DATAOPS_HOME/sqoop/bin/sqoop; jars in $JARS/sqoop"
  else
    printf '%-10s missing  (ensure_sqoop)\n' sqoop; return 1
  fi
}
