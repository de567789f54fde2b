-- book.lua: wrk script posting distinct future 30-minute bookings, each
-- thread on its own resource (ids given by RES_BASE), so no two collide.
local threads = {}
local counter = 1
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  n = 0
  base = tonumber(os.getenv("START_EPOCH"))
  res = tonumber(os.getenv("RES_BASE")) + tid
  token = os.getenv("TOKEN")
end
local function iso(t)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", t)
end
function request()
  n = n + 1
  local s = base + n * 1800
  local body = string.format('{"resource_id":%d,"start":"%s","end":"%s","title":"bench"}', res, iso(s), iso(s + 1800))
  return wrk.format("POST", "/api/v1/reservations", { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end
