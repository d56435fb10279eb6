-- DeathStarBench social network, the mix of load_generation/social_network.pbtxt as a wrk2
-- script: read home timeline 60 %, read user timeline 30 %, compose post 10 %.
--   wrk2 -D exp -t 2 -c 10 -d 30s -R 200 -L -s social_network.lua http://nginx-thrift:8080
local socket = require "socket"
math.randomseed(socket.gettime() * 1000)

local alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

local function random_text(length)
  local chars = {}
  for i = 1, length do
    local at = math.random(#alphabet)
    chars[i] = alphabet:sub(at, at)
  end
  return table.concat(chars)
end

local function timeline(kind)
  return wrk.format("GET", string.format("/wrk2-api/%s/read?user_id=%d&start=%d&stop=200",
                                         kind, math.random(0, 961), math.random(0, 100)))
end

local function compose()
  local user = math.random(0, 961)
  local body = string.format(
    "username=username_%d&user_id=%d&text=%s&media_ids=%%5B%%5D&media_types=%%5B%%5D&post_type=0",
    user, user, random_text(64))
  return wrk.format("POST", "/wrk2-api/post/compose",
                    { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

request = function()
  local draw = math.random(100)
  if draw <= 60 then return timeline("home-timeline") end
  if draw <= 90 then return timeline("user-timeline") end
  return compose()
end
