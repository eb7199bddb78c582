-- wrk script of bench/intake_bench.py: POST the JSON bodies of the file
-- BENCH_BODIES (one a line) in turn with the Authorization header BENCH_AUTH,
-- then print one JSON line of figures (latencies in microseconds).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = os.getenv("BENCH_AUTH")
local bodies = {}
for line in io.lines(os.getenv("BENCH_BODIES")) do
  if line ~= "" then bodies[#bodies + 1] = line end
end
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, bodies[(n % #bodies) + 1])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"p50":%d,"p95":%d,"p99":%d,' ..
    '"max":%d,"non_2xx":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
end
