#!/usr/bin/env python3
"""A stand-in for sdnd's control API, for testing sdnctl without a daemon or privileges.

Usage: fake_sdnd.py SOCKET DIR
       fake_sdnd.py tcp DIR [TOKEN]

Serves HTTP/1.1 on the unix socket SOCKET as the daemon does, or, with "tcp", on a free port of
127.0.0.1 (written to DIR/port once listening) as the daemon's TCP listener does: with TOKEN,
every request without "Authorization: Bearer TOKEN" gets 401. Canned answers are taken from
DIR, read at each request so a test changes them between commands:

  DIR/status.json   the answer to GET /v1/status (default: two objects in sync, and the
                    attachments made so far with their summary)
  DIR/plan.json     the plan of GET /v1/plan and of every PUT /v1/config (default: empty)
  DIR/mode          changes the behaviour:
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
                      code NNN  NNN {"error": "answered NNN", "where": "test"} to every request
  DIR/links         the interfaces that exist, separated by white space (default: every one);
                    an attachment of another one is "absent"
  DIR/attach_state  "pending" or "failed": the state of every attachment PUT from now on,
                    instead of plugged or absent

PUT /v1/config answers 415 to a content type other than application/yaml, application/json or
text/plain, 413 to a body over 1 MiB (without reading it, as libmicrohttpd does), 400 with
"errors" to a document containing the word "invalid", 412 to a stale If-Match; otherwise the
plan, and without ?dry_run=1 a new generation whose document GET /v1/config then returns.

Attachments (/v1/attachments, /v1/attachments/IFNAME: GET, PUT, DELETE) are kept in memory,
on vnets web (bridge web), db (bridge db) and lan (bridge vmbr1, VLAN-aware). A PUT answers 400
{"error", "where": FIELD} to a body that is not a JSON object, an unknown field, a bad ifname,
vnet name, mac, vlan, trunks, learning or owner; 409 to a vnet that does not exist (where
"vnet"), VLAN options on a vnet that is not VLAN-aware (where "vlan" or "trunks"), an ifname
that is one of the vnets' devices (where "ifname"); 415 to a type other than application/json;
then 201 for a new attachment, else 200.

Every request is appended to DIR/requests.log as one JSON line (method, path, content_type,
if_match, authorization, body).
"""
import http.server
import json
import os
import re
import socketserver
import sys
import threading
import time
import urllib.parse

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


VNETS = {"web": {"bridge": "web", "vlanaware": False},
         "db": {"bridge": "db", "vlanaware": False},
         "lan": {"bridge": "vmbr1", "vlanaware": True}}
STATES = ("plugged", "pending", "failed", "absent", "orphaned")
FIELDS = ("vnet", "mac", "vlan", "trunks", "learning", "owner")


class State:
    generation = 3
    document = "version: 1\nnode: pve1\nzones: {}\nvnets: {}\n"
    attachments = {}
    lock = threading.Lock()


def valid_trunks(text):
    for part in text.split(";"):
        m = re.fullmatch(r"([0-9]{1,4})(?:-([0-9]{1,4}))?", part)
        if not m:
            return False
        lo = int(m.group(1))
        hi = int(m.group(2) or lo)
        if not 1 <= lo <= hi <= 4094:
            return False
    return True


def attachment_error(ifname, req):
    """(code, where, message) when the request is refused, else None."""
    if not isinstance(req, dict):
        return 400, "body", "expected a JSON object"
    for key in req:
        if key not in FIELDS:
            return 400, key, "unknown field"
    if not re.fullmatch(r"[^/:\s]{1,15}", ifname):
        return 400, "ifname", "invalid interface name"
    vnet = req.get("vnet")
    if not isinstance(vnet, str):
        return 400, "vnet", "expected a vnet name"
    if not re.fullmatch(r"[a-z][a-z0-9]{0,7}", vnet):
        return 400, "vnet", "invalid vnet name \"%s\"" % vnet
    if "mac" in req and not (isinstance(req["mac"], str) and
                             re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", req["mac"])):
        return 400, "mac", "expected a MAC address"
    if "vlan" in req and not (type(req["vlan"]) is int and 1 <= req["vlan"] <= 4094):
        return 400, "vlan", "expected an integer between 1 and 4094"
    if "trunks" in req and not (isinstance(req["trunks"], str) and valid_trunks(req["trunks"])):
        return 400, "trunks", "expected VLAN IDs and ranges"
    if "learning" in req and not isinstance(req["learning"], bool):
        return 400, "learning", "expected true or false"
    if "owner" in req and not isinstance(req["owner"], str):
        return 400, "owner", "expected a string"
    if vnet not in VNETS:
        return 409, "vnet", "vnet %s does not exist on this node" % vnet
    for key in ("vlan", "trunks"):
        if key in req and not VNETS[vnet]["vlanaware"]:
            return 409, key, "vnet %s is not VLAN-aware" % vnet
    own = [v["bridge"] for v in VNETS.values()] + ["vxlan_" + v for v in VNETS]
    if ifname in own:
        return 409, "ifname", "interface %s is one of sdnd's own devices" % ifname
    return None


def summary():
    counts = {state: 0 for state in STATES}
    for a in State.attachments.values():
        counts[a["state"]] = counts.get(a["state"], 0) + 1
    return counts


def attachment_list():
    return [State.attachments[k] for k in sorted(State.attachments)]


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    token = None

    def __init__(self, path, directory):
        self.dir = directory
        super().__init__(path, Handler)


class TCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True

    def __init__(self, directory, token):
        self.dir = directory
        self.token = token
        super().__init__(("127.0.0.1", 0), Handler)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-sdnd"

    def address_string(self):
        return "unix" if isinstance(self.server, Server) else super().address_string()

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
                 "authorization": self.headers.get("Authorization"),
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
        token = self.server.token
        if token is not None and self.headers.get("Authorization") != "Bearer " + token:
            self.send(401, {"error": "missing or wrong token"},
                      headers={"WWW-Authenticate": "Bearer"})
        elif mode.startswith("code "):
            code = int(mode.split()[1])
            self.send(code, {"error": "answered %d" % code, "where": "test"})
        elif mode == "deny":
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

    def attachment_ifname(self, path):
        """IFNAME of a path /v1/attachments/IFNAME, else None."""
        prefix = "/v1/attachments/"
        if not path.startswith(prefix) or "/" in path[len(prefix):]:
            return None
        return urllib.parse.unquote(path[len(prefix):])

    def do_GET(self):
        self.log()
        if self.common():
            return
        ifname = self.attachment_ifname(self.path)
        if self.path == "/v1/status":
            text = self.file("status.json")
            if text:
                self.send(200, json.loads(text))
                return
            with State.lock:
                status = dict(DEFAULT_STATUS, attachments=attachment_list(),
                              attachment_summary=summary())
            self.send(200, status)
        elif self.path == "/v1/attachments":
            with State.lock:
                self.send(200, {"attachments": attachment_list()})
        elif ifname is not None:
            with State.lock:
                a = State.attachments.get(ifname)
            if a is None:
                self.send(404, {"error": "no attachment for interface %s" % ifname,
                                "where": "ifname"})
            else:
                self.send(200, a)
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

    def do_DELETE(self):
        self.log()
        if self.common():
            return
        ifname = self.attachment_ifname(self.path)
        if ifname is None:
            self.send(405 if self.path.startswith("/v1/") else 404,
                      {"error": "method or resource not supported"})
            return
        with State.lock:
            a = State.attachments.pop(ifname, None)
        if a is None:
            self.send(404, {"error": "no attachment for interface %s" % ifname,
                            "where": "ifname"})
            return
        a = dict(a, state="detached")
        a.pop("error", None)
        self.send(200, a)

    def put_attachment(self, ifname):
        length = int(self.headers.get("Content-Length", "0"))
        if length > LIMIT:
            self.log()
            self.send(413, {"error": "the body is larger than 1048576 bytes"}, close=True)
            return
        body = self.rfile.read(length)
        self.log(body)
        if self.common():
            return
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype != "application/json":
            self.send(415, {"error": "send the attachment as application/json",
                            "where": "Content-Type"})
            return
        try:
            req = json.loads(body)
        except ValueError as e:
            self.send(400, {"error": "malformed JSON: %s" % e, "where": "body"})
            return
        refused = attachment_error(ifname, req)
        if refused:
            code, where, msg = refused
            self.send(code, {"error": msg, "where": where})
            return
        a = {"ifname": ifname, "vnet": req["vnet"]}
        for key in ("mac", "vlan", "trunks"):
            if key in req:
                a[key] = req[key]
        a["learning"] = req.get("learning", True)
        if "owner" in req:
            a["owner"] = req["owner"]
        links = self.file("links")
        forced = (self.file("attach_state") or "").strip()
        if forced:
            a["state"] = forced
            if forced == "failed":
                a["error"] = "Operation not supported (\u001b[2Jthe kernel's message)"
        elif links is not None and ifname not in links.split():
            a["state"] = "absent"
        else:
            a["state"] = "plugged"
        a["bridge"] = VNETS[req["vnet"]]["bridge"]
        with State.lock:
            new = ifname not in State.attachments
            State.attachments[ifname] = a
        self.send(201 if new else 200, a)

    def do_PUT(self):
        path, _, query = self.path.partition("?")
        ifname = self.attachment_ifname(path)
        if ifname is not None:
            self.put_attachment(ifname)
            return
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
    args = sys.argv[1:]
    if len(args) in (2, 3) and args[0] == "tcp":
        directory = args[1]
        with TCPServer(directory, args[2] if len(args) == 3 else None) as server:
            port = os.path.join(directory, "port")
            with open(port + ".tmp", "w") as f:
                f.write("%d\n" % server.server_address[1])
            os.rename(port + ".tmp", port)
            server.serve_forever()
    elif len(args) == 2:
        path, directory = args
        if os.path.exists(path):
            os.unlink(path)
        with Server(path, directory) as server:
            server.serve_forever()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
