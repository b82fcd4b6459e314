-- wrk script of the benchmark's load runs: replays a scenario's requests in turn and reports one line.
--
-- BENCH_WRK_TARGETS names a Lua file the harness writes, returning the requests to make:
--   return { {method = "GET", path = "/leads/", headers = {Cookie = "..."}, body = nil}, ... }
-- A scenario with several targets (the rep's 50 newest leads, 50 deals to move) cycles through them.
-- done() prints the percentiles wrk's --latency prints, and the 95th it does not, as JSON.

local targets = dofile(os.getenv("BENCH_WRK_TARGETS"))
local formatted = {}
local next_request = 1

function init(args)
   for i, target in ipairs(targets) do
      formatted[i] = wrk.format(target.method, target.path, target.headers, target.body)
   end
end

function request()
   local request_text = formatted[next_request]
   next_request = next_request % #formatted + 1
   return request_text
end

function done(summary, latency, requests)
   local errors = summary.errors
   io.write(string.format(
      'bench-wrk {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p95_us": %d, ' ..
      '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "connect_errors": %d, "read_errors": %d, ' ..
      '"write_errors": %d, "timeouts": %d, "bad_status": %d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(95), latency:percentile(99), latency.max, latency.mean,
      errors.connect, errors.read, errors.write, errors.timeout, errors.status))
end
