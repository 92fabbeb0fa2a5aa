-- wrk script for scripts/load: PATCH /tickets/{id} {"status":"Printed"} over pre-made tickets.
--   wrk -t T ... -s scripts/load_print.lua http://127.0.0.1:PORT -- MAX_TICKET_ID
-- Thread t of T prints tickets t, t+T, t+2T, ... (<= MAX_TICKET_ID), so no two threads ever
-- print the same ticket. A 503 leaves its ticket Waiting: its id (read from the problem's
-- "instance") goes to the back of the thread's retry queue and is printed again once at least
-- RETRY_GAP further requests were sent (about one round of the thread's connections), the
-- seed's "print again shortly". Ids are thus consumed only by successful prints (and the few
-- in the queue), even while an open breaker answers thousands of fast 503s a second.
-- With MB_LOAD_RETRY_AFTER=1 in the environment the clients honour Retry-After: after each 503
-- carrying one, some connection of the thread waits that long before its next request (wrk's
-- delay() does not say which connection it is for, so the waits are matched to 503s in number,
-- not per connection); without it every connection sends its next request at once, as siege.
-- When the fresh ids run out the thread keeps to its retry queue, or re-prints its last id
-- (a 409), and counts it as "exhausted".
--
-- Each response is also timed here, from request() to response() (LuaJIT's ffi and
-- clock_gettime; the ticket id in the answer tells which request it answers, and an id is in
-- flight on one connection at a time): wrk's own histogram is "corrected" for coordinated
-- omission (it adds synthetic samples), so its counts cannot say how many responses were slow.
--
-- done() prints one machine-readable MB_RESULT line for scripts/load_report.py: statuses,
-- per-response latency (percentiles, max, bands, fast/slow 503s, over 1 s; microseconds), wrk's
-- own percentiles and max, and wrk's socket errors.

local thread_count = 0
local threads = {}

-- Upper bounds (exclusive, microseconds) of the latency bands; the last band is open.
local BANDS_US = { 10000, 100000, 400000, 700000, 1000000 }
local FAST_US = 100000 -- a 503 faster than this did not wait for review
local SLOW_US = 1000000 -- the target: no response this slow

local honour_retry_after = os.getenv("MB_LOAD_RETRY_AFTER") == "1"

local have_ffi, ffi = pcall(require, "ffi")
local now_us
if have_ffi then
    ffi.cdef [[
        typedef struct { long tv_sec; long tv_nsec; } mb_load_timespec;
        int clock_gettime(int clock_id, mb_load_timespec *tp);
    ]]
    local ts = ffi.new("mb_load_timespec")
    now_us = function()
        ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
        return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
    end
end

-- Histogram key of a latency: 100 us buckets below 10 ms, 1 ms buckets above.
local function bucket(us)
    if us < 10000 then
        return math.floor(us / 100) * 100
    end
    return math.floor(us / 1000) * 1000
end

function setup(thread)
    thread_count = thread_count + 1
    thread:set("tid", thread_count)
    table.insert(threads, thread)
end

function init(args)
    max_id = tonumber(args[1]) or 1
    nthreads = tonumber(args[2]) or 1
    retry_gap = tonumber(args[3]) or 25
    next_id = tid
    sent = 0
    ok = 0
    unavailable = 0
    unavailable_retry_after = 0
    conflict = 0
    other = 0
    exhausted = 0
    retried = 0
    fresh = 0
    statuses = {}
    -- per-response timing
    started = {}
    timed = 0
    untimed = 0
    hist = {}
    max_us = 0
    max_ok_us = 0
    max_503_us = 0
    fast_503 = 0
    slow_503 = 0
    over_1s = 0
    waits = {} -- Retry-After waits owed (ms), oldest first
    waits_head, waits_tail = 1, 0
    waited = 0
    -- retry queue: ids and the value of `sent` when each was queued
    rq_ids, rq_at, rq_head, rq_tail = {}, {}, 1, 0
    last_id = tid
    wrk.method = "PATCH"
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Accept"] = "application/hal+json, application/json"
    wrk.body = '{"status":"Printed"}'
end

local function pop_retry(force)
    if rq_head > rq_tail then
        return nil
    end
    if not force and sent - rq_at[rq_head] < retry_gap then
        return nil
    end
    local id = rq_ids[rq_head]
    rq_ids[rq_head], rq_at[rq_head] = nil, nil
    rq_head = rq_head + 1
    return id
end

function request()
    sent = sent + 1
    local id = pop_retry(false)
    if id then
        retried = retried + 1
    elseif next_id <= max_id then
        id = next_id
        next_id = next_id + nthreads
        fresh = fresh + 1
    else
        id = pop_retry(true)
        if id then
            retried = retried + 1
        else
            exhausted = exhausted + 1
            id = last_id
        end
    end
    last_id = id
    if now_us then
        started[id] = now_us()
    end
    return wrk.format(nil, "/tickets/" .. id)
end

local function time_response(status, body)
    local id
    if status == 200 then
        id = tonumber(string.match(body, '"id"%s*:%s*(%d+)'))
    else
        id = tonumber(string.match(body, '"instance"%s*:%s*"/tickets/(%d+)"'))
    end
    local t0 = id and started[id]
    if not now_us or not t0 then
        untimed = untimed + 1
        return
    end
    started[id] = nil
    local us = now_us() - t0
    timed = timed + 1
    local k = bucket(us)
    hist[k] = (hist[k] or 0) + 1
    if us > max_us then
        max_us = us
    end
    if us >= SLOW_US then
        over_1s = over_1s + 1
    end
    if status == 200 and us > max_ok_us then
        max_ok_us = us
    elseif status == 503 then
        if us > max_503_us then
            max_503_us = us
        end
        if us < FAST_US then
            fast_503 = fast_503 + 1
        else
            slow_503 = slow_503 + 1
        end
    end
end

function response(status, headers, body)
    time_response(status, body)
    if status == 200 then
        ok = ok + 1
    elseif status == 503 then
        unavailable = unavailable + 1
        local retry_after = headers["Retry-After"] or headers["retry-after"]
        if retry_after then
            unavailable_retry_after = unavailable_retry_after + 1
            local seconds = tonumber(retry_after)
            if honour_retry_after and seconds and seconds > 0 then
                waits_tail = waits_tail + 1
                waits[waits_tail] = math.floor(seconds * 1000)
            end
        end
        local id = tonumber(string.match(body, '"instance"%s*:%s*"/tickets/(%d+)"'))
        if id then
            rq_tail = rq_tail + 1
            rq_ids[rq_tail], rq_at[rq_tail] = id, sent
        end
    elseif status == 409 then
        conflict = conflict + 1
    else
        other = other + 1
        statuses[status] = (statuses[status] or 0) + 1
    end
end

if honour_retry_after then
    function delay()
        if waits_head > waits_tail then
            return 0
        end
        local ms = waits[waits_head]
        waits[waits_head] = nil
        waits_head = waits_head + 1
        waited = waited + 1
        return ms
    end
end

function done(summary, latency, requests)
    local t = { ok = 0, unavailable = 0, unavailable_retry_after = 0, conflict = 0, other = 0,
                exhausted = 0, retried = 0, fresh = 0, timed = 0, untimed = 0, fast_503 = 0,
                slow_503 = 0, over_1s = 0, waited = 0 }
    local maxes = { max_us = 0, max_ok_us = 0, max_503_us = 0 }
    local by_status = {}
    local h = {}
    for _, thread in ipairs(threads) do
        for k, _ in pairs(t) do
            t[k] = t[k] + (thread:get(k) or 0)
        end
        for k, _ in pairs(maxes) do
            maxes[k] = math.max(maxes[k], thread:get(k) or 0)
        end
        for status, count in pairs(thread:get("statuses") or {}) do
            by_status[status] = (by_status[status] or 0) + count
        end
        for k, count in pairs(thread:get("hist") or {}) do
            h[k] = (h[k] or 0) + count
        end
    end
    local parts = {}
    for status, count in pairs(by_status) do
        table.insert(parts, string.format("%d:%d", status, count))
    end
    table.sort(parts)

    -- per-response percentiles (bucket upper bounds) and bands from the threads' histograms
    local keys = {}
    for k, _ in pairs(h) do
        table.insert(keys, k)
    end
    table.sort(keys)
    local function percentile(p)
        if t.timed == 0 then
            return 0
        end
        local rank = math.max(1, math.ceil(p / 100 * t.timed))
        local seen = 0
        for _, k in ipairs(keys) do
            seen = seen + h[k]
            if seen >= rank then
                return math.min(k + (k < 10000 and 100 or 1000), maxes.max_us)
            end
        end
        return maxes.max_us
    end
    local bands = {}
    for b = 1, #BANDS_US + 1 do
        bands[b] = 0
    end
    for _, k in ipairs(keys) do
        local b = 1
        while b <= #BANDS_US and k >= BANDS_US[b] do
            b = b + 1
        end
        bands[b] = bands[b] + h[k]
    end
    local band_parts = {}
    for b = 1, #bands do
        table.insert(band_parts, string.format("%d", bands[b]))
    end
    local bound_parts = {}
    for b = 1, #BANDS_US do
        table.insert(bound_parts, string.format("%d", BANDS_US[b]))
    end

    local e = summary.errors
    io.write(string.format(
        "MB_RESULT phase=print requests=%d duration_us=%d ok=%d unavailable=%d "
            .. "unavailable_retry_after=%d conflict=%d other=%d statuses=%s "
            .. "fresh=%d retried=%d exhausted=%d timed=%d untimed=%d fast_503=%d slow_503=%d "
            .. "over_1s=%d waited=%d retry_after_honoured=%d p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d max_ok_us=%d "
            .. "max_503_us=%d band_bounds_us=%s bands=%s "
            .. "wrk_p50_us=%d wrk_p99_us=%d wrk_max_us=%d wrk_mean_us=%.0f "
            .. "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
        summary.requests, summary.duration, t.ok, t.unavailable, t.unavailable_retry_after,
        t.conflict, t.other, #parts > 0 and table.concat(parts, ",") or "-",
        t.fresh, t.retried, t.exhausted, t.timed, t.untimed, t.fast_503, t.slow_503, t.over_1s,
        t.waited, honour_retry_after and 1 or 0,
        percentile(50), percentile(90), percentile(99), percentile(99.9), maxes.max_us,
        maxes.max_ok_us, maxes.max_503_us,
        table.concat(bound_parts, ","), table.concat(band_parts, ","),
        latency:percentile(50), latency:percentile(99), latency.max, latency.mean,
        e.connect, e.read, e.write, e.status, e.timeout))
end
