-- wrk script for scripts/bench: POST /books with a distinct body per request.
--   wrk ... -s scripts/bench_post_books.lua http://127.0.0.1:PORT -- RUN_TAG
-- Each request books seat(s) of its own movie (movieName carries run tag, thread and counter),
-- so no two requests compete for a seat; customerId is distinct too. Counts 201 versus anything
-- else per status, remembers the highest booking id seen in Location, and prints one
-- machine-readable MB_RESULT line (latencies in microseconds) for scripts/bench_tool.py.

local thread_count = 0
local threads = {}

function setup(thread)
    thread_count = thread_count + 1
    thread:set("tid", thread_count)
    table.insert(threads, thread)
end

function init(args)
    run = args[1] or tostring(os.time())
    sent = 0
    created = 0
    other = 0
    max_id = 0
    statuses = {}
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Accept"] = "application/hal+json, application/json"
end

local letters = "ABCDEFGHJK"

function request()
    sent = sent + 1
    local row = sent % 20 + 1
    local col = sent % 10 + 1
    local body = string.format(
        '{"qty":"1","movieName":"bench-%s-%d-%d","seat":"%d%s","totalPrice":"10000","customerId":"%d"}',
        run, tid, sent, row, letters:sub(col, col), tid * 10000000 + sent)
    return wrk.format(nil, "/books", nil, body)
end

function response(status, headers, body)
    if status == 201 then
        created = created + 1
        local location = headers["Location"] or headers["location"]
        local id = location and tonumber(string.match(location, "(%d+)/?$"))
        if id and id > max_id then
            max_id = id
        end
    else
        other = other + 1
        statuses[status] = (statuses[status] or 0) + 1
    end
end

function done(summary, latency, requests)
    local total_created, total_other, top_id = 0, 0, 0
    local by_status = {}
    for _, thread in ipairs(threads) do
        total_created = total_created + (thread:get("created") or 0)
        total_other = total_other + (thread:get("other") or 0)
        top_id = math.max(top_id, thread:get("max_id") or 0)
        for status, count in pairs(thread:get("statuses") or {}) do
            by_status[status] = (by_status[status] or 0) + count
        end
    end
    local parts = {}
    for status, count in pairs(by_status) do
        table.insert(parts, string.format("%d:%d", status, count))
    end
    table.sort(parts)
    local e = summary.errors
    io.write(string.format(
        "MB_RESULT phase=post requests=%d duration_us=%d created=%d other=%d max_id=%d "
            .. "statuses=%s p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.0f "
            .. "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
        summary.requests, summary.duration, total_created, total_other, top_id,
        #parts > 0 and table.concat(parts, ",") or "-",
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
        latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
