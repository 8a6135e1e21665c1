-- POST a fixed JSON body (BENCH_BODY) to the URL given to wrk; with BENCH_TOKEN set, send it as
-- X-Vault-Token. The request is static, so wrk builds it once (no per-request Lua).
package.path = (os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/?.lua;" .. package.path
local report = require("report")

wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY") or "{}"
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then
  wrk.headers["X-Vault-Token"] = token
end

done = report.done
