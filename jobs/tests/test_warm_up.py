"""The kept driver's warm-up (dataops_jobs/warm_up.py): it runs through a transform's paths and
leaves nothing behind for the jobs that follow it in the same Spark application."""

import os
import tempfile

import pytest

pytest.importorskip("pyspark")

from dataops_jobs.warm_up import warm_up  # noqa: E402


def test_the_warm_up_leaves_no_view_and_no_folder_for_the_jobs_after_it(spark, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    warm_up(spark, rows=3000, passes=2)

    assert spark.catalog.listTables() == []
    assert os.listdir(tmp_path) == []
    # a job after it may use the warm-up's names for its own views
    spark.range(3).createOrReplaceTempView("warm_up_facts")
    assert spark.sql("SELECT count(*) AS n FROM warm_up_facts").collect()[0]["n"] == 3
    spark.catalog.dropTempView("warm_up_facts")
