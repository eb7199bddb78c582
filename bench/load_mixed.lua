-- wrk script of bench/load_mixed.py. BENCH_MODE says what each request is:
--   write  POST /api/v1/tickets as a customer (BENCH_TOKEN)
--   read   a line-1 agent's queue or one of its tickets (BENCH_STAFF_TOKEN)
--   mixed  create, queue, ticket and knowledge-base search in turn
-- Each thread counts the answers by class; done() prints one JSON line
-- (latencies in microseconds).
local mode = os.getenv("BENCH_MODE")
local customer = { ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"),
                   ["Content-Type"] = "application/json" }
local staff = { ["Authorization"] = "Bearer " .. os.getenv("BENCH_STAFF_TOKEN") }
local ticket_ids = {}
for id in string.gmatch(os.getenv("BENCH_TICKET_IDS"), "%d+") do
  table.insert(ticket_ids, id)
end
local bodies = {
  '{"subject":"Printer error in accounting","description":"It says error 42.","category":"hardware"}',
  '{"subject":"Need access to the share","description":"Please.","category":"access"}',
  '{"subject":"Settings lost","description":"After the update.","category":"configuration"}',
  '{"subject":"Nobody called back","description":"Since Monday.","category":"other"}',
}
local words = { "printer", "password", "vpn",
  "%D0%BF%D1%80%D0%B8%D0%BD%D1%82%D0%B5%D1%80",  -- принтер
  "%D0%BF%D0%B0%D1%80%D0%BE%D0%BB%D1%8C" }  -- пароль

local function create(n)
  return wrk.format("POST", "/api/v1/tickets", customer, bodies[(n % #bodies) + 1])
end

local function queue(n)
  return wrk.format("GET", "/api/v1/tickets?line=1&limit=25", staff)
end

local function ticket(n)
  return wrk.format("GET", "/api/v1/tickets/" .. ticket_ids[(n % #ticket_ids) + 1], staff)
end

local function kb_search(n)
  return wrk.format("GET", "/api/v1/kb/search?q=" .. words[(n % #words) + 1], staff)
end

local kinds = {
  write = { create },
  read = { queue, ticket },
  mixed = { create, queue, ticket, kb_search },
}
local rotation = kinds[mode]

-- Per thread (each wrk thread has its own Lua state).
n, created, client_errors, server_errors = 0, 0, 0, 0

request = function()
  n = n + 1
  return rotation[(n % #rotation) + 1](math.floor(n / #rotation))
end

response = function(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif status >= 500 then
    server_errors = server_errors + 1
  elseif status >= 400 then
    client_errors = client_errors + 1
  end
end

local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end

done = function(summary, latency, requests)
  local c, c4, c5 = 0, 0, 0
  for _, thread in ipairs(threads) do
    c = c + thread:get("created")
    c4 = c4 + thread:get("client_errors")
    c5 = c5 + thread:get("server_errors")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"p50":%d,"p95":%d,"p99":%d,' ..
    '"max":%d,"created":%d,"4xx":%d,"5xx":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), latency.max,
    c, c4, c5, e.connect + e.read + e.write + e.timeout))
end
