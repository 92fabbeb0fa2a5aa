-- wrk script for scripts/bench: POST /books of catalogued screenings, one distinct seat block
-- per request, so that no two requests of a run ever compete for a seat.
--   wrk ... -s scripts/bench_post_books.lua http://127.0.0.1:PORT -- MODE FILE THREADS SIZES TAG
--     MODE     screening: {"screeningId":N,"seats":["A1",...],"customerId":"c..."} (phases 1, 2)
--              movie:     the seed's shape {"qty":2,"movieName":T,"seat":"1A,2A",
--                         "totalPrice":2*price,"customerId":"c..."} (phase 3; the server books
--                         the movie's next open screening, so each movie has exactly one)
--     FILE     one screening id per line (screening), or "title<TAB>price" per line (movie)
--     THREADS  wrk's -t: thread t takes lines t, t+THREADS, t+2*THREADS ... of FILE
--     SIZES    seats per booking, cycled: "1" (phase 1), "2,3,4" (phase 2), "2" (phase 3)
--     TAG      distinguishes this phase's customer ids
-- Within its slice a thread walks rows A..Z and seats 1..50 of a screening (26 x 50 screens),
-- a block never crossing a row, then the next screening. All the connections of a wrk thread
-- share its Lua state, so one counter per thread keeps connections apart too. A thread that
-- runs out of screenings starts its slice again (those requests will answer 409) and says so
-- (exhausted=1): the catalogue was too small for the rate.
-- Counts 201 versus anything else per status, keeps the first few non-201 bodies, counts the
-- seats of the 201s from their "seat" member, and prints one machine-readable MB_RESULT line
-- (latencies in microseconds) plus MB_BODY lines for scripts/bench_tool.py.

local ROWS, PER_ROW = 26, 50
local ROW_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
local KEEP_BODIES = 3

local thread_count = 0
local threads = {}

function setup(thread)
    thread_count = thread_count + 1
    thread:set("tid", thread_count)
    table.insert(threads, thread)
end

function init(args)
    mode = args[1] or "screening"
    local file = args[2]
    local nthreads = tonumber(args[3]) or 1
    sizes = {}
    for n in string.gmatch(args[4] or "1", "%d+") do
        table.insert(sizes, tonumber(n))
    end
    tag = args[5] or "x"
    slice = {}
    local i = 0
    for line in io.lines(file) do
        if line ~= "" then
            if i % nthreads == tid - 1 then
                if mode == "movie" then
                    local title, price = string.match(line, "^([^\t]+)\t(%d+)$")
                    table.insert(slice, { title = title, price = tonumber(price) })
                else
                    table.insert(slice, tonumber(line))
                end
            end
            i = i + 1
        end
    end
    idx, row, col, k = 1, 0, 1, 0
    sent, created, other, seats_created, max_id, exhausted = 0, 0, 0, 0, 0, 0
    statuses, bodies = {}, {}
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Accept"] = "application/hal+json, application/json"
end

-- The next seat block of `size` seats: slice index, row (0-based), first seat (1-based).
local function next_block(size)
    if col + size - 1 > PER_ROW then
        row, col = row + 1, 1
    end
    if row >= ROWS then
        idx, row, col = idx + 1, 0, 1
    end
    if idx > #slice then
        idx, exhausted = 1, 1
    end
    local at_idx, at_row, at_col = idx, row, col
    col = col + size
    return at_idx, at_row, at_col
end

function request()
    sent = sent + 1
    k = k % #sizes + 1
    local size = sizes[k]
    local i, r, c = next_block(size)
    local letter = ROW_LETTERS:sub(r + 1, r + 1)
    local body
    if mode == "movie" then
        local labels = {}
        for s = c, c + size - 1 do
            table.insert(labels, s .. letter) -- the seed's "1A" form: seat number, row letter
        end
        local m = slice[i]
        body = string.format(
            '{"qty":%d,"movieName":"%s","seat":"%s","totalPrice":%d,"customerId":"c%s-%d-%d"}',
            size, m.title, table.concat(labels, ","), size * m.price, tag, tid, sent)
    else
        local labels = {}
        for s = c, c + size - 1 do
            table.insert(labels, '"' .. letter .. s .. '"')
        end
        body = string.format('{"screeningId":%d,"seats":[%s],"customerId":"c%s-%d-%d"}',
            slice[i], table.concat(labels, ","), tag, tid, sent)
    end
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
        local seat = string.match(body, '"seat":"([^"]*)"')
        if seat then
            local _, commas = string.gsub(seat, ",", "")
            seats_created = seats_created + commas + 1
        end
    else
        other = other + 1
        statuses[status] = (statuses[status] or 0) + 1
        if #bodies < KEEP_BODIES then
            table.insert(bodies, status .. " " .. string.gsub(string.sub(body, 1, 400), "\n", " "))
        end
    end
end

function done(summary, latency, requests)
    local total_created, total_other, total_seats, top_id, any_exhausted = 0, 0, 0, 0, 0
    local by_status = {}
    local all_bodies = {}
    for _, thread in ipairs(threads) do
        total_created = total_created + (thread:get("created") or 0)
        total_other = total_other + (thread:get("other") or 0)
        total_seats = total_seats + (thread:get("seats_created") or 0)
        top_id = math.max(top_id, thread:get("max_id") or 0)
        any_exhausted = math.max(any_exhausted, thread:get("exhausted") or 0)
        for status, count in pairs(thread:get("statuses") or {}) do
            by_status[status] = (by_status[status] or 0) + count
        end
        for _, b in ipairs(thread:get("bodies") or {}) do
            table.insert(all_bodies, b)
        end
    end
    local parts = {}
    for status, count in pairs(by_status) do
        table.insert(parts, string.format("%d:%d", status, count))
    end
    table.sort(parts)
    local e = summary.errors
    io.write(string.format(
        "MB_RESULT phase=post requests=%d duration_us=%d created=%d other=%d seats=%d max_id=%d "
            .. "exhausted=%d statuses=%s p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.0f "
            .. "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
        summary.requests, summary.duration, total_created, total_other, total_seats, top_id,
        any_exhausted, #parts > 0 and table.concat(parts, ",") or "-",
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
        latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
    for i, b in ipairs(all_bodies) do
        if i > KEEP_BODIES then
            break
        end
        io.write("MB_BODY " .. b .. "\n")
    end
end
