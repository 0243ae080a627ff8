-- bench/load.lua: readers' mixed traffic for wrk, with latency and errors per kind of page.
--
--   wrk -t32 -c32 -d60s --timeout 10s --latency -s bench/load.lua URL -- urls.lua [mix]
--
-- urls.lua (bench/load_urls.py) returns one list of paths per kind; each request picks a kind by
-- the weights below (or "article=55,home=10,…" as the second argument), then a path at random.
-- Run it with as many threads as connections (-t N -c N): each thread then has one connection,
-- its requests and responses strictly alternate, and the time between request() and response()
-- is that request's latency (LuaJIT's ffi reads the monotonic clock). done() prints one line per
-- kind ("HYKIND kind count p50 p90 p99 max non2xx3xx", milliseconds) and the first failing paths
-- ("HYBAD status path"), which bench/load.sh turns into a table. What a thread keeps is in flat
-- arrays of numbers and strings: wrk's thread:get() crashes copying nested tables.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } hy_timespec;
int clock_gettime(int clk_id, hy_timespec *tp);
]]
local clock = ffi.new("hy_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local default_mix = "article=55,home=10,issue=15,search=10,feed=10"
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("number", counter)
  table.insert(threads, thread)
end

local urls, kinds, cumulative, total
local current_kind, current_path, started

function init(args)
  urls = dofile(args[1])
  kinds, cumulative, total = {}, {}, 0
  for kind, weight in string.gmatch(args[2] or default_mix, "(%w+)=(%d+)") do
    if urls[kind] and #urls[kind] > 0 then
      total = total + tonumber(weight)
      table.insert(kinds, kind)
      table.insert(cumulative, total)
    end
  end
  math.randomseed((number or 1) * 7919 + os.time())
  -- Read back by done() through thread:get(): flat arrays only.
  kind_names, took_ms, kind_of, failures, bad = {}, {}, {}, {}, {}
  for i, kind in ipairs(kinds) do
    kind_names[i] = kind
    failures[i] = 0
  end
end

function request()
  local pick = math.random() * total
  for i, limit in ipairs(cumulative) do
    if pick <= limit then
      current_kind = i
      break
    end
  end
  local list = urls[kinds[current_kind]]
  current_path = list[math.random(#list)]
  started = now_ms()
  return wrk.format("GET", current_path, { ["Accept-Encoding"] = "gzip, deflate, br" })
end

function response(status, headers, body)
  local n = #took_ms + 1
  took_ms[n] = now_ms() - started
  kind_of[n] = current_kind
  if status < 200 or status > 399 then
    failures[current_kind] = failures[current_kind] + 1
    if #bad < 10 then
      bad[#bad + 1] = status .. " " .. current_path
    end
  end
end

local function percentile(sorted, p)
  if #sorted == 0 then return 0 end
  local index = math.max(1, math.ceil(#sorted * p))
  return sorted[index]
end

function done(summary, latency, requests)
  local merged, failed, shown = {}, {}, {}
  for _, thread in ipairs(threads) do
    local names = thread:get("kind_names")
    local took = thread:get("took_ms")
    local of = thread:get("kind_of")
    local f = thread:get("failures")
    for i, kind in ipairs(names) do
      merged[kind] = merged[kind] or {}
      failed[kind] = (failed[kind] or 0) + f[i]
    end
    for n, value in ipairs(took) do
      local list = merged[names[of[n]]]
      list[#list + 1] = value
    end
    for _, line in ipairs(thread:get("bad")) do
      if #shown < 10 then table.insert(shown, line) end
    end
  end
  local seconds = summary.duration / 1e6
  for kind, list in pairs(merged) do
    table.sort(list)
    io.write(string.format("HYKIND %s %d %.1f %.1f %.1f %.1f %.1f %d\n", kind, #list, #list / seconds,
      percentile(list, 0.5), percentile(list, 0.9), percentile(list, 0.99), list[#list] or 0, failed[kind]))
  end
  for _, line in ipairs(shown) do
    io.write("HYBAD " .. line .. "\n")
  end
  io.write(string.format("HYTOTAL %d %.1f %d %d %d %d %d\n", summary.requests, summary.requests / seconds,
    summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
  io.write(string.format("HYLATENCY %.1f %.1f %.1f\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
