"""The Sqoop engine's files (dataops_jobs/sqoop_tables.py), without Sqoop: the options file names a
password file and never the password, both are 0600 and removed with the job; the errors say what to do."""

import os
import stat

import pytest

from dataops_jobs import sqoop_tables
from dataops_jobs.runtime import JobError

SPEC = {
    "url": "jdbc:mysql://127.0.0.1:3306/shop?zeroDateTimeBehavior=CONVERT_TO_NULL&tinyInt1isBit=false",
    "maxConnections": 2,
    "tables": [{"table": "t", "query": "(SELECT `id` AS `id` FROM `t` WHERE 1=1) AS dataops_read", "slices": ["1=1"], "customSchema": "`id` BIGINT", "casts": {}, "dataPath": "/lake/t"}],
    "sqoop": {"script": "#!/usr/bin/env bash\necho imported\n", "tables": [{"table": "t", "number": 1, "targetDir": "file:///lake/.t.arrow-sqoop/sqoop/data"}]},
}
LOGIN = {"user": "etl", "password": "s3cr3t pass"}


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_options_file_names_a_password_file_never_the_password(tmp_path):
    imports = sqoop_tables.SqoopImports(SPEC, str(tmp_path / "sqoop"), "/bin/true")
    imports.prepare(SPEC, LOGIN)
    folder = tmp_path / "sqoop"
    assert _mode(folder) == 0o700
    for name in ("sqoop-credentials", "source.password", "sqoop-script.sh"):
        assert _mode(folder / name) == 0o600, name
    lines = [line for line in (folder / "sqoop-credentials").read_text().splitlines() if line and not line.startswith("#")]
    assert lines == ["--connect", SPEC["url"], "--username", "etl", "--password-file", f"file://{folder / 'source.password'}"]
    assert "--password\n" not in (folder / "sqoop-credentials").read_text() and LOGIN["password"] not in (folder / "sqoop-credentials").read_text()
    # Sqoop reads every byte of the file: no trailing newline
    assert (folder / "source.password").read_bytes() == LOGIN["password"].encode()
    assert "zeroDateTimeBehavior=CONVERT_TO_NULL" in lines[1]


def test_a_missing_sqoop_says_how_to_install_it(monkeypatch):
    monkeypatch.setenv("DATAOPS_SQOOP", "/nowhere/bin/sqoop")
    with pytest.raises(JobError, match=r"no executable /nowhere/bin/sqoop: run scripts/stack up"):
        sqoop_tables.sqoop_command()


def test_tls_is_refused_with_what_to_do():
    with pytest.raises(JobError, match="use source.engine: spark"):
        sqoop_tables.refuse_tls({**SPEC, "url": SPEC["url"] + "&sslMode=VERIFY_IDENTITY"})
    sqoop_tables.refuse_tls({**SPEC, "url": SPEC["url"] + "&sslMode=DISABLED"})


def test_line_breaks_cannot_sneak_options_in():
    with pytest.raises(JobError, match="line break"):
        sqoop_tables.options_file_text("jdbc:mysql://h/db", "etl\n--password\nx", "/p")


def test_the_job_removes_the_credentials_even_when_sqoop_fails(tmp_path, monkeypatch):
    fake = tmp_path / "sqoop"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setenv("DATAOPS_SQOOP", str(fake))
    spec = {**SPEC, "url": "jdbc:mysql://127.0.0.1:1/shop"}  # nothing listens: the table fails
    with pytest.raises(JobError):
        sqoop_tables.ingest(spec, {"source": LOGIN}, str(tmp_path / "job"))
    assert not (tmp_path / "job" / "sqoop").exists()
