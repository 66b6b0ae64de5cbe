-- wrk script for bench/report.py: each wrk thread drives several connections and takes its
-- share of the users' tokens (thread n of T: tokens n, n+T, …), a different one for each request
-- in turn, and POSTs reports with a fresh uuid4 client_id at random points inside the demo grids.
-- Environment: BENCH_TOKENS (file, one access token a line), BENCH_THREADS (wrk's -t),
-- BENCH_POINTS (file name with a %d for the thread's number, 1-based; "lon lat" a line),
-- BENCH_PATH (request path). done() prints one line "BENCH_JSON {...}".

local threads = {}
local counter = 1

function setup(thread)
   thread:set("thread_number", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

local function read_lines(name)
   local lines = {}
   for line in io.lines(name) do
      if #line > 0 then table.insert(lines, line) end
   end
   return lines
end

function init(args)
   local tokens = read_lines(os.getenv("BENCH_TOKENS"))
   local thread_count = tonumber(os.getenv("BENCH_THREADS"))
   my_headers = {}
   for n = thread_number, math.max(#tokens, thread_number), thread_count do
      local token = tokens[((n - 1) % #tokens) + 1]
      table.insert(my_headers, {["Content-Type"] = "application/json",
                                ["Authorization"] = "Bearer " .. token})
   end
   points = {}
   -- each thread reads a file of its own: its share of the positions
   for _, line in ipairs(read_lines(string.format(os.getenv("BENCH_POINTS"), thread_number))) do
      local lon, lat = line:match("(%S+)%s+(%S+)")
      table.insert(points, {lon, lat})
   end
   path = os.getenv("BENCH_PATH")
   math.randomseed(thread_number * 7919 + os.time())
   statuses = {}
   sent = 0
end

local function uuid4()
   return (string.gsub("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", "[xy]", function(c)
      local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
      return string.format("%x", v)
   end))
end

function request()
   local p = points[math.random(#points)]
   sent = sent + 1
   local body = string.format(
      '{"client_id":"%s","category":"safety_hazard","description":"路灯损坏，夜间存在安全隐患（压测 %d-%d）",' ..
      '"location":{"type":"Point","coordinates":[%s,%s]}}', uuid4(), thread_number, sent, p[1], p[2])
   return wrk.format("POST", path, my_headers[(sent % #my_headers) + 1], body)
end

function response(status, headers, body)
   local key = tostring(status)
   statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
   local all = {}
   for _, thread in ipairs(threads) do
      local counts = thread:get("statuses")
      for key, n in pairs(counts) do all[key] = (all[key] or 0) + n end
   end
   local parts = {}
   for key, n in pairs(all) do table.insert(parts, string.format('"%s":%d', key, n)) end
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"min":%d,"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d},' ..
      '"statuses":{%s}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.min, latency.mean, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency:percentile(99.9), latency.max,
      table.concat(parts, ",")))
end
