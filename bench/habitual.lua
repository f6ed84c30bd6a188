-- wrk script for bench/load.py: rotates through the users (tokens) and habits of users.csv.
--
--   wrk -t2 -c64 -d10s --latency -s bench/habitual.lua http://127.0.0.1:8000 \
--       -- /tmp/.../users.csv today [nonce] [threads]
--
-- Endpoints: checkin (PUT /habits/{id}/checkins/today, a yes/no habit), today (GET /today),
-- habits (GET /habits, first page), stats (GET /habits/{id}/stats of the two-year habit),
-- checkins (GET /habits/{id}/checkins?from=, the last 30 days of the two-year habit),
-- entries (POST /habits/{id}/entries {"value": 100} with a new Idempotency-Key each time).
-- Each wrk thread starts at its own place in the user list.

local thread_count = 0

function setup(thread)
  thread:set("thread_id", thread_count)
  thread_count = thread_count + 1
end

local users = {}
local endpoint = "today"
local nonce = "0"
local counter = 0
local prefix = "/api/v1"

local function split(text)
  local items = {}
  for item in text:gmatch("%d+") do
    items[#items + 1] = item
  end
  return items
end

function init(args)
  local path = args[1]
  endpoint = args[2] or endpoint
  nonce = (args[3] or nonce) .. "-" .. tostring(thread_id or 0)
  local file = assert(io.open(path, "r"))
  file:read("*l") -- the header
  for raw in file:lines() do
    local line = raw:gsub("\r$", "")
    local _, token, _, boolean, measurable, stats =
      line:match("^([^,]*),([^,]*),([^,]*),([^,]*),([^,]*),([^,]*)$")
    if token then
      users[#users + 1] = {
        headers = { ["Authorization"] = "Bearer " .. token },
        json = {
          ["Authorization"] = "Bearer " .. token,
          ["Content-Type"] = "application/json",
        },
        boolean = split(boolean),
        measurable = measurable,
        stats = stats,
      }
    end
  end
  file:close()
  local threads = tonumber(args[4] or "1")
  counter = math.floor(#users * (thread_id or 0) / threads)
end

function request()
  counter = counter + 1
  local user = users[counter % #users + 1]
  if endpoint == "checkin" then
    local ids = user.boolean
    local id = ids[math.floor(counter / #users) % #ids + 1]
    return wrk.format("PUT", prefix .. "/habits/" .. id .. "/checkins/today", user.json,
      '{"status":"done"}')
  elseif endpoint == "entries" then
    user.json["Idempotency-Key"] = nonce .. "-" .. counter
    local req = wrk.format("POST", prefix .. "/habits/" .. user.measurable .. "/entries",
      user.json, '{"value":100}')
    user.json["Idempotency-Key"] = nil
    return req
  elseif endpoint == "habits" then
    return wrk.format("GET", prefix .. "/habits", user.headers)
  elseif endpoint == "checkins" then
    local from = os.date("!%Y-%m-%d", os.time() - 29 * 86400)
    return wrk.format("GET", prefix .. "/habits/" .. user.stats .. "/checkins?from=" .. from,
      user.headers)
  elseif endpoint == "stats" then
    return wrk.format("GET", prefix .. "/habits/" .. user.stats .. "/stats", user.headers)
  else
    return wrk.format("GET", prefix .. "/today", user.headers)
  end
end
