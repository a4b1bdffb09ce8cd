"""`achievement-ui`: the Dagster UI (`dagster dev`) with the export folder served beside it.

The portfolio asset's materializations link to the HTML, PDF and executive summary through
the export server (http://127.0.0.1:3001 unless ACHIEVEMENT_EXPORT_BASE_URL says otherwise),
so both run together: stopping this command (Ctrl-C, or SIGTERM) stops both.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from pathlib import Path

from achievement_pipeline.cli.export_server import serve_exports
from achievement_pipeline.cli.preflight import check_services, check_settings, in_one_line
from achievement_pipeline.core import settings


def _export_root() -> Path:
    from achievement_pipeline.resources.storage import ObjectStoreResource

    return ObjectStoreResource(local_dir=settings.text("ACHIEVEMENT_EXPORT_DIR")).local_root()


def main(argv: list[str] | None = None) -> int:
    """Start both servers; a configuration mistake ends in one line on stderr (exit status 2) before either starts."""
    return in_one_line("achievement-ui", lambda: _ui(argv))


def _ui(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="achievement-ui", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--host", default=settings.EXPORT_SERVER_HOST, help="interface for both servers (default: loopback)"
    )
    parser.add_argument("--port", type=int, default=3000, help="Dagster UI port (default: 3000)")
    parser.add_argument(
        "--exports-port", type=int, default=settings.EXPORT_SERVER_PORT, help="export server port (default: 3001)"
    )
    parser.add_argument("--workspace", default="workspace.yaml", help="Dagster workspace file")
    args = parser.parse_args(argv)
    # The runs launched from the UI use these settings and services: a mistake is cheaper to hear now.
    check_settings()
    check_services()

    exports_url = settings.export_server_url(args.host, args.exports_port)
    # Runs launched from this UI link to where the exports are served now (unless a real server is set).
    # The webserver and the daemon create runs (and write their planned events) without loading the code
    # location, so Dagster's switches (settings.DAGSTER_SWITCHES) reach them through the environment.
    env = settings.child_environment({"ACHIEVEMENT_EXPORT_BASE_URL": exports_url, **settings.dagster_switches()})
    root = _export_root()
    try:
        exports = serve_exports(root, args.host, args.exports_port)
    except OSError as exc:
        parser.error(f"cannot serve the exports on {args.host}:{args.exports_port} ({exc}): choose --exports-port")
    print(f"Exports served from {root} at {exports_url}/", flush=True)
    dagster = Path(sys.executable).with_name("dagster")
    command = [str(dagster), "dev", "-w", args.workspace, "-h", args.host, "-p", str(args.port)]
    # Started as a background job, this process inherits SIGINT ignored, and so would dagster dev and
    # its webserver and daemon, which it stops with SIGINT: they would never stop. A Python handler
    # here is reset to the default in the child at exec.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    child = subprocess.Popen(command, env=env)
    # A service manager may signal only this process: pass it on so dagster dev is never orphaned.
    signal.signal(signal.SIGTERM, lambda signum, _frame: child.send_signal(signum))
    try:
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:
                child.send_signal(signal.SIGINT)  # from a terminal it has it already; from kill -INT not
    finally:
        exports.shutdown()


if __name__ == "__main__":
    sys.exit(main())
