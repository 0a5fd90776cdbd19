"""Transform: builds every SQL model of a run in one Spark application.

Raw tables are read from the files of committed lake manifests only (the TypeScript side resolved
them). Models are ordered by their references, all defined as views before anything is written
(so a SQL error is found first), then written as new version folders; checks run on those new
versions. Publishing (switching readers to the new versions) is the TypeScript side's job.
"""

from dataops_jobs.runtime import main
from dataops_jobs.transform_models import transform

if __name__ == "__main__":
    main("transform", transform)
