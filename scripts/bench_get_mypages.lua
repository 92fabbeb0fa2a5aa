-- wrk script for scripts/bench: GET My page rows of existing bookings.
--   wrk ... -s scripts/bench_get_mypages.lua http://127.0.0.1:PORT -- MAX_BOOKING_ID
-- Each request asks GET /mypages/search/findByBookingId?bookingId=K for a random K in
-- 1..MAX_BOOKING_ID. Counts 200 answers that hold a row ("found"), 200 answers without one, and
-- anything else, and prints one machine-readable MB_RESULT line for scripts/bench_tool.py.

local thread_count = 0
local threads = {}

function setup(thread)
    thread_count = thread_count + 1
    thread:set("tid", thread_count)
    table.insert(threads, thread)
end

function init(args)
    max_id = tonumber(args[1]) or 1
    if max_id < 1 then
        max_id = 1
    end
    math.randomseed(os.time() * 100 + tid)
    found = 0
    empty = 0
    other = 0
    wrk.headers["Accept"] = "application/hal+json, application/json"
end

function request()
    return wrk.format("GET", "/mypages/search/findByBookingId?bookingId=" .. math.random(1, max_id))
end

function response(status, headers, body)
    if status == 200 then
        if string.find(body, '"bookingId"', 1, true) then
            found = found + 1
        else
            empty = empty + 1
        end
    else
        other = other + 1
    end
end

function done(summary, latency, requests)
    local f, m, o = 0, 0, 0
    for _, thread in ipairs(threads) do
        f = f + (thread:get("found") or 0)
        m = m + (thread:get("empty") or 0)
        o = o + (thread:get("other") or 0)
    end
    local e = summary.errors
    io.write(string.format(
        "MB_RESULT phase=get requests=%d duration_us=%d found=%d empty=%d other=%d "
            .. "p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.0f "
            .. "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
        summary.requests, summary.duration, f, m, o,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
        latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
