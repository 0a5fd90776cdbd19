"""Export: fills each JDBC target's staging table and writes each SFTP target's files locally.

One spark-submit per export run. Spark's JDBC writer commits per partition and has no upsert, so it
only ever fills a staging table the TypeScript side created; the switch into the target is one
transaction on the TypeScript side. SFTP files are written to a local folder the TypeScript side
uploads with temporary names, renames and a manifest written last.
"""

from dataops_jobs.export_targets import export
from dataops_jobs.runtime import main

if __name__ == "__main__":
    main("export", export)
