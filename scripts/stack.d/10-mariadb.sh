# MariaDB: the MySQL source (database `retail`) and a MySQL BI target (database `bi`).

MARIADB_DIR=$STACK/mariadb
MARIADB_PID=$RUN/mariadb.pid
MARIADB_SOCK=$RUN/mariadb.sock

mariadb_root() { mariadb --no-defaults --socket="$MARIADB_SOCK" -uroot "$@"; }

start_mariadb() {
  if pid_alive "$(pid_from "$MARIADB_PID")"; then return; fi
  ensure_port_free "$MYSQL_PORT" mariadb DATAOPS_MYSQL_PORT
  if [ ! -d "$MARIADB_DIR/mysql" ]; then
    say "initialising MariaDB in $MARIADB_DIR"
    mkdir -p "$MARIADB_DIR"; chown -R mysql:mysql "$MARIADB_DIR"
    mariadb-install-db --no-defaults --user=mysql --datadir="$MARIADB_DIR" --auth-root-authentication-method=socket \
      --skip-test-db > "$LOGS/mariadb-init.log" 2>&1 || { tail -n 30 "$LOGS/mariadb-init.log" >&2; die 1 "MariaDB initialisation failed"; }
  fi
  chown mysql:mysql "$RUN"
  # TLS offered beside plain TCP (12-database-tls.sh): require_secure_transport stays OFF
  database_tls_copy mysql "$MARIADB_TLS"
  # local_infile: the sample loader uses LOAD DATA LOCAL INFILE; UTC so TIMESTAMP reads are instants
  # setsid: its own session, so a Ctrl-C on the caller (the demo, the tests) does not reach it
  setsid mariadbd --no-defaults --user=mysql --datadir="$MARIADB_DIR" --socket="$MARIADB_SOCK" --pid-file="$MARIADB_PID" \
    --port="$MYSQL_PORT" --bind-address=127.0.0.1 --log-error="$LOGS/mariadb.log" --local-infile=1 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci --default-time-zone=+00:00 \
    --innodb-buffer-pool-size=512M --innodb-log-file-size=256M --max-connections=300 --skip-name-resolve \
    --ssl-ca="$MARIADB_TLS/ca.crt" --ssl-cert="$MARIADB_TLS/server.crt" --ssl-key="$MARIADB_TLS/server.key" --require-secure-transport=OFF \
    > /dev/null 2>&1 < /dev/null &
  wait_for mariadb 60 "$LOGS/mariadb.log" mariadb_root -e 'SELECT 1'
  mariadb_users
  say "mariadb ready on 127.0.0.1:$MYSQL_PORT"
}

mariadb_users() {
  local src bi admin
  src=$(cat "$SECRETS/.mysql-src.pw"); bi=$(cat "$SECRETS/.mysql-bi.pw"); admin=$(cat "$SECRETS/.mysql-admin.pw")
  # the SQL goes through stdin, so no password appears in a process list
  mariadb_root <<SQL
CREATE DATABASE IF NOT EXISTS retail CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS bi CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'dataops_src'@'%' IDENTIFIED BY '$src';
ALTER USER 'dataops_src'@'%' IDENTIFIED BY '$src';
GRANT SELECT, SHOW VIEW ON retail.* TO 'dataops_src'@'%';
GRANT ALL PRIVILEGES ON \`dataops\_test\_%\`.* TO 'dataops_src'@'%';
CREATE USER IF NOT EXISTS 'dataops_bi'@'%' IDENTIFIED BY '$bi';
ALTER USER 'dataops_bi'@'%' IDENTIFIED BY '$bi';
GRANT ALL PRIVILEGES ON bi.* TO 'dataops_bi'@'%';
GRANT ALL PRIVILEGES ON \`dataops\_test\_%\`.* TO 'dataops_bi'@'%';
CREATE USER IF NOT EXISTS 'dataops_admin'@'%' IDENTIFIED BY '$admin';
ALTER USER 'dataops_admin'@'%' IDENTIFIED BY '$admin';
GRANT ALL PRIVILEGES ON *.* TO 'dataops_admin'@'%' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
}

stop_mariadb() { stop_pidfile mariadb "$MARIADB_PID"; }
status_mariadb() { show_status mariadb "$MARIADB_PID" "$MYSQL_PORT" "databases retail, bi; users in .dataops/secrets/*-mysql.options; TLS optional (CA .dataops/secrets/db-ca.pem)"; }
