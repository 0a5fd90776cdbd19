# TLS for the local MariaDB and PostgreSQL, offered beside plain TCP on the same ports (MariaDB
# require_secure_transport stays OFF; PostgreSQL's `host` lines accept both), so every client that
# does not ask for TLS works as before. Made from nothing at `up`, like the Kafka CA (31-kafka-tls.sh):
#   $DB_TLS (0700)                  a local CA (ca.key, ca.crt) and the servers' key and certificate
#                                   (SAN IP:127.0.0.1, DNS:localhost)
#   $STACK/mariadb-tls, postgres-tls copies each server reads (owned by its user, key 0600)
#   $SECRETS/db-ca.pem               the CA certificate a client trusts (connections.<c>.tls.caFile)
#   $SECRETS/db-client.crt, .key     a client certificate signed by the CA (tls.certFile, keyFile; PKCS#8)
# A presented client certificate is verified by both servers; none is required.

DB_TLS=$DATAOPS_HOME/db-tls

# CA, server key and certificate, client certificate; each made once.
ensure_database_tls() {
  mkdir -p "$DB_TLS" "$SECRETS"; chmod 700 "$DB_TLS" "$SECRETS"
  local dir=$DB_TLS
  if [ ! -s "$dir/ca.crt" ] || [ ! -s "$dir/ca.key" ]; then
    say "databases: making a local CA for MariaDB and PostgreSQL TLS"
    rm -f "$dir"/server.* "$SECRETS"/db-client.*
    make_local_ca "$dir" database
  fi
  if [ ! -s "$dir/server.crt" ] || [ ! -s "$dir/server.key" ]; then
    sign_with_local_ca "$dir" database server "/CN=localhost" "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth
keyUsage=critical,digitalSignature,keyEncipherment" "$dir/server"
  fi
  if [ ! -s "$SECRETS/db-client.crt" ] || [ ! -s "$SECRETS/db-client.key" ]; then
    sign_with_local_ca "$dir" database client "/CN=dataops" "extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature,keyEncipherment" "$SECRETS/db-client"
  fi
  cp "$dir/ca.crt" "$SECRETS/db-ca.pem"
  chmod 600 "$dir"/*.key "$SECRETS/db-client.key"
  chmod 644 "$dir/ca.crt" "$dir/server.crt" "$SECRETS/db-ca.pem" "$SECRETS/db-client.crt"
}

# database_tls_copy OWNER DIR: the CA, server certificate and key in DIR, readable by OWNER only.
database_tls_copy() {
  local owner=$1 target=$2
  ensure_database_tls
  mkdir -p "$target"
  cp "$DB_TLS/ca.crt" "$target/ca.crt"; cp "$DB_TLS/server.crt" "$target/server.crt"; cp "$DB_TLS/server.key" "$target/server.key"
  chown -R "$owner:$owner" "$target"; chmod 700 "$target"; chmod 600 "$target/server.key"; chmod 644 "$target/ca.crt" "$target/server.crt"
}

# the copies each server reads (start_mariadb and start_postgres make them with database_tls_copy)
MARIADB_TLS=$STACK/mariadb-tls
POSTGRES_TLS=$STACK/postgres-tls

database_tls_env_lines() {
  echo "export DATAOPS_DB_CA_FILE=$SECRETS/db-ca.pem"
  echo "export DATAOPS_DB_CLIENT_CERT=$SECRETS/db-client.crt"
  echo "export DATAOPS_DB_CLIENT_KEY=$SECRETS/db-client.key"
}
