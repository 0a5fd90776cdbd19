# PostgreSQL: the BI database `bi` and the run ledger `dataops_control`, role `dataops`.

PG_DIR=$STACK/postgres
PG_SOCKDIR=$RUN/postgres
PG_PIDFILE=$PG_DIR/postmaster.pid

pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1; }
as_postgres() { runuser -u postgres -- "$@"; }
pg_pid() { head -n1 "$PG_PIDFILE" 2>/dev/null || true; }

start_postgres() {
  local bin; bin=$(pg_bin)
  if pid_alive "$(pg_pid)"; then return; fi
  ensure_port_free "$PG_PORT" postgresql DATAOPS_PG_PORT
  mkdir -p "$PG_SOCKDIR"; chown postgres:postgres "$PG_SOCKDIR"
  if [ ! -f "$PG_DIR/PG_VERSION" ]; then
    say "initialising PostgreSQL in $PG_DIR"
    mkdir -p "$PG_DIR"; chown postgres:postgres "$PG_DIR"; chmod 700 "$PG_DIR"
    # initdb refuses to run as root; peer auth on the socket, passwords (scram) over TCP
    as_postgres "$bin/initdb" -D "$PG_DIR" -U postgres --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
      > "$LOGS/postgres-init.log" 2>&1 || { tail -n 30 "$LOGS/postgres-init.log" >&2; die 1 "PostgreSQL initialisation failed"; }
  fi
  touch "$LOGS/postgres.log"; chown postgres:postgres "$LOGS/postgres.log"
  # TLS offered beside plain TCP (12-database-tls.sh): the `host` lines of pg_hba.conf accept both
  database_tls_copy postgres "$POSTGRES_TLS"
  as_postgres "$bin/pg_ctl" -D "$PG_DIR" -l "$LOGS/postgres.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_SOCKDIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c ssl=on -c ssl_ca_file=$POSTGRES_TLS/ca.crt -c ssl_cert_file=$POSTGRES_TLS/server.crt -c ssl_key_file=$POSTGRES_TLS/server.key" start > /dev/null \
    || { tail -n 30 "$LOGS/postgres.log" >&2; die 1 "PostgreSQL did not start"; }
  postgres_roles
  say "postgresql ready on 127.0.0.1:$PG_PORT"
}

pg_sql() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKDIR" -p "$PG_PORT" -U postgres "$@"; }

postgres_roles() {
  local password; password=$(cat "$SECRETS/.postgres.pw")
  pg_sql -d postgres <<SQL > /dev/null
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dataops') THEN CREATE ROLE dataops LOGIN CREATEDB; END IF;
END \$\$;
ALTER ROLE dataops WITH LOGIN CREATEDB PASSWORD '$password';
SQL
  for db in bi dataops_control; do
    if [ "$(pg_sql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
      pg_sql -d postgres -c "CREATE DATABASE $db OWNER dataops" > /dev/null
    fi
  done
}

stop_postgres() {
  if pid_alive "$(pg_pid)"; then as_postgres "$(pg_bin)/pg_ctl" -D "$PG_DIR" -m fast -w stop > /dev/null && say "postgresql stopped"; fi
}
status_postgres() {
  local pid; pid=$(pg_pid)
  if pid_alive "$pid"; then
    printf '%-10s running  pid=%-7s port=%-5s %s\n' postgresql "$pid" "$PG_PORT" "databases bi, dataops_control; user dataops (.dataops/secrets/*-postgres.password); TLS optional (CA .dataops/secrets/db-ca.pem)"
  else
    printf '%-10s stopped\n' postgresql; return 1
  fi
}
