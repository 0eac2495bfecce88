"""A Spark job that holds executors: PARTITIONS shuffle-free tasks sleeping SECONDS each.

With PARTITIONS 0 the driver only sleeps, so the application holds just what dynamic
allocation keeps for it while idle (minExecutors). Submitted as a Livy batch by the demo and
the integration tests: {"file": ".../cluster/jobs/hold_executors.py", "args": ["4", "60"]}.
"""

import sys
import time

from pyspark.sql import SparkSession

partitions = int(sys.argv[1]) if len(sys.argv) > 1 else 4
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
spark = SparkSession.builder.getOrCreate()
if partitions:
    rdd = spark.sparkContext.parallelize(range(partitions), partitions)
    print(f"held executors with {rdd.map(lambda x: time.sleep(seconds) or x).count()} tasks of {seconds}s")
else:
    time.sleep(seconds)
spark.stop()
