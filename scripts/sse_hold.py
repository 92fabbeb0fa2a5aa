#!/usr/bin/env python3
"""Holds N Server-Sent Event streams open against a movie-booking server, for scripts/bench
--streams: stream i watches /screenings/<ids[i % len(ids)]>/seats/stream. Prints "open N" once
every stream answered 200, then reads (and drops) whatever the server sends until killed;
exits 1 when a stream is refused or the server closes one before that.

    sse_hold.py --base http://127.0.0.1:PORT --count N --ids FILE
"""
import argparse
import asyncio
import sys
import urllib.parse


async def hold(host, port, path, opened, failed):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                 "Accept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    status = await reader.readline()
    if b" 200 " not in status:
        failed.append(status.decode(errors="replace").strip())
        opened.release()
        return
    opened.release()
    while await reader.read(65536):
        pass


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--base", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--ids", required=True, help="file of screening ids, one a line")
    a = p.parse_args()
    url = urllib.parse.urlsplit(a.base)
    with open(a.ids, encoding="utf-8") as f:
        ids = [line.strip() for line in f if line.strip()]
    opened = asyncio.Semaphore(0)
    failed = []
    tasks = [asyncio.create_task(hold(url.hostname, url.port,
                                      f"/screenings/{ids[i % len(ids)]}/seats/stream",
                                      opened, failed))
             for i in range(a.count)]
    for _ in range(a.count):
        await asyncio.wait_for(opened.acquire(), 60)
    if failed:
        print(f"refused: {failed[0]} ({len(failed)} of {a.count})", flush=True)
        sys.exit(1)
    print(f"open {a.count}", flush=True)
    await asyncio.gather(*tasks)
    print("a stream ended", flush=True)
    sys.exit(1)


if __name__ == "__main__":
    asyncio.run(main())
