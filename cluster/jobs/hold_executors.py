"""A Spark job that keeps executors busy: PARTITIONS shuffle-free tasks sleeping SECONDS each.

Submitted as a Livy batch by the demo and the integration tests:
    {"file": ".../cluster/jobs/hold_executors.py", "args": ["4", "60"]}
"""

import sys
import time

from pyspark.sql import SparkSession

partitions = int(sys.argv[1]) if len(sys.argv) > 1 else 4
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
spark = SparkSession.builder.getOrCreate()
done = spark.sparkContext.parallelize(range(partitions), partitions).map(lambda x: time.sleep(seconds) or x).count()
print(f"held executors with {done} tasks of {seconds}s")
spark.stop()
