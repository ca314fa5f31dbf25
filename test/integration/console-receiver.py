#!/usr/bin/env python3
"""A --console-socket (or --pidfd-socket) receiver, as conmon and containerd-shim are.

usage: console-receiver.py SOCKET [INPUT]

Listens on the unix socket SOCKET (prints "listening" when it does), accepts one
connection, receives one fd with SCM_RIGHTS and prints "name=<data sent with it>" and
"isatty=<bool>". A pidfd: prints "pid=<its process>", and with INPUT "kill" sends it
SIGKILL through the pidfd a second later. A pty master: types INPUT into it and copies everything the
container writes to stdout until the pty closes (EIO).
"""
import os
import select
import socket
import sys
import time

path = sys.argv[1]
text = sys.argv[2] if len(sys.argv) > 2 else ''
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
print('listening', flush=True)
conn, _ = srv.accept()
data, fds, _, _ = socket.recv_fds(conn, 4096, 4)
conn.close()
srv.close()
if len(fds) != 1:
    print(f'expected one fd, got {len(fds)}', flush=True)
    sys.exit(2)
master = fds[0]
print(f'name={data.decode()}', flush=True)
print(f'isatty={os.isatty(master)}', flush=True)
with open(f'/proc/self/fdinfo/{master}') as info:
    pid = [line.split()[1] for line in info if line.startswith('Pid:')]
if pid:
    print(f'pid={pid[0]}', flush=True)
    if text == 'kill':
        import signal
        time.sleep(1)  # the runtime finishes its start first
        signal.pidfd_send_signal(master, signal.SIGKILL)
        print('killed', flush=True)
    sys.exit(0)
if text:
    os.write(master, text.encode())
deadline = time.time() + 20
while time.time() < deadline:
    ready, _, _ = select.select([master], [], [], 0.5)
    if not ready:
        continue
    try:
        chunk = os.read(master, 4096)
    except OSError:
        break
    if not chunk:
        break
    sys.stdout.buffer.write(chunk)
    sys.stdout.flush()
