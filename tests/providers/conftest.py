"""The loopback server every provider test sends its real SDK requests to."""

import threading
from http.server import ThreadingHTTPServer

import pytest

from tests.providers.loopback import Handler


@pytest.fixture(scope="session")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
