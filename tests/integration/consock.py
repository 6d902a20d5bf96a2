"""A --console-socket receiver for tests with process.terminal: accepts one
connection, receives the pty master (SCM_RIGHTS, the pty name as the
message, as runc sends it) and collects what the container writes to it."""

import os
import socket
import threading


class ConsoleSocket:
    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(1)
        self.sock.settimeout(30)
        self.name = None
        self.master = None
        self.output = b""
        self.error = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            conn, _ = self.sock.accept()
            with conn:
                msg, fds, _, _ = socket.recv_fds(conn, 4096, 1)
                self.name = msg.decode(errors="replace")
                if not fds:
                    raise RuntimeError("no fd received on the console socket")
                self.master = fds[0]
            while True:
                try:
                    data = os.read(self.master, 4096)
                except OSError:  # EIO: every slave fd closed
                    break
                if not data:
                    break
                self.output += data
        except Exception as e:  # reported by wait()
            self.error = e
        finally:
            self.done.set()

    def wait(self, timeout=30):
        """Waits until the container closed its terminal; returns the output
        (CRLF as the pty writes it, normalised to LF)."""
        if not self.done.wait(timeout):
            raise AssertionError("timed out waiting for the container's terminal to close")
        if self.error:
            raise self.error
        return self.output.decode(errors="replace").replace("\r\n", "\n")

    def close(self):
        self.sock.close()
        if self.master is not None:
            try:
                os.close(self.master)
            except OSError:
                pass
            self.master = None
