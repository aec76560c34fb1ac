"""Test-only wrapper of wsgi:app: says which worker answered, and can hold requests until every worker has one.

Each response carries X-Worker-Pid. A request with the header X-Test-Rendezvous first
connects to the test's rendezvous socket (port in TEST_RENDEZVOUS_PORT), sends its worker's
pid and waits for the test's go: a sync worker holds one request at a time, so when the test
has seen N of them, N different workers hold one each. No timing is involved.
"""

import os
import socket

from wsgi import app as site


def app(environ, start_response):
    if environ.get("HTTP_X_TEST_RENDEZVOUS"):
        with socket.create_connection(("127.0.0.1", int(os.environ["TEST_RENDEZVOUS_PORT"]))) as rendezvous:
            rendezvous.sendall(f"{os.getpid()}\n".encode())
            rendezvous.recv(1)  # the go

    def start(status, headers, exc_info=None):
        return start_response(status, [*headers, ("X-Worker-Pid", str(os.getpid()))], exc_info)

    return site(environ, start)
