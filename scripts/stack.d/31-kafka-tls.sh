# The one-node Kafka's second client listener: SASL_SSL on 127.0.0.1:$KAFKA_SASL_PORT (9094), beside
# the PLAINTEXT one on $KAFKA_PORT (9092) that everything else uses. Made from nothing at `up`:
#   $KAFKA_TLS (0700)        a local CA (ca.key, ca.crt), the broker's key and certificate (SAN 127.0.0.1,
#                            localhost) in a PKCS12 keystore, a PKCS12 truststore holding the CA (client
#                            certificates are requested, not required), the keystores' password
#   $SECRETS/kafka-ca.pem            the CA certificate a client trusts (kafka.tls.caFile)
#   $SECRETS/kafka-client.crt, .key  a client certificate signed by the CA (kafka.tls.certFile, keyFile)
#   $SECRETS/kafka-dataops.password  the SCRAM password of user `dataops` (kafka.sasl.passwordFile, 0600)
#   $SECRETS/kafka-kcat.properties   the same user for kcat -F (0600), with PLAIN: the SCRAM of librdkafka
#                                    before 2.6.1 (Debian's kcat has 2.0.2) is refused by Kafka 4.x brokers
#                                    (librdkafka PR 4895), so kcat cannot log in with SCRAM here
# The user gets SCRAM-SHA-512 and SCRAM-SHA-256 credentials (through the PLAINTEXT listener, with the
# password in a file, never in a command line); PLAIN is enabled on the listener for the same user.
# Nothing here prints a password.

KAFKA_TLS=$DATAOPS_HOME/kafka-tls
KAFKA_SASL_USER=dataops

kafka_sasl_password_file() { echo "$SECRETS/kafka-$KAFKA_SASL_USER.password"; }

# CA, broker keystore and truststore, client certificate and the SCRAM password; each made once.
ensure_kafka_tls() {
  mkdir -p "$KAFKA_TLS" "$SECRETS"; chmod 700 "$KAFKA_TLS" "$SECRETS"
  local dir=$KAFKA_TLS
  [ -s "$dir/.keystore.pw" ] || (umask 077; random_secret > "$dir/.keystore.pw")
  [ -s "$(kafka_sasl_password_file)" ] || (umask 077; random_secret > "$(kafka_sasl_password_file)")
  if [ ! -s "$dir/ca.crt" ] || [ ! -s "$dir/ca.key" ]; then
    say "kafka: making a local CA for the SASL_SSL listener"
    rm -f "$dir"/broker.* "$dir/truststore.p12" "$SECRETS"/kafka-client.*
    make_local_ca "$dir" Kafka
  fi
  if [ ! -s "$dir/broker.p12" ]; then
    sign_with_local_ca "$dir" Kafka broker "/CN=localhost" "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth
keyUsage=critical,digitalSignature,keyEncipherment" "$dir/broker"
    (umask 077; openssl pkcs12 -export -in "$dir/broker.crt" -inkey "$dir/broker.key" -certfile "$dir/ca.crt" -name broker \
      -out "$dir/broker.p12" -passout "file:$dir/.keystore.pw" >/dev/null 2>&1) || die 1 "openssl could not write the Kafka broker keystore"
  fi
  if [ ! -s "$dir/truststore.p12" ]; then
    "$JAVA_HOME/bin/keytool" -importcert -noprompt -alias dataops-ca -file "$dir/ca.crt" -keystore "$dir/truststore.p12" -storetype PKCS12 \
      -storepass:file "$dir/.keystore.pw" >/dev/null 2>&1 || die 1 "keytool could not write the Kafka truststore"
  fi
  if [ ! -s "$SECRETS/kafka-client.crt" ] || [ ! -s "$SECRETS/kafka-client.key" ]; then
    sign_with_local_ca "$dir" Kafka client "/CN=$KAFKA_SASL_USER" "extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature,keyEncipherment" "$SECRETS/kafka-client"
  fi
  cp "$dir/ca.crt" "$SECRETS/kafka-ca.pem"
  chmod 600 "$dir"/*.key "$dir"/*.p12 "$dir/.keystore.pw" "$SECRETS/kafka-client.key" "$(kafka_sasl_password_file)"
  chmod 644 "$dir/ca.crt" "$SECRETS/kafka-ca.pem" "$SECRETS/kafka-client.crt"
  (umask 077; {
    echo "# written by scripts/stack up: kcat -F $SECRETS/kafka-kcat.properties -b 127.0.0.1:$KAFKA_SASL_PORT -L"
    echo "security.protocol=SASL_SSL"
    echo "sasl.mechanisms=PLAIN"
    echo "sasl.username=$KAFKA_SASL_USER"
    echo "sasl.password=$(cat "$(kafka_sasl_password_file)")"
    echo "ssl.ca.location=$SECRETS/kafka-ca.pem"
  } > "$SECRETS/kafka-kcat.properties")
}

# The SASL_SSL listener's lines of server.properties (the file is 0600: it holds the keystore password and
# the PLAIN user's password).
kafka_tls_properties() {
  local keystore_pw plain_pw
  keystore_pw=$(cat "$KAFKA_TLS/.keystore.pw")
  plain_pw=$(cat "$(kafka_sasl_password_file)")
  cat <<PROPS
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_SASL_USER="$plain_pw";
listener.name.sasl_ssl.ssl.keystore.type=PKCS12
listener.name.sasl_ssl.ssl.keystore.location=$KAFKA_TLS/broker.p12
listener.name.sasl_ssl.ssl.keystore.password=$keystore_pw
listener.name.sasl_ssl.ssl.key.password=$keystore_pw
listener.name.sasl_ssl.ssl.truststore.type=PKCS12
listener.name.sasl_ssl.ssl.truststore.location=$KAFKA_TLS/truststore.p12
listener.name.sasl_ssl.ssl.truststore.password=$keystore_pw
listener.name.sasl_ssl.ssl.client.auth=requested
PROPS
}

# The SCRAM credentials of the user, given through the PLAINTEXT listener with the password in a 0600
# properties file (ConfigCommand --add-config-file; one mechanism per request, the broker refuses two).
# Made again when the cluster is new (another cluster id) or the password file changed.
kafka_scram_user_exists() {
  kafka_java kafka.admin.ConfigCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" --describe --entity-type users \
    --entity-name "$KAFKA_SASL_USER" 2>/dev/null | grep -q 'SCRAM-SHA-512'
}

ensure_kafka_scram_user() {
  local marker=$KAFKA_TLS/.scram-user cluster_id mechanism work
  cluster_id=$(sed -n 's/^cluster.id=//p' "$KAFKA_DIR/data/meta.properties" 2>/dev/null || true)
  # the marker alone is not trusted: the broker is asked whether the user still has its credentials
  if [ -f "$marker" ] && [ "$marker" -nt "$(kafka_sasl_password_file)" ] && [ "$(cat "$marker")" = "$cluster_id" ] && kafka_scram_user_exists; then return; fi
  work=$(mktemp -d "$KAFKA_TLS/.scram.XXXXXX")
  for mechanism in SCRAM-SHA-512 SCRAM-SHA-256; do
    (umask 077; printf '%s=iterations=8192,password=%s\n' "$mechanism" "$(cat "$(kafka_sasl_password_file)")" > "$work/add.properties")
    # its output is not shown: an error of ConfigCommand repeats the credential it could not parse
    if ! kafka_java kafka.admin.ConfigCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" --alter --entity-type users \
      --entity-name "$KAFKA_SASL_USER" --add-config-file "$work/add.properties" > /dev/null 2>&1; then
      rm -rf "$work"
      die 1 "could not create the Kafka $mechanism user $KAFKA_SASL_USER (kafka.admin.ConfigCommand through 127.0.0.1:$KAFKA_PORT failed)"
    fi
  done
  rm -rf "$work"
  echo "$cluster_id" > "$marker"
  say "kafka: SCRAM user $KAFKA_SASL_USER ready"
}

kafka_sasl_ready() { kcat -F "$SECRETS/kafka-kcat.properties" -L -b "127.0.0.1:$KAFKA_SASL_PORT" -m 3; }

kafka_tls_env_lines() {
  echo "export KAFKA_SASL_BROKERS=127.0.0.1:$KAFKA_SASL_PORT"
  echo "export DATAOPS_KAFKA_CA_FILE=$SECRETS/kafka-ca.pem"
  echo "export DATAOPS_KAFKA_CLIENT_CERT=$SECRETS/kafka-client.crt"
  echo "export DATAOPS_KAFKA_CLIENT_KEY=$SECRETS/kafka-client.key"
  echo "export DATAOPS_KAFKA_SASL_USER=$KAFKA_SASL_USER"
  echo "export DATAOPS_KAFKA_PASSWORD_FILE=$(kafka_sasl_password_file)"
}
