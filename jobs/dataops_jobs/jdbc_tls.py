"""TLS properties for Spark's JDBC reads and writes, from the spec's ``tls`` block.

The TypeScript side (libs/config/src/database-tls.ts) puts what it can into the JDBC URL:
Connector/J's ``sslMode``, pgJDBC's ``sslmode``, ``sslrootcert``, ``sslcert`` and ``sslkey`` (paths,
never secrets). Connector/J cannot read a PEM CA, so for MySQL this module makes a JKS trust store
from ``caFile`` (and, for a client certificate, a PKCS12 key store) inside the job's private folder
(0700, removed with the job; the key store 0600, like the PEM key it copies) and adds their paths
to the URL. Not to the JDBC properties: Spark's ``jdbc(url, table, predicates, properties)`` does
not hand those to Connector/J (a trust store given there was ignored and the system CAs used), so
nothing here needs a password: the key store has an empty one, which Connector/J uses when none
is set. With a local master the executors share the driver's files; on a cluster the job folder
must be on a path every executor sees, or the connection's ``properties`` can name a trust store
(``trustCertificateKeyStoreUrl``) that is.
"""

import base64
import os
import re
from typing import Any, Dict, Optional
from urllib.parse import urlencode

from .runtime import JobError

JOB_DIR_ENV = "DATAOPS_JOB_DIR"


def jdbc_tls_url(spark, tls: Optional[Dict[str, Any]], url: str) -> str:
    """The JDBC URL with the trust and key stores the connection's TLS needs (as given without TLS or for PostgreSQL)."""
    extra = jdbc_tls_properties(spark, tls, url)
    if not extra:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode(extra)}"


def jdbc_tls_properties(spark, tls: Optional[Dict[str, Any]], url: str = "") -> Dict[str, str]:
    """Connector/J's trust and key store settings for one connection (empty without TLS or for PostgreSQL)."""
    if not tls or tls.get("driver") != "mysql":
        return {}
    if "trustCertificateKeyStoreUrl=" in url:
        return {}  # the connection's properties name a trust store of their own
    where = f"connection {tls['connection']}" if tls.get("connection") else "the MySQL connection"
    folder = os.environ.get(JOB_DIR_ENV) or "."
    properties: Dict[str, str] = {}
    jvm = spark.sparkContext._jvm
    gateway = spark.sparkContext._gateway
    try:
        if tls.get("caFile"):
            path = os.path.join(folder, f"truststore-{_safe(tls.get('connection') or 'mysql')}.jks")
            store = jvm.java.security.KeyStore.getInstance("JKS")
            store.load(None, None)
            for index, certificate in enumerate(_certificates(jvm, tls["caFile"])):
                store.setCertificateEntry(f"ca-{index}", certificate)
            _store(jvm, store, path, "")
            # a JKS store written with an empty password is read with none: nothing secret here
            properties.update(trustCertificateKeyStoreUrl=f"file:{path}", trustCertificateKeyStoreType="JKS", fallbackToSystemTrustStore="false")
        if tls.get("certFile") and tls.get("keyFile"):
            path = os.path.join(folder, f"keystore-{_safe(tls.get('connection') or 'mysql')}-{os.getpid()}.p12")
            chain = _certificates(jvm, tls["certFile"])
            array = gateway.new_array(jvm.java.security.cert.Certificate, len(chain))
            for index, certificate in enumerate(chain):
                array[index] = certificate
            store = jvm.java.security.KeyStore.getInstance("PKCS12")
            store.load(None, None)
            store.setKeyEntry("client", _private_key(jvm, tls["keyFile"]), _chars(jvm, ""), array)
            # made 0600 here: the JVM that writes it is another process, with its own umask
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
            _store(jvm, store, path, "")
            properties.update(clientCertificateKeyStoreUrl=f"file:{path}", clientCertificateKeyStoreType="PKCS12")
    except JobError:
        raise
    except Exception as error:  # noqa: BLE001 - a py4j error, reported with the file's field
        text = str(error).splitlines()[0][:500] if str(error) else type(error).__name__
        raise JobError(f"{where}: TLS files (tls.caFile, tls.certFile, tls.keyFile) could not be read for JDBC: {text}") from None
    return properties


def jdbc_failure(error: BaseException) -> str:
    """The first line of a JDBC failure, with the driver's own reason when Spark hides it.

    Spark says only "Couldn't connect to the database"; the reason (a certificate Connector/J or
    pgJDBC refused, access denied, no TLS on the server) is the Java cause, whose text never holds
    the password (drivers do not repeat it).
    """
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    reasons = []
    cause = getattr(error, "_origin", None)
    for _ in range(8):
        if cause is None:
            break
        try:
            message = cause.getMessage()
            cause = cause.getCause()
        except Exception:  # noqa: BLE001 - not a Java throwable
            break
        if message:
            reasons.append(str(message).splitlines()[0])
    root = reasons[-1] if reasons else ""
    if root and root not in text:
        text = f"{text}: {root}"
    return text


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def _certificates(jvm, path: str):
    stream = jvm.java.io.FileInputStream(path)
    try:
        found = list(jvm.java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(stream))
    finally:
        stream.close()
    if not found:
        raise JobError(f"no certificate in {path}")
    return found


def _private_key(jvm, path: str):
    with open(path, encoding="ascii") as handle:
        text = handle.read()
    match = re.search(r"-----BEGIN PRIVATE KEY-----(.*?)-----END PRIVATE KEY-----", text, re.S)
    if not match:
        raise JobError(f"tls.keyFile {path} is not an unencrypted PKCS#8 PEM key (BEGIN PRIVATE KEY); convert it with: openssl pkcs8 -topk8 -nocrypt -in {path}")
    der = base64.b64decode("".join(match.group(1).split()))
    spec = jvm.java.security.spec.PKCS8EncodedKeySpec(der)
    for algorithm in ("RSA", "EC", "Ed25519"):
        try:
            return jvm.java.security.KeyFactory.getInstance(algorithm).generatePrivate(spec)
        except Exception:  # noqa: BLE001 - try the next algorithm
            continue
    raise JobError(f"tls.keyFile {path}: not an RSA, EC or Ed25519 key")


def _chars(jvm, text: str):
    """A Java char[] (py4j turns a java.lang.String into a Python str, so not String.toCharArray)."""
    return jvm.java.nio.CharBuffer.allocate(len(text)).put(text).array()


def _store(jvm, store, path: str, password: str) -> None:
    stream = jvm.java.io.FileOutputStream(path)
    try:
        store.store(stream, _chars(jvm, password))
    finally:
        stream.close()
