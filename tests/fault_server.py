"""A loopback HTTP server that misbehaves in one chosen way, for the fault tests.

    with FaultServer("hang") as server:
        ... send requests to server.url ...

Or by hand: python3 tests/fault_server.py MODE (prints "listening on PORT", serves until killed).
Every connection gets its own thread, which reads each request's head and answers as the mode
says; leaving the with-block closes every socket and joins every thread.
"""
import socket
import struct
import sys
import threading
import time

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def _chunks_forever(conn, stop):
    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"4000\r\n" + b"x" * 0x4000 + b"\r\n"
    while not stop.is_set():
        conn.sendall(chunk)


def _huge_body(conn, stop):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10737418240\r\n\r\n")
    block = b"x" * 65536
    while not stop.is_set():
        conn.sendall(block)


def _slow_body(conn, stop):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
    for _ in range(100):
        if stop.wait(0.2):
            return
        conn.sendall(b"x")


def _late_body(status):
    def answer(conn, stop):
        # The head alone, then a body the status forbids, in a segment of its own.
        conn.sendall(f"HTTP/1.1 {status}\r\n\r\n".encode())
        time.sleep(0.005)
        conn.sendall(b"oops")
    return answer


def _reset(conn, stop):
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    return "close"


def _close_after(response):
    def answer(conn, stop):
        conn.sendall(response)
        return "close"
    return answer


# What each mode does once it has read a request's head. An answer returns "close" to end the
# connection; otherwise the connection is kept for the next request.
MODES = {
    "reset": _reset,
    "hang": lambda conn, stop: stop.wait() and "close",
    "garbage": lambda conn, stop: conn.sendall(b"SMTP ready\r\n\r\n"),
    "huge_body": _huge_body,
    "endless_chunked": _chunks_forever,
    "slow_body": _slow_body,
    "bad_status_line": lambda conn, stop: conn.sendall(b"HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n"),
    "huge_headers": lambda conn, stop: conn.sendall(
        b"HTTP/1.1 200 OK\r\nX-Big: " + b"h" * (200 << 10) + b"\r\nContent-Length: 2\r\n\r\nok"),
    "close_after_each": _close_after(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"),
    "http_1_0": _close_after(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"),
    "body_on_204": _late_body("204 No Content"),
    "body_on_304": _late_body("304 Not Modified"),
    # Nothing listens: the port is taken and given back before the run.
    "refuse": None,
}


class FaultServer:
    def __init__(self, mode):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; modes: {', '.join(MODES)}")
        self.mode = mode
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.connections = 0
        self.requests = 0
        self.threads = []
        self.sockets = []

    def __enter__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        if MODES[self.mode] is None:
            self.listener.close()
            return self
        self.listener.listen(128)
        self._start(self._accept)
        return self

    def __exit__(self, *exc):
        self.stop.set()
        if MODES[self.mode] is None:
            return
        # Closing a socket does not wake a thread blocked in accept() or recv(): shut down first.
        for sock in [self.listener] + self._connections():
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        for thread in self.threads:
            thread.join(timeout=10)

    def _connections(self):
        with self.lock:
            return list(self.sockets)

    def _start(self, target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True)
        with self.lock:
            self.threads.append(thread)
        thread.start()

    def _accept(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
                self.sockets.append(conn)
            self._start(self._serve, conn)

    def _serve(self, conn):
        answer = MODES[self.mode]
        pending = b""
        try:
            while not self.stop.is_set():
                while b"\r\n\r\n" not in pending:
                    data = conn.recv(65536)
                    if not data:
                        return
                    pending += data
                pending = pending.split(b"\r\n\r\n", 1)[1]  # requests here carry no body
                with self.lock:
                    self.requests += 1
                if answer(conn, self.stop) == "close":
                    return
        except OSError:
            pass  # the client went away, or the server is ending
        finally:
            conn.close()


def main():
    with FaultServer(sys.argv[1]) as server:
        print(f"listening on {server.url.rsplit(':', 1)[1]}", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
