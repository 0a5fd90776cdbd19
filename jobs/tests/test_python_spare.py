"""jobs/python_spare.py: a Python process started before its job runs that job as `python script args` would."""

import json
import os
import subprocess
import sys
import textwrap

SPARE = os.path.join(os.path.dirname(__file__), "..", "python_spare.py")


def run_spare(stdin: str, cwd: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, SPARE], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=60)


def test_runs_the_job_script_as_main_with_its_arguments_and_exit_code(tmp_path):
    script = tmp_path / "job.py"
    script.write_text(
        textwrap.dedent(
            """
            import json, sys
            from helper import VALUE  # the script's own folder is on sys.path, as for python job.py
            print(json.dumps({"name": __name__, "argv": sys.argv, "value": VALUE}))
            sys.exit(3)
            """
        )
    )
    (tmp_path / "helper.py").write_text("VALUE = 42\n")
    done = run_spare(json.dumps({"script": str(script), "args": ["--spec", "/x/spec.json"]}) + "\n", cwd=str(tmp_path))
    assert done.returncode == 3, done.stderr
    assert json.loads(done.stdout) == {"name": "__main__", "argv": [str(script), "--spec", "/x/spec.json"], "value": 42}


def test_a_failing_job_exits_1_with_its_traceback_like_a_direct_run(tmp_path):
    script = tmp_path / "job.py"
    script.write_text("raise RuntimeError('the job broke')\n")
    done = run_spare(json.dumps({"script": str(script), "args": []}) + "\n", cwd=str(tmp_path))
    assert done.returncode == 1
    assert "RuntimeError: the job broke" in done.stderr


def test_ends_without_a_job_when_stdin_closes_empty(tmp_path):
    done = run_spare("", cwd=str(tmp_path))
    assert (done.returncode, done.stdout) == (0, "")


def test_takes_the_jobs_command_line_as_its_process_title(tmp_path):
    script = tmp_path / "job.py"
    script.write_text("import os\nprint(open(f'/proc/{os.getpid()}/cmdline').read().replace(chr(0), ' ').strip())\n")
    done = run_spare(json.dumps({"script": str(script), "args": ["--spec", "/jobs/job-1-run-42/spec.json"]}) + "\n", cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr
    # the spare's own interpreter path, normalised (pytest may run as ../.dataops/venv/bin/python)
    assert done.stdout.strip() == f"{os.path.normpath(sys.executable)} {script} --spec /jobs/job-1-run-42/spec.json"
