"""The floor of the sync phase: the very chunk blobs moved raw over loopback HTTP.

No Django, no JSON, no database on the server: a plain ``http.server`` (HTTP/1.1, keep-alive)
answers ``GET /chunks/<first>/<count>`` with those chunks' bytes, one after the other, from
a file the phase wrote (the blobs of our server's store, in change order). The client
downloads them with one ``requests`` session in batches of the size our client's ``pack/``
requests have, so both make as many requests for chunks::

    python -m bench.sync_raw serve PORT BLOBS INDEX
    python -m bench.sync_raw pull URL BLOBS INDEX [--batch 50] [--store]

``--store`` also writes each batch into a table of the client's database (``BENCH_DB`` and
its location, as for our side), one upsert transaction per batch, as our client imports:
the floor of moving *and* storing the bytes. The time is the download loop's alone;
afterwards (untimed) the bytes received, and those stored, are checked against the file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from time import perf_counter

TABLE = "bench_sync_raw"


def write_files(rows: list[tuple[str, int, bytes]], blobs: Path, index: Path) -> dict:
    """Write ``(meter, chunk_index, blob)`` rows as a blob file and its index (JSON)."""
    entries, offset, digest = [], 0, hashlib.sha256()
    with open(blobs, "wb") as out:
        for meter, chunk_index, blob in rows:
            out.write(blob)
            digest.update(blob)
            entries.append([meter, chunk_index, offset, len(blob)])
            offset += len(blob)
    info = {"chunks": entries, "bytes": offset, "sha256": digest.hexdigest()}
    index.write_text(json.dumps(info))
    return info


# --------------------------------------------------------------------------- server
def _handler(data: bytes, entries: list) -> type[BaseHTTPRequestHandler]:
    class Chunks(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as runserver and requests do

        def do_GET(self) -> None:
            parts = self.path.strip("/").split("/")
            try:
                first, count = int(parts[1]), int(parts[2])
                if parts[0] != "chunks" or first < 0 or count < 0:
                    raise ValueError(self.path)
            except (IndexError, ValueError):
                self.send_error(404)
                return
            wanted = entries[first : first + count]
            body = data[wanted[0][2] : wanted[-1][2] + wanted[-1][3]] if wanted else b""
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # no request log: the floor does nothing more
            pass

    return Chunks


def serve(args) -> None:
    data = Path(args.blobs).read_bytes()
    entries = json.loads(Path(args.index).read_text())["chunks"]
    server = ThreadingHTTPServer(("127.0.0.1", args.port), _handler(data, entries))
    server.daemon_threads = True
    server.serve_forever()


# --------------------------------------------------------------------------- client
def _connect():
    """A connection to the client's database (with its table), its upsert statement, and
    what opens a transaction on it."""
    upsert = (
        f"INSERT INTO {TABLE} (meter, chunk_index, data) VALUES (%s, %s, %s) "
        "ON CONFLICT (meter, chunk_index) DO UPDATE SET data = excluded.data"
    )
    if os.environ.get("BENCH_DB") == "postgres":
        import psycopg

        conn = psycopg.connect(os.environ["BENCH_PG_URL"], autocommit=True)
        transaction = conn.transaction
        create = f"CREATE TABLE IF NOT EXISTS {TABLE} (meter varchar(32), chunk_index integer, "
        create += "data bytea, PRIMARY KEY (meter, chunk_index))"
    else:
        import sqlite3

        conn = sqlite3.connect(os.environ["BENCH_SQLITE_PATH"])

        def transaction():
            return conn  # sqlite3: commits (or rolls back) at the end of the block

        create = f"CREATE TABLE IF NOT EXISTS {TABLE} (meter varchar(32), chunk_index integer, "
        create += "data blob, PRIMARY KEY (meter, chunk_index))"
        upsert = upsert.replace("%s", "?")
    with transaction():
        conn.execute(create)
    return conn, upsert, transaction


def pull(args) -> dict:
    import requests

    info = json.loads(Path(args.index).read_text())
    entries = info["chunks"]
    conn, upsert, transaction = _connect() if args.store else (None, None, None)
    session = requests.Session()
    received, requests_made = [], 0
    started = perf_counter()
    for first in range(0, len(entries), args.batch):
        batch = entries[first : first + args.batch]
        response = session.get(f"{args.url}/chunks/{first}/{len(batch)}")
        response.raise_for_status()
        requests_made += 1
        body = response.content
        received.append(body)
        if conn is not None:
            base = batch[0][2]
            rows = [(m, ci, body[off - base : off - base + size]) for m, ci, off, size in batch]
            with transaction():  # one transaction per batch, as our client's imports
                conn.cursor().executemany(upsert, rows)
    seconds = perf_counter() - started
    _check(received, info, conn)
    return {
        "seconds": seconds,
        "fetched": len(entries),
        "requests": requests_made,
        "wire_bytes": sum(len(b) for b in received),
        "body_bytes": sum(len(b) for b in received),
    }


def _check(received: list[bytes], info: dict, conn) -> None:
    """The bytes received (and stored) are the file's; raises AssertionError otherwise."""
    data = b"".join(received)
    if len(data) != info["bytes"] or hashlib.sha256(data).hexdigest() != info["sha256"]:
        raise AssertionError("raw pull: the bytes received are not the blobs served")
    if conn is None:
        return
    stored = {
        (m, ci): bytes(blob)
        for m, ci, blob in conn.execute(f"SELECT meter, chunk_index, data FROM {TABLE}")
    }
    for meter, ci, offset, size in info["chunks"]:
        if stored.get((meter, ci)) != data[offset : offset + size]:
            raise AssertionError(f"raw pull: chunk {meter} {ci} is not stored as served")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sync_raw")
    commands = parser.add_subparsers(dest="command", required=True)
    cmd = commands.add_parser("serve")
    cmd.add_argument("port", type=int)
    cmd.set_defaults(run=serve)
    cmd = commands.add_parser("pull")
    cmd.add_argument("url")
    cmd.add_argument("--batch", type=int, default=50)
    cmd.add_argument("--store", action="store_true", help="also upsert into the database")
    cmd.set_defaults(run=pull)
    for cmd in commands.choices.values():
        cmd.add_argument("blobs")
        cmd.add_argument("index")
    args = parser.parse_args(argv)
    result = args.run(args)
    if result is not None:
        print(json.dumps({"command": args.command, **result}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
