"""`achievement-launch-tagger`: between the login proxy and dagster-webserver, it records who launches each run.

In the Kubernetes deployment it runs in each webserver pod, beside dagster-webserver, and the login
proxies send every request to it (deploy/helm/values.yaml, deploy/k8s/auth.yaml); what it does is in
``achievement_pipeline/access/proxy.py``. It listens on loopback unless told otherwise and needs no
setting beyond its command line: no credential passes through it but the session cookie it forwards.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from urllib.parse import urlsplit

import uvicorn

from achievement_pipeline.access.proxy import USER_HEADER, build_app

DEFAULT_PORT = 3080
DEFAULT_UPSTREAM = "http://127.0.0.1:3000"  # dagster-webserver's own default address


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="achievement-launch-tagger", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"listen port (default {DEFAULT_PORT})")
    parser.add_argument(
        "--address",
        default="127.0.0.1",
        help="listen address (default 127.0.0.1, loopback; 0.0.0.0 where the login proxy runs in another pod)",
    )
    parser.add_argument(
        "--upstream",
        default=DEFAULT_UPSTREAM,
        help=f"dagster-webserver's address, http://HOST:PORT (default {DEFAULT_UPSTREAM})",
    )
    parser.add_argument(
        "--user-header",
        default=USER_HEADER,
        help=f"the header the login proxy puts the signed-in GitHub login in (default {USER_HEADER})",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until stopped (SIGTERM or Ctrl-C); a malformed --upstream ends in one line on stderr (status 2)."""
    args = _parser().parse_args(argv)
    upstream = urlsplit(args.upstream)
    if upstream.scheme not in ("http", "https") or not upstream.hostname or upstream.path not in ("", "/"):
        print(
            f"achievement-launch-tagger: --upstream {args.upstream!r} is not http://HOST:PORT "
            "(dagster-webserver's address, without a path)",
            file=sys.stderr,
        )
        return 2
    uvicorn.run(
        build_app(args.upstream, args.user_header),
        host=args.address,
        port=args.port,
        log_level="warning",
        proxy_headers=False,  # X-Forwarded-* headers are passed on to the webserver, not believed here
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
