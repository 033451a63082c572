"""The reference run for benches/throughput.rs: DuckDB computing the same figures from the
same JSON access log (requests per status, and per route the count and the nearest-rank
p50/p95/p99 of responseLatency), on a given number of threads. Prints seconds, CPU seconds
(every thread of the process) and the figures as JSON."""
import json
import sys
import time

import duckdb

path, threads = sys.argv[1], int(sys.argv[2])
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
start, cpu_start = time.perf_counter(), time.process_time()
con.execute(
    """CREATE TEMP TABLE access AS
       SELECT status, httpMethod || ' ' || resourcePath AS route,
              TRY_CAST(responseLatency AS INTEGER) AS latency
       FROM read_json(?, format = 'newline_delimited', ignore_errors = true,
                      columns = {status: 'VARCHAR', httpMethod: 'VARCHAR',
                                 resourcePath: 'VARCHAR', responseLatency: 'VARCHAR'})
       WHERE status IS NOT NULL""",
    [path],
)
status = dict(con.execute("SELECT status, count(*) FROM access GROUP BY status").fetchall())
routes = con.execute(
    """SELECT route, count(*), quantile_disc(latency, 0.5), quantile_disc(latency, 0.95),
              quantile_disc(latency, 0.99)
       FROM access GROUP BY route"""
).fetchall()
seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds,
                  "requests": sum(status.values()), "status": status,
                  "routes": {r[0]: list(r[1:]) for r in routes}}))
