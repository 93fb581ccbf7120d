-- wrk script for bench/run.py: every request is a different valid POST /orders
-- (customer, sku, qty and address vary), the same script for shopd and for
-- each baseline. done() prints one machine-readable line for run.py.
local skus = {"MUG-01", "TEE-BLK-M", "STICKER-01"}
local n = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  n = n + 1
  local body = string.format(
    '{"customer":{"email":"buyer%d@example.com","name":"Buyer %d"},' ..
    '"items":[{"sku":"%s","qty":%d}],"payment":{"token":"pm_card_visa"},' ..
    '"shipping_address":{"line1":"Hauptstrasse %d","city":"Berlin","postal_code":"%05d","country":"DE"}}',
    n, n, skus[n % #skus + 1], n % 3 + 1, n % 200 + 1, 10000 + n % 90000)
  return wrk.format(nil, "/orders", nil, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,"non2xx":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency:percentile(99.9), latency.max, e.connect, e.read, e.write, e.timeout, e.status))
end
