"""A moto server (DynamoDB and KMS APIs) on 127.0.0.1, owned by the process that starts it.

Usage: python scripts/moto_server.py [PORT]      (PORT 0 or absent: any free port)

Prints one line, `PORT <n>`, once it listens. It stops when its standard input reaches end of
file (the parent closed the pipe or exited) or when the parent process is gone, so a test run
that crashes never leaves a server behind.
"""

import logging
import os
import sys
import threading
import time

from moto.server import ThreadedMotoServer


def main(argv):
    port = int(argv[0]) if argv else 0
    # One line per request would drown test output.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    parent = os.getppid()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    _, bound = server.get_host_and_port()
    print("PORT {}".format(bound), flush=True)

    stop = threading.Event()

    def watch_stdin():
        sys.stdin.read()
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    while not stop.wait(0.5):
        if os.getppid() != parent:
            break
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
