#!/usr/bin/python3
"""Open-loop HTTP load at a fixed rate over N keep-alive connections.

    bench/open_loop.py URL --rate 2000 --connections 64 --seconds 10 \
        [--header 'X-API-Key: ...'] [--body JSON]

wrk is closed-loop: every connection sends its next request as soon as the
last answer arrives, so it always drives a server to saturation and its
latencies are mostly queueing. This client sends POSTs on a fixed schedule
(connection i sends at t0 + (k*N + i)/rate), so the server sees a steady
load below saturation; a connection that falls behind sends at once and the
slip is counted. Prints one JSON line: sent, ok, errors, late, achieved rate,
client-side p50/p99 in ms. Standard library only."""

import argparse
import asyncio
import json
import time
import urllib.parse


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--rate", type=float, default=2000)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--header", action="append", default=[])
    p.add_argument("--body", default="{}")
    return p.parse_args()


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)
    return status


async def worker(i, args, request, t0, stats):
    url = urllib.parse.urlsplit(args.url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    k = 0
    loop = asyncio.get_running_loop()
    while True:
        due = t0 + (k * args.connections + i) / args.rate
        if due >= t0 + args.seconds:
            break
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.001:
            stats["late"] += 1
        start = time.perf_counter()
        writer.write(request)
        status = await read_response(reader)
        stats["latencies"].append((time.perf_counter() - start) * 1000)
        stats["ok" if status < 300 else "errors"] += 1
        k += 1
    writer.close()


async def main():
    args = parse_args()
    url = urllib.parse.urlsplit(args.url)
    body = args.body.encode()
    headers = [f"POST {url.path or '/'} HTTP/1.1", f"Host: {url.netloc}", "Content-Type: application/json",
               f"Content-Length: {len(body)}"] + args.header
    request = ("\r\n".join(headers) + "\r\n\r\n").encode() + body
    stats = {"ok": 0, "errors": 0, "late": 0, "latencies": []}
    loop = asyncio.get_running_loop()
    t0 = loop.time() + 0.2
    begin = time.perf_counter()
    await asyncio.gather(*(worker(i, args, request, t0, stats) for i in range(args.connections)))
    elapsed = time.perf_counter() - begin - 0.2
    lat = sorted(stats["latencies"])
    pick = lambda q: round(lat[min(len(lat) - 1, int(q * len(lat)))], 3) if lat else None
    print(json.dumps({"sent": len(lat), "ok": stats["ok"], "errors": stats["errors"], "late": stats["late"],
                      "rate": round(len(lat) / elapsed, 1), "p50_ms": pick(0.5), "p99_ms": pick(0.99)}))


if __name__ == "__main__":
    asyncio.run(main())
