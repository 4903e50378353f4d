"""A pytest fixture that runs firehose-local for the test session.

It starts the binary on a free port (--listen 127.0.0.1:0), reads the port from
the first line it prints ("firehose-local listening on http://127.0.0.1:PORT"),
yields the endpoint, and stops the server at the end. The binary is
$FIREHOSE_LOCAL_BIN, or firehose-local on PATH.

Copy this file into your tests; point your clients at the endpoint:

    def test_something(firehose_local):
        boto3.client("firehose", endpoint_url=firehose_local, ...)
"""
import os
import re
import shutil
import subprocess
import threading
import urllib.request

import pytest


@pytest.fixture(scope="session")
def firehose_local():
    binary = os.environ.get("FIREHOSE_LOCAL_BIN") or shutil.which("firehose-local")
    if not binary:
        pytest.fail("firehose-local not found: set FIREHOSE_LOCAL_BIN or put it on PATH")
    proc = subprocess.Popen(
        [binary, "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        m = re.search(r"listening on (http://\S+)", line)
        if not m:
            raise RuntimeError(f"firehose-local did not start: first line {line!r}")
        # Keep reading stdout, so that a full pipe never blocks the server.
        threading.Thread(target=proc.stdout.read, daemon=True).start()
        yield m.group(1)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def endpoint(firehose_local):
    """The session's server, cleared after each test (POST /_local/reset)."""
    yield firehose_local
    req = urllib.request.Request(firehose_local + "/_local/reset", method="POST")
    urllib.request.urlopen(req, timeout=30).read()
