-- KV v2 writes: POST <BENCH_WRITE_PREFIX><k> with k rotating over BENCH_WRITE_KEYS keys, so
-- every write after the first round bumps a version of an existing secret. Each body is distinct
-- (it carries a counter). With several wrk threads (BENCH_WRK_THREADS) the keys interleave.
package.path = (os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/?.lua;" .. package.path
local report = require("report")

local prefix = os.getenv("BENCH_WRITE_PREFIX") or "/v1/secret/data/bench/w/"
local keys = tonumber(os.getenv("BENCH_WRITE_KEYS") or "500")
local nthreads = tonumber(os.getenv("BENCH_WRK_THREADS") or "1")
local pad = string.rep("x", 64)
local headers = { ["Content-Type"] = "application/json" }
local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then
  headers["X-Vault-Token"] = token
end

local created = 0
function setup(thread)
  thread:set("tid", created)
  created = created + 1
end

local counter = 0
function request()
  counter = counter + 1
  local k = (counter * nthreads + (tid or 0)) % keys
  local body = '{"data":{"n":"' .. (tid or 0) .. '-' .. counter .. '","pad":"' .. pad .. '"}}'
  return wrk.format("POST", prefix .. k, headers, body)
end

done = report.done
