#!/usr/bin/env python3
"""A DNS proxy on loopback that holds every answer back for DELAY seconds:
a far-away server, simulated.  Each query is relayed on its own (UDP
datagrams and TCP messages alike), so answers to concurrent queries are
delayed concurrently, never queued behind each other.  It listens on
127.0.0.1 only, relays to a loopback server only, and exits by itself after
LIFETIME seconds.

For every answer it appends "ARRIVED_MS ANSWERED_MS PROTO QNAME" to the log
(milliseconds since the proxy started), which bench/summary.py reads.

usage: delay-proxy.py --upstream 127.0.0.1@PORT --port-file FILE --log FILE
                      [--delay 0.2] [--lifetime 60]
"""
import argparse
import asyncio
import ipaddress
import os
import socket
import struct
import sys
import time

START = time.monotonic()


def ms():
    return int((time.monotonic() - START) * 1000)


def qname(msg):
    """The question's name, for the log only."""
    labels, off = [], 12
    try:
        while msg[off]:
            n = msg[off]
            labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
            off += 1 + n
    except IndexError:
        return "?"
    return ".".join(labels) or "."


class Proxy:
    def __init__(self, upstream, delay, log):
        self.upstream, self.delay, self.log = upstream, delay, log

    def note(self, arrived, proto, msg):
        self.log.write(f"{arrived} {ms()} {proto} {qname(msg)}\n")
        self.log.flush()

    async def ask_udp(self, msg):
        loop = asyncio.get_running_loop()
        answer = loop.create_future()

        class Once(asyncio.DatagramProtocol):
            def datagram_received(self, data, addr):
                if not answer.done():
                    answer.set_result(data)

        transport, _ = await loop.create_datagram_endpoint(Once, remote_addr=self.upstream)
        try:
            transport.sendto(msg)
            return await asyncio.wait_for(answer, 5)
        finally:
            transport.close()

    async def ask_tcp(self, msg):
        reader, writer = await asyncio.open_connection(*self.upstream)
        try:
            writer.write(struct.pack("!H", len(msg)) + msg)
            await writer.drain()
            size = struct.unpack("!H", await reader.readexactly(2))[0]
            return await reader.readexactly(size)
        finally:
            writer.close()

    async def relay_udp(self, transport, msg, client):
        arrived = ms()
        try:
            reply = await self.ask_udp(msg)
        except (OSError, asyncio.TimeoutError):
            return  # a lost query: the client retries or times out, as over the network
        await asyncio.sleep(self.delay)
        self.note(arrived, "udp", msg)  # logged before it leaves: the log is complete
        transport.sendto(reply, client)  # once the client has every answer

    async def serve_tcp(self, reader, writer):
        lock = asyncio.Lock()
        tasks = set()

        async def one(msg, arrived):
            reply = await self.ask_tcp(msg)
            await asyncio.sleep(self.delay)
            self.note(arrived, "tcp", msg)
            async with lock:
                writer.write(struct.pack("!H", len(reply)) + reply)
                await writer.drain()

        try:
            while True:
                size = struct.unpack("!H", await reader.readexactly(2))[0]
                task = asyncio.ensure_future(one(await reader.readexactly(size), ms()))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        except (asyncio.IncompleteReadError, OSError):
            pass
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        writer.close()


def bind_pair():
    """A UDP and a TCP socket on the same free port of 127.0.0.1."""
    for _ in range(20):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            tcp.bind(("127.0.0.1", udp.getsockname()[1]))
            return udp, tcp
        except OSError:
            udp.close()
            tcp.close()
    raise OSError("no free port for both UDP and TCP")


def loopback_upstream(text):
    addr, _, port = text.partition("@")
    if not ipaddress.ip_address(addr).is_loopback:
        raise SystemExit(f"delay-proxy: upstream must be on loopback, have {addr}")
    return addr, int(port or 53)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True, type=loopback_upstream)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--delay", type=float, default=0.2)
    ap.add_argument("--lifetime", type=float, default=60)
    a = ap.parse_args()
    log = open(a.log, "a")
    proxy = Proxy(a.upstream, a.delay, log)
    udp, tcp = bind_pair()
    loop = asyncio.get_running_loop()

    class Front(asyncio.DatagramProtocol):
        def connection_made(self, transport):
            self.transport = transport

        def datagram_received(self, data, client):
            asyncio.ensure_future(proxy.relay_udp(self.transport, data, client))

    await loop.create_datagram_endpoint(Front, sock=udp)
    tcp.listen(64)
    server = await asyncio.start_server(proxy.serve_tcp, sock=tcp)
    # Written last and renamed into place: once the file exists, both
    # sockets answer.
    with open(a.port_file + ".tmp", "w") as f:
        f.write(f"{udp.getsockname()[1]}\n")
    os.rename(a.port_file + ".tmp", a.port_file)
    await asyncio.sleep(a.lifetime)
    server.close()
    print(f"delay-proxy: lifetime of {a.lifetime:g}s over, exiting", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
