"""`chalice local` with a listen backlog that matches API Gateway's behaviour under bursts.

Python's socketserver accepts only 5 pending connections; a burst of parallel requests (a browser
opening several, or the race tests) would see connection resets that API Gateway never gives.
Usage is exactly chalice's: python -m infra.chalice_local local --stage local --no-autoreload ...
"""

import logging
import socketserver
import sys

from chalice.cli import main

socketserver.TCPServer.request_queue_size = 128
# One line per request from the portal itself is enough; botocore's credential notices are noise.
logging.getLogger("botocore").setLevel(logging.WARNING)

if __name__ == "__main__":
    sys.exit(main())
