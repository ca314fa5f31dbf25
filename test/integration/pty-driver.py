#!/usr/bin/env python3
"""Run a command with a new pseudo-terminal as its controlling terminal (the tty tests).

usage: pty-driver.py ROWS COLS NEW_ROWS NEW_COLS CMD [ARG...]

The terminal starts at ROWS x COLS. When the command prints a line containing
RESIZE-ME, the window becomes NEW_ROWS x NEW_COLS (the kernel sends SIGWINCH to the
terminal's foreground process group, as a terminal emulator does) and a newline is
typed. Everything the command printed goes to stdout; the exit status is the command's.
"""
import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))


def main():
    rows, cols, new_rows, new_cols = (int(a) for a in sys.argv[1:5])
    master, slave = os.openpty()
    set_size(slave, rows, cols)
    child = subprocess.Popen(
        sys.argv[5:], stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0), close_fds=True)
    os.close(slave)
    out = b''
    resized = False
    deadline = time.time() + 30
    while time.time() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            if child.poll() is not None:
                break
            continue
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: every slave fd is closed
            break
        if not data:
            break
        out += data
        if not resized and b'RESIZE-ME' in out:
            resized = True
            time.sleep(0.2)
            set_size(master, new_rows, new_cols)
            time.sleep(0.3)
            os.write(master, b'\n')
    code = child.wait(timeout=10)
    sys.stdout.buffer.write(out)
    sys.exit(code if code >= 0 else 128 - code)


main()
