-- wrk script for scripts/bench-scale: books every seat of the screenings in FILE exactly once
-- (one seat a booking, through the real POST /books path), then stops.
--   wrk ... -s scripts/bench_scale_fill.lua http://127.0.0.1:PORT -- FILE THREADS TAG DONE
--     FILE     one screening id per line; thread t takes lines t, t+THREADS, ... (26 x 50 screens)
--     THREADS  wrk's -t
--     TAG      distinguishes this fill's customer ids ("c<TAG>-<thread>-<n>": one booking each)
--     DONE     a file each thread appends one line to once all its bookings were answered
-- Each thread walks A1..Z50 of each screening of its slice, 1,300 x lines(FILE) bookings in
-- all; once its slice is used up it sends GET /actuator/health/liveness (never counted). wrk
-- cannot end a run early from Lua, so the caller runs it with a long -d and sends SIGINT once
-- DONE has THREADS lines. Prints one MB_FILL line: bookings created, other answers by status,
-- and the first non-201 body.

local ROWS, PER_ROW = 26, 50
local ROW_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

local threads = {}
local thread_count = 0

function setup(thread)
    thread_count = thread_count + 1
    thread:set("tid", thread_count)
    table.insert(threads, thread)
end

function init(args)
    local file = args[1]
    local nthreads = tonumber(args[2]) or 1
    tag = args[3] or "fill"
    done_file = args[4]
    slice = {}
    local i = 0
    for line in io.lines(file) do
        if line ~= "" then
            if i % nthreads == tid - 1 then
                table.insert(slice, tonumber(line))
            end
            i = i + 1
        end
    end
    planned = #slice * ROWS * PER_ROW
    idx, seat = 1, 0 -- seat: 0 .. ROWS*PER_ROW-1 within slice[idx]
    sent, answered, created, other, finished = 0, 0, 0, 0, false
    statuses, first_body = {}, ""
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Accept"] = "application/hal+json, application/json"
    idle_request = wrk.format("GET", "/actuator/health/liveness")
    -- wrk 4 calls request() of its first thread once before any connection exists, only to
    -- count the requests it returns (script_verify_request): that call must not use a seat.
    verifying = tid == 1
end

function request()
    if verifying then
        verifying = false
        return idle_request
    end
    if sent >= planned then
        return idle_request
    end
    sent = sent + 1
    local r, c = math.floor(seat / PER_ROW), seat % PER_ROW + 1
    local body = string.format('{"screeningId":%d,"seats":["%s%d"],"customerId":"c%s-%d-%d"}',
        slice[idx], ROW_LETTERS:sub(r + 1, r + 1), c, tag, tid, sent)
    seat = seat + 1
    if seat == ROWS * PER_ROW then
        idx, seat = idx + 1, 0
    end
    return wrk.format("POST", "/books", nil, body)
end

-- Says so in DONE, once, when every booking of this thread's slice has its answer.
function finish()
    if answered >= planned and not finished then
        finished = true
        if done_file then
            local f = io.open(done_file, "a")
            f:write(tid .. "\n")
            f:close()
        end
    end
end

function response(status, headers, body)
    if status == 200 then -- a liveness answer: sent only once the slice is used up
        finish()
        return
    end
    answered = answered + 1
    if status == 201 then
        created = created + 1
    else
        other = other + 1
        statuses[status] = (statuses[status] or 0) + 1
        if first_body == "" then
            first_body = status .. " " .. string.gsub(string.sub(body, 1, 300), "\n", " ")
        end
    end
    finish()
end

function done(summary, latency, requests)
    local c, o, body = 0, 0, ""
    local by_status = {}
    for _, thread in ipairs(threads) do
        c = c + (thread:get("created") or 0)
        o = o + (thread:get("other") or 0)
        for s, n in pairs(thread:get("statuses") or {}) do
            by_status[s] = (by_status[s] or 0) + n
        end
        if body == "" then
            body = thread:get("first_body") or ""
        end
    end
    local parts = {}
    for s, n in pairs(by_status) do
        table.insert(parts, string.format("%d:%d", s, n))
    end
    table.sort(parts)
    io.write(string.format("MB_FILL created=%d other=%d statuses=%s duration_us=%d p50_us=%d "
        .. "p99_us=%d err_connect=%d err_read=%d err_write=%d err_timeout=%d\n", c, o,
        #parts > 0 and table.concat(parts, ",") or "-", summary.duration,
        latency:percentile(50), latency:percentile(99), summary.errors.connect,
        summary.errors.read, summary.errors.write, summary.errors.timeout))
    if body ~= "" then
        io.write("MB_FILL_BODY " .. body .. "\n")
    end
end
