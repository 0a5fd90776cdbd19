# Shared helpers of scripts/stack.

say() { printf 'stack: %s\n' "$*"; }
die() { local code=$1; shift; printf 'error: %s\n' "$*" >&2; exit "$code"; }

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pid_from() { cat "$1" 2>/dev/null || true; }

# A port held by a process that is not ours is a clear error, not a mysterious start failure.
ensure_port_free() {
  local port=$1 name=$2 env_name=$3 holder
  holder=$(ss -ltnpH "sport = :$port" 2>/dev/null | head -n1 || true)
  if [ -n "$holder" ]; then
    local pid proc
    pid=$(grep -o 'pid=[0-9]*' <<<"$holder" | head -n1 | cut -d= -f2)
    proc=$(grep -o '(("[^"]*"' <<<"$holder" | head -n1 | tr -d '("')
    die 1 "port $port ($name) is in use by another process (pid ${pid:-?}, name ${proc:-?}); stop it or set $env_name"
  fi
}

wait_for() {
  local what=$1 seconds=$2 log=$3; shift 3
  for _ in $(seq 1 "$seconds"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  printf 'error: %s did not become ready in %ss; last lines of %s:\n' "$what" "$seconds" "$log" >&2
  tail -n 30 "$log" >&2 || true
  exit 1
}

stop_pidfile() {
  local name=$1 pidfile=$2 pid
  pid=$(pid_from "$pidfile")
  if pid_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do pid_alive "$pid" || break; sleep 1; done
    if pid_alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    say "$name stopped"
  fi
  rm -f "$pidfile"
}

show_status() {
  local name=$1 pidfile=$2 port=$3 hint=$4 pid
  pid=$(pid_from "$pidfile")
  if pid_alive "$pid"; then
    printf '%-10s running  pid=%-7s port=%-5s %s\n' "$name" "$pid" "$port" "$hint"
  else
    printf '%-10s stopped\n' "$name"
    return 1
  fi
}

# apt-get only when something is missing, so a second `up` is fast.
install_packages() {
  local missing=()
  command -v mariadbd >/dev/null 2>&1 || missing+=(mariadb-server mariadb-client)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
  command -v cron >/dev/null 2>&1 || missing+=(cron)
  command -v kcat >/dev/null 2>&1 || missing+=(kcat)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  command -v ss >/dev/null 2>&1 || missing+=(iproute2)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  # the local CAs of Kafka and database TLS; chattr for the bad-input tests' unwritable lake
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  command -v chattr >/dev/null 2>&1 || missing+=(e2fsprogs)
  python3 -m venv --help >/dev/null 2>&1 || missing+=(python3-venv)
  [ -x "$JAVA_HOME/bin/java" ] || missing+=(openjdk-17-jdk-headless)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    # wait for another apt run rather than failing on its lock
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

random_secret() { head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24; }

# Passwords are generated once and kept in 0600 files; nothing here ever prints them.
ensure_secrets() {
  mkdir -p "$SECRETS"; chmod 700 "$SECRETS"
  local name
  for name in mysql-src mysql-bi mysql-admin postgres; do
    [ -s "$SECRETS/.$name.pw" ] || (umask 077; random_secret > "$SECRETS/.$name.pw")
  done
  # the runs API's bearer token: the scheduler and the dataops command read this file
  [ -s "$SECRETS/api-token" ] || (umask 077; { random_secret; random_secret; } | tr -d '\n' > "$SECRETS/api-token")
  write_options_file source-mysql.options dataops_src "$(cat "$SECRETS/.mysql-src.pw")"
  write_options_file bi-mysql.options dataops_bi "$(cat "$SECRETS/.mysql-bi.pw")"
  write_options_file admin-mysql.options dataops_admin "$(cat "$SECRETS/.mysql-admin.pw")"
  (umask 077; cat "$SECRETS/.postgres.pw" > "$SECRETS/bi-postgres.password"; cat "$SECRETS/.postgres.pw" > "$SECRETS/control-postgres.password")
  chmod 600 "$SECRETS"/*.options "$SECRETS"/*.password "$SECRETS"/.??*.pw "$SECRETS/api-token"
}

write_options_file() {
  local file=$1 user=$2 password=$3
  (umask 077; printf '# Sqoop-style options file made by scripts/stack: one option or value per line\n--username\n%s\n--password\n%s\n' "$user" "$password" > "$SECRETS/$file")
}

write_env() {
  local with_hdfs=$1 site jars
  site=$("$VENV/bin/python" -c 'import pyspark, os; print(os.path.dirname(pyspark.__file__))')
  jars=$(ls "$JARS"/jdbc/*.jar | tr '\n' ',' | sed 's/,$//')
  {
    echo "# written by scripts/stack up; source it"
    echo "export DATAOPS_HOME=$DATAOPS_HOME"
    echo "export DATAOPS_MYSQL_HOST=127.0.0.1"
    echo "export DATAOPS_MYSQL_PORT=$MYSQL_PORT"
    echo "export DATAOPS_MYSQL_SOCKET=$RUN/mariadb.sock"
    echo "export DATAOPS_PG_HOST=127.0.0.1"
    echo "export DATAOPS_PG_PORT=$PG_PORT"
    echo "export KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
    kafka_tls_env_lines
    database_tls_env_lines
    echo "export DATAOPS_SFTP_HOST=127.0.0.1"
    echo "export DATAOPS_SFTP_PORT=$SFTP_PORT"
    echo "export DATAOPS_SFTP_ROOT=$SFTP_SERVED/root"
    echo "export DATAOPS_SECRETS=$SECRETS"
    echo "export JAVA_HOME=$JAVA_HOME"
    echo "export SPARK_HOME=$site"
    echo "export DATAOPS_SPARK_SUBMIT=$VENV/bin/spark-submit"
    echo "export PYSPARK_PYTHON=$VENV/bin/python"
    echo "export DATAOPS_JDBC_JARS=$jars"
    echo "export DATAOPS_LOCAL_FS_JAR=$JARS/localfs/dataops-localfs.jar"
    echo "export DATAOPS_KAFKA_JARS=$JARS/kafka"
    if [ "$with_hdfs" = yes ]; then hdfs_env_lines; fi
    if [ "${2:-no}" = yes ]; then spark_cluster_env_lines; fi
    if [ "${3:-no}" = yes ]; then kafka_cluster_env_lines; fi
  } > "$ENV_FILE"
}

# builds a small Maven project of this repository (jobs/localfs) into $target/<finalName>.jar, again only when its sources changed
maven_package() {
  local project=$1 target=$2 jar
  jar="$target/dataops-$(basename "$project").jar"
  if [ -f "$jar" ] && [ -z "$(find "$project/pom.xml" "$project/src" -type f -newer "$jar")" ]; then return; fi
  say "building $(basename "$jar") with Maven"
  mkdir -p "$target"
  (cd "$project" && mvn -q -B -Dstyle.color=never package -DskipTests) || die 1 "Maven could not build $project"
  cp "$project/target/$(basename "$jar")" "$jar"
  rm -rf "$project/target"
}

maven_copy() {
  local pom_dir=$1 target=$2
  if [ -f "$target/.complete" ] && [ "$target/.complete" -nt "$pom_dir/pom.xml" ]; then return; fi
  say "fetching jars for $(basename "$pom_dir") with Maven"
  rm -rf "$target"; mkdir -p "$target"
  (cd "$pom_dir" && mvn -q -B -Dstyle.color=never dependency:copy-dependencies -DoutputDirectory="$target") || die 1 "Maven could not fetch $(basename "$pom_dir") jars"
  touch "$target/.complete"
}

# Java 17 closes the JDK internals Hadoop (HDFS, Sqoop) reaches by reflection: the list Spark itself passes
# (org.apache.spark.launcher.JavaModuleOptions in pyspark 4.3.0).
JAVA17_OPENS=(
  -XX:+IgnoreUnrecognizedVMOptions
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED
)

# A local CA (DIR/ca.crt, DIR/ca.key) for the stack's TLS listeners; LABEL names it in errors.
make_local_ca() {
  local dir=$1 label=$2
  (umask 077; openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -keyout "$dir/ca.key" -out "$dir/ca.crt" \
    -subj "/CN=DataOps local $label CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1) \
    || die 1 "openssl could not make the $label CA"
}

# sign_with_local_ca DIR LABEL NAME SUBJECT EXTENSIONS OUT: a key (OUT.key, 0600, PKCS#8) and a certificate
# (OUT.crt) signed by the CA in DIR.
sign_with_local_ca() {
  local dir=$1 label=$2 name=$3 subject=$4 extensions=$5 out=$6 work
  work=$(mktemp -d "$dir/.sign.XXXXXX")
  printf '%s\n' "$extensions" > "$work/ext"
  (umask 077; openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$out.key" -out "$work/csr" -subj "$subject" >/dev/null 2>&1) \
    || { rm -rf "$work"; die 1 "openssl could not make the $label $name key"; }
  openssl x509 -req -sha256 -days 3650 -in "$work/csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -extfile "$work/ext" -out "$out.crt" >/dev/null 2>&1 \
    || { rm -rf "$work"; die 1 "openssl could not sign the $label $name certificate"; }
  rm -rf "$work"
}
