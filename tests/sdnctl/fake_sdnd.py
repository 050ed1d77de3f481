#!/usr/bin/env python3
"""A stand-in for sdnd's control API, for testing sdnctl without a daemon or privileges.

Usage: fake_sdnd.py SOCKET DIR

Serves HTTP/1.1 on the unix socket SOCKET as the daemon does, with canned answers taken from
DIR, read at each request so a test changes them between commands:

  DIR/status.json   the answer to GET /v1/status (default: two objects in sync)
  DIR/plan.json     the plan of GET /v1/plan and of every PUT /v1/config (default: empty)
  DIR/mode          one word changing the behaviour:
                      deny      403 to every request
                      bump      the generation moves on after each GET /v1/config, as if another
                                operator applied in between (the PUT that follows gets 412)
                      noconfig  404 to GET /v1/config (no running document)
                      noetag    GET /v1/config without an ETag header
                      error500  500 {"error": "internal error"} to every request
                      html      502 with a text/html body to every request
                      garbage   200 with a body that is not JSON to every request
                      close     close the connection without answering
                      hang      answer after 40 s

PUT /v1/config answers 415 to a content type other than application/yaml, application/json or
text/plain, 413 to a body over 1 MiB (without reading it, as libmicrohttpd does), 400 with
"errors" to a document containing the word "invalid", 412 to a stale If-Match; otherwise the
plan, and without ?dry_run=1 a new generation whose document GET /v1/config then returns.

Every request is appended to DIR/requests.log as one JSON line (method, path, content_type,
if_match, body).
"""
import http.server
import json
import os
import socketserver
import sys
import time

LIMIT = 1 << 20

DEFAULT_STATUS = {
    "node": "pve1", "version": "0.1.0", "pid": 4242, "config": "/etc/sdnd/sdn.yaml",
    "generation": 3, "config_hash": "9f1c2ab0",
    "last_reconcile_ms": 0,
    "objects": [
        {"key": "link/web", "kind": "bridge", "name": "web", "vnet": "web", "state": "in-sync"},
        {"key": "link/vxlan_web", "kind": "vxlan", "name": "vxlan_web", "vnet": "web",
         "state": "in-sync"},
    ],
    "summary": {"in-sync": 2, "pending": 0, "failed": 0},
    "conflicts": [],
    "counters": {"reconciles": 9, "actions": 40},
}


class State:
    generation = 3
    document = "version: 1\nnode: pve1\nzones: {}\nvnets: {}\n"


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(self, path, directory):
        self.dir = directory
        super().__init__(path, Handler)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-sdnd"

    def address_string(self):
        return "unix"

    def log_message(self, fmt, *args):
        pass

    def file(self, name):
        try:
            with open(os.path.join(self.server.dir, name)) as f:
                return f.read()
        except FileNotFoundError:
            return None

    def mode(self):
        return (self.file("mode") or "").strip()

    def log(self, body=None):
        entry = {"method": self.command, "path": self.path,
                 "content_type": self.headers.get("Content-Type"),
                 "if_match": self.headers.get("If-Match"),
                 "body": body.decode("utf-8", "replace") if body is not None else None}
        with open(os.path.join(self.server.dir, "requests.log"), "a") as f:
            f.write(json.dumps(entry) + "\n")

    def send(self, code, body, ctype="application/json", headers=None, close=False):
        data = (json.dumps(body, indent=1) + "\n").encode() if ctype == "application/json" \
            else body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)

    def plan(self):
        text = self.file("plan.json")
        return json.loads(text) if text else {"actions": [], "conflicts": []}

    def common(self):
        """The behaviours every request shares; True when the request is answered."""
        mode = self.mode()
        if mode == "deny":
            self.send(403, {"error": "peer uid 65534 is neither root nor in group sdnd"})
        elif mode == "error500":
            self.send(500, {"error": "internal error"})
        elif mode == "html":
            self.send(502, "<html><body>Bad Gateway</body></html>\n", "text/html")
        elif mode == "garbage":
            self.send(200, "this is not JSON\n", "text/plain")
        elif mode == "close":
            self.close_connection = True
        elif mode == "hang":
            time.sleep(40)
            self.close_connection = True
        else:
            return False
        return True

    def do_GET(self):
        self.log()
        if self.common():
            return
        if self.path == "/v1/status":
            text = self.file("status.json")
            self.send(200, json.loads(text) if text else DEFAULT_STATUS)
        elif self.path == "/v1/config":
            if self.mode() == "noconfig":
                self.send(404, {"error": "no configuration is running"})
                return
            headers = {} if self.mode() == "noetag" else {"ETag": '"%d"' % State.generation}
            self.send(200, State.document, "application/yaml", headers)
            if self.mode() == "bump":
                State.generation += 1
        elif self.path == "/v1/plan":
            self.send(200, self.plan())
        elif self.path == "/metrics":
            self.send(200, "# TYPE sdnd_reconciles_total counter\nsdnd_reconciles_total 9\n",
                      "text/plain; version=0.0.4")
        else:
            self.send(404, {"error": "no such resource", "where": self.path})

    def do_PUT(self):
        path, _, query = self.path.partition("?")
        if path != "/v1/config":
            self.log()
            self.send(405 if path in ("/v1/status", "/v1/plan") else 404,
                      {"error": "method or resource not supported"})
            return
        length = int(self.headers.get("Content-Length", "0"))
        if length > LIMIT:
            self.log()
            self.send(413, {"error": "the document is larger than 1048576 bytes"}, close=True)
            return
        body = self.rfile.read(length)
        self.log(body)
        if self.common():
            return
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype not in ("application/yaml", "application/json", "text/plain"):
            self.send(415, {"error": "send the document as application/yaml or "
                            "application/json", "where": "Content-Type"})
            return
        if b"invalid" in body:
            errors = ["request:3:5: zones.lab.type: unknown zone type \"vxlam\"",
                      "request:7:10: vnets.web.tag: expected an integer between 1 and 16777215,"
                      " got 0"]
            self.send(400, {"error": "invalid configuration", "where": errors[0],
                            "errors": errors})
            return
        if_match = self.headers.get("If-Match")
        if if_match is not None and if_match != '"%d"' % State.generation:
            self.send(412, {"error": "the configuration changed meanwhile",
                            "generation": State.generation})
            return
        if query == "dry_run=1":
            self.send(200, {"plan": self.plan()})
            return
        State.generation += 1
        State.document = body.decode()
        self.send(200, {"generation": State.generation, "plan": self.plan()})

    def do_POST(self):
        self.log()
        self.send(405, {"error": "method not allowed"})


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    path, directory = sys.argv[1:]
    if os.path.exists(path):
        os.unlink(path)
    with Server(path, directory) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
