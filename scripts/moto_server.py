"""A moto server (DynamoDB and KMS APIs) on 127.0.0.1, owned by the process that starts it.

Usage: python scripts/moto_server.py [PORT]      (PORT 0 or absent: any free port)

Prints one line, `PORT <n>`, once it listens. It stops when its standard input reaches end of
file (the parent closed the pipe or exited) or when the parent process is gone, so a test run
that crashes never leaves a server behind.

Requests are handled one at a time. DynamoDB applies each write, its condition included,
atomically; moto's backends take no lock, so two conditional writes served at once can both
pass their condition, and a test of lost updates would fail for the server's sake (seen here:
one of 1,600 concurrent read-modify-writes lost). Connections are still accepted concurrently.
"""

import logging
import os
import sys
import threading
import time

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server


class OneAtATime:
    """A WSGI application that runs another's requests one at a time, response bodies included."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            return list(self.app(environ, start_response))


def main(argv):
    port = int(argv[0]) if argv else 0
    # One line per request would drown test output.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    parent = os.getppid()
    app = OneAtATime(DomainDispatcherApplication(create_backend_app))
    server = make_server(
        "127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("PORT {}".format(server.server_address[1]), flush=True)

    stop = threading.Event()

    def watch_stdin():
        sys.stdin.read()
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    while not stop.wait(0.5):
        if os.getppid() != parent:
            break
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
