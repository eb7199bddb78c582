-- wrk script of bench/intake_bench.py: POST a ticket with a bearer token,
-- then print one JSON line of figures (latencies in microseconds).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
local bodies = {
  '{"subject":"Printer error in accounting","description":"It says error 42.","category":"hardware"}',
  '{"subject":"Need access to the share","description":"Please.","category":"access"}',
  '{"subject":"Settings lost","description":"After the update.","category":"configuration"}',
  '{"subject":"Nobody called back","description":"Since Monday.","category":"other"}',
}
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
