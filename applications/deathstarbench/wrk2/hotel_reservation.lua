-- DeathStarBench hotel reservation, the mix of load_generation/hotel_reservation.pbtxt as a wrk2
-- script: search 60 %, recommend 39 %, login 0.5 %, reserve 0.5 %.
--   wrk2 -D exp -t 2 -c 10 -d 30s -R 200 -L -s hotel_reservation.lua http://frontend:5000
local socket = require "socket"
math.randomseed(socket.gettime() * 1000)

local latitudes = { "37.7835", "37.8910", "38.0235", "38.1120", "38.2640" }
local longitudes = { "-122.252", "-122.180", "-122.095", "-122.010", "-121.927" }
local requirements = { "dis", "rate", "price" }

local function pick(values) return values[math.random(#values)] end

local function dates()
  return string.format("inDate=2015-04-%02d&outDate=2015-04-%02d",
                       math.random(9, 23), math.random(24, 28))
end

local function where() return "lat=" .. pick(latitudes) .. "&lon=" .. pick(longitudes) end

local function credentials()
  local user = math.random(0, 500)
  return user, string.format("username=Cornell_%d&password=%s", user, string.rep(user, 3))
end

local function search()
  return wrk.format("GET", "/hotels?" .. dates() .. "&" .. where())
end

local function recommend()
  return wrk.format("GET", "/recommendations?require=" .. pick(requirements) .. "&" .. where())
end

local function login()
  local _, login_query = credentials()
  return wrk.format("POST", "/user?" .. login_query)
end

local function reserve()
  local user, login_query = credentials()
  return wrk.format("POST", string.format(
    "/reservation?%s&%s&hotelId=%d&customerName=Cornell_%d&%s&number=1",
    dates(), where(), math.random(1, 80), user, login_query))
end

-- Weights 1200 : 780 : 10 : 10 of 2000.
request = function()
  local draw = math.random(2000)
  if draw <= 1200 then return search() end
  if draw <= 1980 then return recommend() end
  if draw <= 1990 then return login() end
  return reserve()
end
