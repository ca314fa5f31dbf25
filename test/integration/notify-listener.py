#!/usr/bin/env python3
"""notify-listener.py ADDR: play systemd's side of NOTIFY_SOCKET. Binds a unix datagram
socket at ADDR (a path, or "@name" for an abstract socket), prints "listening", then one
JSON line per datagram: {"t": unix time in ms, "data": text, "pid": sender pid}."""
import json, socket, struct, sys, time

addr = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
print("listening", flush=True)
while True:
    data, anc, _flags, _addr = s.recvmsg(65536, socket.CMSG_SPACE(12))
    pid = 0
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", payload[:12])[0]
    print(json.dumps({"t": time.time() * 1000, "data": data.decode(), "pid": pid}), flush=True)
