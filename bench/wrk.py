"""wrk for the recording benchmark: the program, its Lua scripts (one per command) and its
results."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from uuid import uuid4

WRK_TIMEOUT = "10s"
KINDS = ("health", "decision", "handover")


def wrk_program() -> str:
    """wrk's path; installed with apt-get when missing and running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise RuntimeError(
            "the recording benchmark needs wrk (the Debian package `wrk`): "
            "run `apt-get install -y wrk` as root, then run it again"
        )
    print("wrk is not installed: installing it with `apt-get install -y wrk` ...", flush=True)
    install = ["apt-get", "install", "-y", "wrk"]
    if subprocess.run(install, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], check=False)
        subprocess.run(install, check=True)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("apt-get installed wrk, but it is not on PATH")
    return found


# Every script: count responses by status (keeping the first body of each non-2xx status),
# and report from done() as one JSON line, with latencies in microseconds.
LUA_COMMON = r"""
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

statuses = {}
bodies = {}
extra = {}

function count(status, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if (status < 200 or status > 299) and bodies[key] == nil then
    bodies[key] = string.sub(body or "", 1, 600)
  end
end

local function quote(s)
  return '"' .. string.gsub(s, '[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end) .. '"'
end

local function object(t)
  local parts = {}
  for k, v in pairs(t) do
    local value = type(v) == "number" and string.format("%d", v) or quote(tostring(v))
    table.insert(parts, quote(tostring(k)) .. ":" .. value)
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local counts, samples, sums = {}, {}, {}
  for _, thread in ipairs(threads) do
    for k, v in pairs(thread:get("statuses") or {}) do counts[k] = (counts[k] or 0) + v end
    for k, v in pairs(thread:get("bodies") or {}) do samples[k] = samples[k] or v end
    for k, v in pairs(thread:get("extra") or {}) do sums[k] = (sums[k] or 0) + v end
  end
  local e = summary.errors
  io.write("WRK_RESULT {",
    '"requests":', string.format("%d", summary.requests),
    ',"duration_us":', string.format("%d", summary.duration),
    ',"p50_us":', string.format("%d", latency:percentile(50)),
    ',"p90_us":', string.format("%d", latency:percentile(90)),
    ',"p99_us":', string.format("%d", latency:percentile(99)),
    ',"mean_us":', string.format("%.1f", latency.mean),
    ',"max_us":', string.format("%d", latency.max),
    ',"socket_errors":', object({connect = e.connect, read = e.read, write = e.write,
                                 timeout = e.timeout}),
    ',"statuses":', object(counts),
    ',"bodies":', object(samples),
    ',"extra":', object(sums),
    "}\n")
end
"""

LUA_RESPONSE = r"""
function response(status, headers, body)
  count(status, body)
end
"""


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string of ASCII is a valid Lua string literal


def lua_list(values: Sequence[str]) -> str:
    return "{" + ", ".join(lua_string(v) for v in values) + "}"


def decision_script(key: str, participants: Sequence[str]) -> str:
    body = json.dumps(
        {
            "title": "Open access to the community hub",
            "decision": "The hub takes self-referrals from the first of next month.",
            "rationale": "Referrals through the GP practice delay people by weeks.",
            "agreement": {"method": "consent", "participants": list(participants)},
        },
        separators=(",", ":"),
    )
    return (
        LUA_COMMON
        + LUA_RESPONSE
        + f"""
wrk.method = "POST"
wrk.headers["Authorization"] = {lua_string("Bearer " + key)}
wrk.headers["Content-Type"] = "application/json"
wrk.body = {lua_string(body)}
"""
    )


def handover_script(
    pools: Sequence[Sequence[str]], holder: str, other: str, keys: dict[str, str]
) -> str:
    """Offers and acceptances: every accountability in `pools` (one list per wrk thread)
    starts held by `holder`; a response names the accountability, its holder and its open
    handover, which is all the next step needs."""
    threads = "{" + ", ".join(lua_list(pool) for pool in pools) + "}"
    return (
        LUA_COMMON
        + f"""
local pools = {threads}
local auth = {{[{lua_string(holder)}] = {lua_string("Bearer " + keys[holder])},
               [{lua_string(other)}] = {lua_string("Bearer " + keys[other])}}}
local other = {{[{lua_string(holder)}] = {lua_string(other)},
                [{lua_string(other)}] = {lua_string(holder)}}}
local first_holder = {lua_string(holder)}
"""
        + r"""
local queue, head, last = {}, 1, 0

local function push(req)
  last = last + 1
  queue[last] = req
end

local function offer(id, holder)
  return wrk.format("POST", "/accountabilities/" .. id .. "/handovers",
    {["Authorization"] = auth[holder], ["Content-Type"] = "application/json"},
    '{"to":{"kind":"person","id":"' .. other[holder] .. '"}}')
end

local function accept(id, handover, recipient)
  return wrk.format("POST",
    "/accountabilities/" .. id .. "/handovers/" .. handover .. "/accept",
    {["Authorization"] = auth[recipient], ["Content-Type"] = "application/json"}, "{}")
end

function init(args)
  extra = {offers = 0, accepts = 0, starved = 0, unparsed = 0}
  for _, id in ipairs(pools[tid + 1]) do
    push(offer(id, first_holder))
  end
end

function request()
  if head > last then
    -- Every accountability of this thread is in flight, or lost to an error response.
    extra.starved = extra.starved + 1
    return offer(pools[tid + 1][1], first_holder)
  end
  local req = queue[head]
  queue[head] = nil
  head = head + 1
  return req
end

function response(status, headers, body)
  count(status, body)
  if status < 200 or status > 299 then
    return
  end
  local id = string.match(body, '"id"%s*:%s*"([^"]+)"')
  local holder = string.match(body, '"holder"%s*:%s*{%s*"kind"%s*:%s*"person"%s*,%s*"id"%s*:%s*"([^"]+)"')
  local open = string.match(body, '"open_handover_id"%s*:%s*"([^"]+)"')
  if id == nil or holder == nil or other[holder] == nil then
    extra.unparsed = extra.unparsed + 1
    return
  end
  if open then
    extra.offers = extra.offers + 1
    push(accept(id, open, other[holder]))
  else
    extra.accepts = extra.accepts + 1
    push(offer(id, holder))
  end
end
"""
    )


def health_script() -> str:
    return LUA_COMMON + LUA_RESPONSE


def run_wrk(
    wrk: str, url: str, script: str, connections: int, seconds: int, directory: Path
) -> dict[str, Any]:
    """One wrk run; requests/s, latencies in ms, responses by status, errors."""
    path = directory / f"script-{uuid4().hex[:8]}.lua"
    path.write_text(script)
    threads = min(connections, 2)
    command = [
        wrk,
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        WRK_TIMEOUT,
        "-s",
        str(path),
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    path.unlink()
    lines = [line for line in done.stdout.splitlines() if line.startswith("WRK_RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    raw = json.loads(lines[-1].removeprefix("WRK_RESULT "))
    statuses = {int(k): int(v) for k, v in raw["statuses"].items()}
    non_2xx = sum(n for status, n in statuses.items() if not 200 <= status < 300)
    socket_errors = {k: int(v) for k, v in raw["socket_errors"].items() if int(v)}
    seconds_measured = raw["duration_us"] / 1e6
    result: dict[str, Any] = {
        "connections": connections,
        "threads": threads,
        "requests": raw["requests"],
        "seconds": seconds_measured,
        "rate": raw["requests"] / seconds_measured if seconds_measured else 0.0,
        "p50": raw["p50_us"] / 1000,
        "p90": raw["p90_us"] / 1000,
        "p99": raw["p99_us"] / 1000,
        "mean": raw["mean_us"] / 1000,
        "max": raw["max_us"] / 1000,
        "statuses": statuses,
        "non_2xx": non_2xx,
        "socket_errors": socket_errors,
        "errors": non_2xx + sum(socket_errors.values()),
    }
    if raw["bodies"]:
        result["error_bodies"] = {int(k): v for k, v in raw["bodies"].items()}
    if raw["extra"]:
        result["mix"] = {k: int(v) for k, v in raw["extra"].items()}
    return result
