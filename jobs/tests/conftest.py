"""Shared fixtures: the local MariaDB of `scripts/stack up`, and running both ingest engines.

Run from the repository root:  .dataops/venv/bin/python -m pytest jobs/tests -q
Tests that need MariaDB or Spark are skipped (with the reason) when the stack is not up.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

# no __pycache__ folders next to the jobs (the repository's .gitignore does not list them)
sys.dont_write_bytecode = True

REPO = Path(__file__).resolve().parents[2]
JOBS = REPO / "jobs"
DATAOPS_HOME = Path(os.environ.get("DATAOPS_HOME", REPO / ".dataops"))
VENV_PYTHON = DATAOPS_HOME / "venv" / "bin" / "python"
PYTHON = str(VENV_PYTHON if VENV_PYTHON.exists() else Path(sys.executable))

sys.path.insert(0, str(JOBS))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def stack_env() -> Dict[str, str]:
    """The variables `scripts/stack up` wrote to .dataops/stack.env (export NAME=value lines)."""
    values: Dict[str, str] = {}
    path = DATAOPS_HOME / "stack.env"
    if path.exists():
        for line in path.read_text().splitlines():
            if line.startswith("export ") and "=" in line:
                name, value = line[len("export "):].split("=", 1)
                values[name] = value
    return values


def read_options(path: Path) -> Dict[str, str]:
    """A Sqoop-style options file: --username / user / --password / pw lines."""
    lines = [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    login = {}
    for index, line in enumerate(lines[:-1]):
        if line == "--username":
            login["user"] = lines[index + 1]
        elif line == "--password":
            login["password"] = lines[index + 1]
    return login


class MariaDB:
    """Runs SQL through the mariadb client; the password travels in MYSQL_PWD, never in arguments."""

    def __init__(self, host: str, port: int, login: Dict[str, str]):
        self.host = host
        self.port = port
        self.login = login

    def _command(self, database: Optional[str]) -> List[str]:
        command = ["mariadb", "--default-character-set=utf8mb4", f"-h{self.host}", f"-P{self.port}", f"-u{self.login['user']}", "-N", "-B"]
        return command + ([database] if database else [])

    def run(self, sql: str, database: Optional[str] = None) -> List[List[Optional[str]]]:
        env = {**os.environ, "MYSQL_PWD": self.login["password"]}
        done = subprocess.run(self._command(database), input=sql, capture_output=True, text=True, env=env, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"mariadb failed: {done.stderr.strip()[:2000]}")
        return [[None if cell == "NULL" else cell for cell in line.split("\t")] for line in done.stdout.splitlines()]

    def columns(self, database: str, table: str) -> List[Tuple[str, str]]:
        rows = self.run(
            "SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS "
            f"WHERE TABLE_SCHEMA = '{database}' AND TABLE_NAME = '{table.replace(chr(39), chr(39) * 2)}' ORDER BY ORDINAL_POSITION"
        )
        return [(row[0], row[1]) for row in rows]


def _mariadb(options_file: str) -> MariaDB:
    env = stack_env()
    options = DATAOPS_HOME / "secrets" / options_file
    if shutil.which("mariadb") is None or not options.exists() or "DATAOPS_MYSQL_PORT" not in env:
        pytest.skip("the local stack is not up (scripts/stack up): no MariaDB to read")
    database = MariaDB(env.get("DATAOPS_MYSQL_HOST", "127.0.0.1"), int(env["DATAOPS_MYSQL_PORT"]), read_options(options))
    try:
        database.run("SELECT 1")
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"MariaDB does not answer: {error}")
    return database


@pytest.fixture(scope="session")
def admin_db() -> MariaDB:
    return _mariadb("admin-mysql.options")


@pytest.fixture(scope="module")
def throwaway_database(admin_db: MariaDB):
    name = f"dataops_test_arrow_{secrets.token_hex(4)}"
    admin_db.run(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    try:
        yield name
    finally:
        admin_db.run(f"DROP DATABASE IF EXISTS `{name}`")


def write_job_files(folder: Path, spec: Dict[str, Any], login: Dict[str, str]) -> Dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {"spec": folder / "spec.json", "secrets": folder / "secrets.json", "result": folder / "result.json"}
    files["spec"].write_text(json.dumps(spec, indent=2))
    files["secrets"].write_text(json.dumps({"source": login}))
    os.chmod(files["secrets"], 0o600)
    return files


def progress_lines(stdout: str) -> List[Dict[str, Any]]:
    prefix = "DATAOPS_PROGRESS "
    return [json.loads(line[len(prefix):]) for line in stdout.splitlines() if line.startswith(prefix)]


def run_arrow(folder: Path, spec: Dict[str, Any], login: Dict[str, str], env: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    files = write_job_files(folder, spec, login)
    done = subprocess.run(
        ["nice", "-n", "15", PYTHON, str(JOBS / "arrow_ingest.py"), "--spec", str(files["spec"]), "--secrets", str(files["secrets"]), "--result", str(files["result"])],
        capture_output=True, text=True, timeout=900, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    return {"code": done.returncode, "stdout": done.stdout, "stderr": done.stderr, "result": json.loads(files["result"].read_text()), "files": files}


def run_python_job(script: str, folder: Path, spec: Dict[str, Any]) -> Dict[str, Any]:
    """A job of jobs/ that needs no Spark and no secrets, as the runner starts it (python runtime)."""
    files = write_job_files(folder, spec, {})
    done = subprocess.run([PYTHON, str(JOBS / script), "--spec", str(files["spec"]), "--secrets", str(files["secrets"]), "--result", str(files["result"])],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    return {"code": done.returncode, "stderr": done.stderr, "result": json.loads(files["result"].read_text())}


def jobs_zip(folder: Path) -> Path:
    """jobs/dataops_jobs as Spark's --py-files, built as libs/spark's runner builds it."""
    path = folder / "dataops_jobs.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted((JOBS / "dataops_jobs").rglob("*.py")):
            archive.write(file, str(file.relative_to(JOBS)))
    return path


def spark_submit_command(folder: Path, files: Dict[str, Path]) -> List[str]:
    """The command libs/spark/src/runner.ts submitArguments builds, with settings.ts' base conf."""
    env = stack_env()
    submit = env.get("DATAOPS_SPARK_SUBMIT", str(DATAOPS_HOME / "venv" / "bin" / "spark-submit"))
    jars = env.get("DATAOPS_JDBC_JARS") or ",".join(str(p) for p in sorted((DATAOPS_HOME / "jars" / "jdbc").glob("*.jar")))
    conf = {
        "spark.sql.session.timeZone": "UTC",
        "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
        "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.pyspark.python": env.get("PYSPARK_PYTHON", PYTHON),
    }
    command = [submit, "--master", "local[*]", "--name", "dataops-ingest-test", "--jars", jars, "--py-files", str(jobs_zip(folder))]
    for key, value in conf.items():
        command += ["--conf", f"{key}={value}"]
    return command + [str(JOBS / "ingest.py"), "--spec", str(files["spec"]), "--secrets", str(files["secrets"]), "--result", str(files["result"])]


def spark_available() -> bool:
    env = stack_env()
    submit = env.get("DATAOPS_SPARK_SUBMIT", str(DATAOPS_HOME / "venv" / "bin" / "spark-submit"))
    return Path(submit).exists() and bool(env.get("JAVA_HOME") or shutil.which("java"))


def run_spark(folder: Path, spec: Dict[str, Any], login: Dict[str, str]) -> Dict[str, Any]:
    files = write_job_files(folder, spec, login)
    env = {**os.environ, **stack_env(), "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(["nice", "-n", "15", *spark_submit_command(folder, files)], capture_output=True, text=True, timeout=1800, env=env)
    result = json.loads(files["result"].read_text()) if files["result"].exists() else None
    return {"code": done.returncode, "stdout": done.stdout, "stderr": done.stderr, "result": result, "files": files}


@pytest.fixture(scope="module")
def spark():
    """An in-process SparkSession on one core for a module's tests, stopped after them."""
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[1]").appName("dataops-jobs-test")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1").getOrCreate())
    yield session
    session.stop()
