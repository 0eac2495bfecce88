"""A Spark job that holds executors: PARTITIONS shuffle-free tasks sleeping SECONDS each.

With PARTITIONS 0 the driver only sleeps, so the application holds just what dynamic
allocation keeps for it while idle (minExecutors). Submitted as a Livy batch by the demo and
the integration tests: {"file": ".../cluster/jobs/hold_executors.py", "args": ["4", "60"]}.
An optional third argument names a file: the driver starts its job only once that file exists
(up to 10 minutes), so a test can make the application ask for executors at a moment it chooses.
"""

import os
import sys
import time

from pyspark.sql import SparkSession

partitions = int(sys.argv[1]) if len(sys.argv) > 1 else 4
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
go_file = sys.argv[3] if len(sys.argv) > 3 else ""
spark = SparkSession.builder.getOrCreate()
deadline = time.monotonic() + 600
while go_file and not os.path.exists(go_file) and time.monotonic() < deadline:
    time.sleep(0.5)
if partitions:
    rdd = spark.sparkContext.parallelize(range(partitions), partitions)
    print(f"held executors with {rdd.map(lambda x: time.sleep(seconds) or x).count()} tasks of {seconds}s")
else:
    time.sleep(seconds)
spark.stop()
