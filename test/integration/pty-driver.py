#!/usr/bin/env python3
"""Run a command with a new pseudo-terminal as its controlling terminal (the tty tests).

usage: pty-driver.py [--stdout-pipe] ROWS COLS NEW_ROWS NEW_COLS CMD [ARG...]

The terminal starts at ROWS x COLS. When the command prints a line containing
RESIZE-ME, the window becomes NEW_ROWS x NEW_COLS (the kernel sends SIGWINCH to the
terminal's foreground process group, as a terminal emulator does) and a newline is
typed. Everything the command printed goes to stdout; the exit status is the command's.

With --stdout-pipe the command's stdout is a pipe instead (stdin and stderr stay the
terminal, as in `runc run -t ID | cat`): what it wrote to the pipe goes to our stdout,
what appeared on the terminal to our stderr.
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
    argv = sys.argv[1:]
    piped = argv[:1] == ['--stdout-pipe']
    if piped:
        argv = argv[1:]
    rows, cols, new_rows, new_cols = (int(a) for a in argv[:4])
    master, slave = os.openpty()
    set_size(slave, rows, cols)
    child = subprocess.Popen(
        argv[4:], stdin=slave, stdout=subprocess.PIPE if piped else slave, stderr=slave, start_new_session=True,
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0), close_fds=True)
    os.close(slave)
    out = b''
    piped_out = b''
    pipe = child.stdout.fileno() if piped else None
    resized = False
    deadline = time.time() + 30
    while time.time() < deadline:
        ready, _, _ = select.select([master] + ([pipe] if pipe is not None else []), [], [], 0.5)
        if not ready:
            if child.poll() is not None and pipe is None:
                break
            continue
        if pipe is not None and pipe in ready:
            data = os.read(pipe, 4096)
            if data:
                piped_out += data
            else:
                pipe = None
            if master not in ready:
                continue
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: every slave fd is closed
            if pipe is not None:
                continue
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
    if piped:
        sys.stdout.buffer.write(piped_out)
        sys.stderr.buffer.write(out)
    else:
        sys.stdout.buffer.write(out)
    sys.exit(code if code >= 0 else 128 - code)


main()
