#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""sdnd attachment benchmark; run through bench/attach.sh, which installs what is needed and
builds a Release sdnd.

One simple-zone vnet "web" (bridge, mtu 1450, stp off). Guest ports are veths whose other end is
up in the same namespace, so a port forwards as soon as it is in the bridge and up. Each port is
attached with its MAC and learning off (what a Proxmox-like hook sets up per port):

 A. attach latency, --seq N sequential ports, each measured from the send of the request:
    - sdnd: PUT /v1/attachments/X from an in-process client on the unix socket (one connection
      per request), and the same PUT through `curl` (one process per port, as a hook would);
    - peer: `ip link set X master web mtu 1450 up`, `bridge link set dev X learning off`,
      `bridge fdb add MAC dev X master static` (three processes per port), in its own namespace;
    "answered" = the PUT's answer / the last command's exit; "master" and "forwarding" = the
    kernel's RTM_NEWLINK notification showing X with master web, and with master web and
    bridge port state forwarding, timestamped on receipt by a thread reading rtnetlink;
    then DELETE (detach) latency.
 B. --many M ports: M sequential PUTs (total, per-request p50/p99, first vs last 100), the same
    M with the peer's commands; the daemon's RSS before and after; every veth deleted and
    re-created (`ip -batch`) and the time until all M are forwarding again; M DELETEs; M PUTs
    from --clients C concurrent clients; the daemon restarted (time until it answers and
    reports everything in sync); its periodic full resync with M attachments ("last_resync_us",
    daemon run with -r 1) against the same without attachments; GET /v1/status and /v1/plan.
IPv6 is off in both namespaces (see make_ns). Every phase is checked against the kernel (master, mtu, up, learning off, forwarding, the static
FDB entry); the run fails if a port is not what it should be. Namespaces are PREFIX*, removed on
exit. Progress on stderr, the table on stdout.
"""
import argparse
import concurrent.futures
import ctypes
import json
import os
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

from benchlib import BenchError, log, pct, proc_mem, run, run_bench, unix_http

MTU = 1450
BR = "web"
NODE = "bench"
CLONE_NEWNET = 0x40000000
SO_RCVBUFFORCE = 33
RTMGRP_LINK = 1
RTM_NEWLINK = 16
IFLA_IFNAME, IFLA_MASTER, IFLA_PROTINFO, IFLA_LINKINFO = 3, 10, 12, 18
IFLA_INFO_SLAVE_DATA = 5
IFLA_BRPORT_STATE = 1
BR_STATE_FORWARDING = 3


def mac_of(i):
    return "bc:24:11:%02x:%02x:%02x" % ((i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff)


_libc = ctypes.CDLL(None, use_errno=True)


def in_netns(ns, fn):
    """Call fn() with this thread in network namespace ns (sockets made there stay there)."""
    me = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {ns}")
        try:
            return fn()
        finally:
            if _libc.setns(me, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back")
    finally:
        os.close(fd)
        os.close(me)


def attrs(buf, off, end):
    while off + 4 <= end:
        alen, atype = struct.unpack_from("=HH", buf, off)
        if alen < 4:
            break
        yield atype & 0x3fff, off + 4, off + alen
        off += (alen + 3) & ~3


class Monitor(threading.Thread):
    """Reads rtnetlink link notifications of one namespace; per interface name the first time
    it was seen with master = the bridge, and with the bridge port forwarding."""

    def __init__(self, ns):
        super().__init__(daemon=True)

        def mk():
            s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
            s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
            s.bind((0, RTMGRP_LINK))
            return s

        self.sock = in_netns(ns, mk)
        self.cond = threading.Condition()
        self.br_index = 0
        self.master = {}
        self.fwd = {}
        self.overruns = 0
        self.stop = False

    def reset(self, br_index):
        with self.cond:
            self.br_index = br_index
            self.master, self.fwd = {}, {}

    def run(self):
        while not self.stop:
            try:
                data = self.sock.recv(1 << 20)
            except OSError as e:
                if e.errno == 105:       # ENOBUFS: events were lost
                    with self.cond:
                        self.overruns += 1
                    continue
                return
            t = time.perf_counter()
            seen = []
            off = 0
            while off + 16 <= len(data):
                mlen, mtype = struct.unpack_from("=LH", data, off)
                if mlen < 16:
                    break
                if mtype == RTM_NEWLINK and mlen >= 32:
                    name, master, state = None, 0, None
                    for at, s, e in attrs(data, off + 32, off + mlen):
                        if at == IFLA_IFNAME:
                            name = data[s:e].split(b"\0", 1)[0].decode()
                        elif at == IFLA_MASTER:
                            master = struct.unpack_from("=I", data, s)[0]
                        elif at == IFLA_PROTINFO:
                            for bt, bs, _ in attrs(data, s, e):
                                if bt == IFLA_BRPORT_STATE:
                                    state = data[bs]
                        elif at == IFLA_LINKINFO:
                            for it, is_, ie in attrs(data, s, e):
                                if it == IFLA_INFO_SLAVE_DATA:
                                    for bt, bs, _ in attrs(data, is_, ie):
                                        if bt == IFLA_BRPORT_STATE:
                                            state = data[bs]
                    if name:
                        seen.append((name, master, state))
                off += (mlen + 3) & ~3
            if seen:
                with self.cond:
                    for name, master, state in seen:
                        if master and master == self.br_index:
                            self.master.setdefault(name, t)
                            if state == BR_STATE_FORWARDING:
                                self.fwd.setdefault(name, t)
                    self.cond.notify_all()

    def wait_fwd(self, names, timeout):
        """Until every name was seen forwarding; False on timeout."""
        end = time.monotonic() + timeout
        with self.cond:
            while not all(n in self.fwd for n in names):
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
        return True


class Bench:
    def __init__(self, args):
        self.args = args
        self.prefix = args.prefix
        self.sns, self.pns = self.prefix + "s", self.prefix + "p"
        self.tmp = tempfile.mkdtemp(prefix="sdnd-attach-bench.")
        self.state = os.path.join(self.tmp, "state")
        self.sock = os.path.join(self.state, "sdnd.sock")
        self.cfg = os.path.join(self.tmp, "sdn.yaml")
        self.namespaces = []
        self.daemon = None
        self.res = {}
        self.notes = []

    # --- namespaces and ports ---------------------------------------------------------------
    def make_ns(self, ns):
        """A namespace without IPv6: the guest ends of the veths sit in it, and a host's
        kernel does not receive what its guests' NICs receive. With IPv6 on, each port coming
        up floods neighbour discovery and MLD to every other port, and each guest end runs an
        IPv6 route lookup that is linear in the number of interfaces: quadratic kernel work
        that would dominate both sdnd's and the peer's figures at 1000 ports."""
        run(["ip", "netns", "add", ns])
        self.namespaces.append(ns)
        run(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
             "net.ipv6.conf.default.disable_ipv6=1"])
        run(["ip", "-n", ns, "link", "set", "lo", "up"])

    def batch(self, ns, lines):
        path = os.path.join(self.tmp, "batch")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        t0 = time.perf_counter()
        run(["ip", "-n", ns, "-batch", path])
        return time.perf_counter() - t0

    def add_ports(self, ns, names):
        """veth pairs NAME / NAMEp, NAMEp up (NAME is the guest port, left down)."""
        return self.batch(ns, [x for n in names for x in
                               (f"link add {n} type veth peer name {n}p", f"link set {n}p up")])

    def del_ports(self, ns, names):
        return self.batch(ns, [f"link del {n}" for n in names])

    def ifindex(self, ns, name):
        return json.loads(run(["ip", "-n", ns, "-j", "link", "show", name]).stdout)[0]["ifindex"]

    def verify(self, ns, names, who, macs):
        """Every port in the bridge, mtu 1450, up, forwarding, learning off, its static MAC."""
        links = {l["ifname"]: l for l in json.loads(run(["ip", "-n", ns, "-j", "-d", "link",
                                                         "show"]).stdout)}
        fdb = json.loads(run(["bridge", "-n", ns, "-j", "fdb", "show", "br", BR]).stdout)
        static = {(e.get("ifname"), e["mac"]) for e in fdb if e.get("state") == "static"}
        errs = []
        for n in names:
            l = links.get(n)
            sd = (l or {}).get("linkinfo", {}).get("info_slave_data", {})
            if not l or l.get("master") != BR or l.get("mtu") != MTU or "UP" not in l["flags"] \
                    or sd.get("state") != "forwarding" or sd.get("learning") is not False:
                errs.append(f"{n}: master {l and l.get('master')} mtu {l and l.get('mtu')} "
                            f"flags {l and l.get('flags')} port {sd}")
            elif (n, macs[n]) not in static:
                errs.append(f"{n}: no static FDB entry for {macs[n]}")
            if len(errs) > 5:
                break
        if errs:
            raise BenchError(f"{who}: ports not as they should be:\n  " + "\n  ".join(errs))
        log(f"{who}: verified {len(names)} ports (in {BR}, mtu {MTU}, up, forwarding, "
            f"learning off, static MAC)")

    def verify_unplugged(self, ns, names, who):
        links = {l["ifname"]: l for l in json.loads(run(["ip", "-n", ns, "-j", "link",
                                                         "show"]).stdout)}
        bad = [n for n in names if links.get(n, {}).get("master")]
        if bad:
            raise BenchError(f"{who}: still in a bridge after the detach: {bad[:5]}")

    # --- the daemon -------------------------------------------------------------------------
    def start_daemon(self, extra=()):
        logf = open(os.path.join(self.tmp, "daemon.log"), "a")
        self.daemon = subprocess.Popen(["ip", "netns", "exec", self.sns, self.args.sdnd, "-f",
                                        "-c", self.cfg, "-s", self.state, "-n", NODE,
                                        *extra], stdout=logf, stderr=subprocess.STDOUT)
        logf.close()
        t0 = time.monotonic()
        answered = None
        while time.monotonic() - t0 < 120:
            if self.daemon.poll() is not None:
                raise BenchError(f"sdnd exited with {self.daemon.returncode}; see "
                                 f"{self.tmp}/daemon.log")
            if answered is None:
                try:
                    if self.http("GET", "/v1/status", timeout=5)[0] == 200:
                        answered = time.monotonic() - t0
                except OSError:
                    pass
            st = self.status()
            if answered is not None and st and st.get("pid") == self.daemon.pid and \
                    st["summary"]["pending"] == 0 and st["summary"]["failed"] == 0 and \
                    st.get("counters", {}).get("reconciles", 0) >= 1:
                return answered, time.monotonic() - t0
            time.sleep(0.01)
        raise BenchError("the daemon did not come up in sync within 120 s")

    def stop_daemon(self):
        p, self.daemon = self.daemon, None
        if p and p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def status(self):
        try:
            with open(os.path.join(self.state, "status.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def mem(self):
        return proc_mem(self.daemon.pid)

    def http(self, method, path, body=None, timeout=60):
        """One request on its own connection; (code, body bytes)."""
        return unix_http(self.sock, method, path, body, timeout=timeout)

    def put(self, name, i):
        code, body = self.http("PUT", f"/v1/attachments/{name}",
                               json.dumps({"vnet": BR, "mac": mac_of(i), "learning": False,
                                           "owner": f"vm/{i}"}))
        if code not in (200, 201) or json.loads(body).get("state") != "plugged":
            raise BenchError(f"PUT {name}: {code} {body[:300]!r}")

    def delete(self, name):
        code, body = self.http("DELETE", f"/v1/attachments/{name}")
        if code != 200:
            raise BenchError(f"DELETE {name}: {code} {body[:300]!r}")

    def resyncs(self, n):
        """last_resync_us of the next n periodic resyncs (daemon with -r 1), ms."""
        out, seen = [], None
        t0 = time.monotonic()
        while len(out) < n and time.monotonic() - t0 < 3 * n + 10:
            st = self.status()
            if st and st.get("pid") == self.daemon.pid:
                r = st.get("counters", {}).get("resyncs")
                if seen is None:
                    seen = r
                elif r != seen:
                    seen = r
                    out.append(st["last_resync_us"] / 1000.0)
            time.sleep(0.02)
        if len(out) < n:
            raise BenchError(f"only {len(out)} periodic resyncs seen")
        return out

    # --- phases -----------------------------------------------------------------------------
    def timed_ports(self, mon, ns, names, attach, who):
        """Attach names one by one with attach(name, i); per port (answered, master, fwd) ms."""
        mon.reset(self.ifindex(ns, BR))
        rows = []
        for i, n in enumerate(names, 1):
            t0 = time.perf_counter()
            attach(n, i)
            t1 = time.perf_counter()
            if not mon.wait_fwd([n], 10):
                raise BenchError(f"{who}: {n} not seen forwarding within 10 s "
                                 f"(overruns {mon.overruns})")
            with mon.cond:
                tm, tf = mon.master[n], mon.fwd[n]
            rows.append(((t1 - t0) * 1000, (tm - t0) * 1000, (tf - t0) * 1000))
        return rows

    def peer_attach(self, n, i):
        for cmd in (["ip", "-n", self.pns, "link", "set", n, "master", BR, "mtu", str(MTU), "up"],
                    ["bridge", "-n", self.pns, "link", "set", "dev", n, "learning", "off"],
                    ["bridge", "-n", self.pns, "fdb", "add", mac_of(i), "dev", n, "master",
                     "static"]):
            if subprocess.run(cmd).returncode != 0:
                raise BenchError(f"peer: {' '.join(cmd)} failed")

    def curl_attach(self, n, i):
        body = json.dumps({"vnet": BR, "mac": mac_of(i), "learning": False, "owner": f"vm/{i}"})
        p = run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket",
                 self.sock, "-X", "PUT", "-H", "Content-Type: application/json", "-d", body,
                 f"http://sdnd/v1/attachments/{n}"])
        if p.stdout not in ("200", "201"):
            raise BenchError(f"curl PUT {n}: {p.stdout}")

    def phase_a(self, smon, pmon):
        n = self.args.seq
        res = self.res
        # peer
        names = [f"p{i}" for i in range(1, n + 1)]
        self.add_ports(self.pns, names)
        log(f"A. peer: {n} ports, three commands each")
        res["peer_seq"] = self.timed_ports(pmon, self.pns, names, self.peer_attach, "peer")
        self.verify(self.pns, names, "peer", {x: mac_of(i) for i, x in enumerate(names, 1)})
        self.del_ports(self.pns, names)
        # sdnd, in-process client
        names = [f"s{i}" for i in range(1, n + 1)]
        self.add_ports(self.sns, names)
        log(f"A. sdnd: {n} PUTs from an in-process client")
        res["sdnd_seq"] = self.timed_ports(smon, self.sns, names, self.put, "sdnd")
        self.verify(self.sns, names, "sdnd", {x: mac_of(i) for i, x in enumerate(names, 1)})
        log(f"A. sdnd: {n} DELETEs")
        dels = []
        for x in names:
            t0 = time.perf_counter()
            self.delete(x)
            dels.append((time.perf_counter() - t0) * 1000)
        res["sdnd_del"] = dels
        self.verify_unplugged(self.sns, names, "sdnd")
        self.del_ports(self.sns, names)
        # sdnd through curl
        names = [f"u{i}" for i in range(1, n + 1)]
        self.add_ports(self.sns, names)
        log(f"A. sdnd: {n} PUTs through curl")
        res["curl_seq"] = self.timed_ports(smon, self.sns, names, self.curl_attach, "sdnd curl")
        self.verify(self.sns, names, "sdnd (curl)", {x: mac_of(i) for i, x in enumerate(names, 1)})
        for x in names:
            self.delete(x)
        self.del_ports(self.sns, names)

    def wait_api(self, want, what, timeout=60):
        """Until the attachment summary has want (dict state -> count)."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            code, body = self.http("GET", "/v1/attachments")
            if code == 200:
                s = json.loads(body)["attachment_summary"]
                if all(s.get(k) == v for k, v in want.items()):
                    return time.monotonic() - t0
            time.sleep(0.05)
        raise BenchError(f"the API did not show {what} within {timeout} s ({s})")

    def phase_b(self, smon, pmon):
        m, res = self.args.many, self.res
        names = [f"m{i}" for i in range(1, m + 1)]
        macs = {x: mac_of(i) for i, x in enumerate(names, 1)}

        log(f"B. peer: {m} ports, three commands each")
        self.add_ports(self.pns, names)
        lat = []
        t0 = time.perf_counter()
        for i, x in enumerate(names, 1):
            t1 = time.perf_counter()
            self.peer_attach(x, i)
            lat.append((time.perf_counter() - t1) * 1000)
        res["peer_many"] = time.perf_counter() - t0
        res["peer_many_lat"] = lat
        self.verify(self.pns, names, "peer", macs)

        log(f"B. sdnd: {m} veths, none attached: periodic resyncs with -r 1")
        res["create_batch"] = self.add_ports(self.sns, names)
        self.stop_daemon()
        self.start_daemon(["-r", "1"])
        res["resync_veths"] = self.resyncs(self.args.resyncs)
        self.stop_daemon()
        self.start_daemon()
        res["rss_before"] = self.mem()
        log(f"B. sdnd: {m} sequential PUTs")
        smon.reset(self.ifindex(self.sns, BR))
        lat = []
        t0 = time.perf_counter()
        for i, x in enumerate(names, 1):
            t1 = time.perf_counter()
            self.put(x, i)
            lat.append((time.perf_counter() - t1) * 1000)
        res["sdnd_many"] = time.perf_counter() - t0
        res["sdnd_many_lat"] = lat
        if not smon.wait_fwd(names, 30):
            raise BenchError("sdnd: not every port seen forwarding")
        self.verify(self.sns, names, "sdnd", macs)
        res["rss_after"] = self.mem()

        code, body = self.http("GET", "/v1/status")
        t0 = time.perf_counter()
        code, body = self.http("GET", "/v1/status")
        res["get_status"] = ((time.perf_counter() - t0) * 1000, len(body))
        t0 = time.perf_counter()
        code, body = self.http("GET", "/v1/plan")
        res["get_plan"] = (time.perf_counter() - t0) * 1000
        if code != 200 or json.loads(body).get("actions"):
            raise BenchError(f"GET /v1/plan with {m} attachments: {code} {body[:300]!r}")

        log(f"B. sdnd: all {m} veths deleted and re-created")
        self.del_ports(self.sns, names)
        self.wait_api({"absent": m}, f"{m} absent")
        ov = smon.overruns
        smon.reset(self.ifindex(self.sns, BR))
        t0 = time.perf_counter()
        res["replug_batch"] = self.add_ports(self.sns, names)
        if not smon.wait_fwd(names, 120):
            raise BenchError(f"sdnd: not all {m} re-created ports plugged within 120 s")
        with smon.cond:
            last = max(smon.fwd[x] for x in names)
        res["replug"] = last - t0
        res["replug_api"] = time.perf_counter() - t0 + self.wait_api({"plugged": m},
                                                                        f"{m} plugged")
        if smon.overruns != ov:
            self.notes.append("the rtnetlink monitor lost events (ENOBUFS) during the re-plug")
        self.verify(self.sns, names, "sdnd after the re-plug", macs)
        res["rss_replug"] = self.mem()

        log(f"B. sdnd: {m} sequential DELETEs")
        t0 = time.perf_counter()
        for x in names:
            self.delete(x)
        res["del_many"] = time.perf_counter() - t0
        self.verify_unplugged(self.sns, names, "sdnd")

        c = self.args.clients
        log(f"B. sdnd: {m} PUTs from {c} concurrent clients")
        smon.reset(self.ifindex(self.sns, BR))
        t0 = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(c) as ex:
            for f in [ex.submit(self.put, x, i) for i, x in enumerate(names, 1)]:
                f.result()
        res["conc_many"] = time.perf_counter() - t0
        self.verify(self.sns, names, f"sdnd ({c} clients)", macs)

        log(f"B. sdnd: restart with {m} attachments, periodic resyncs with -r 1")
        self.stop_daemon()
        res["restart"] = self.start_daemon(["-r", "1"])
        res["resync_many"] = self.resyncs(self.args.resyncs)
        res["rss_resync"] = self.mem()
        self.verify(self.sns, names, "sdnd after the restart", macs)
        self.stop_daemon()

    def bench(self):
        with open(self.cfg, "w") as f:
            f.write(f"version: 1\nzones:\n  lab: {{type: simple, mtu: {MTU}}}\n"
                    f"vnets:\n  {BR}: {{zone: lab}}\n")
        self.make_ns(self.sns)
        self.make_ns(self.pns)
        run(["ip", "-n", self.pns, "link", "add", BR, "mtu", str(MTU), "type", "bridge",
             "stp_state", "0", "forward_delay", "0"])
        run(["ip", "-n", self.pns, "link", "set", BR, "up"])
        smon, pmon = Monitor(self.sns), Monitor(self.pns)
        smon.start()
        pmon.start()

        log("sdnd: periodic resyncs without attachments (-r 1)")
        self.start_daemon(["-r", "1"])
        self.res["resync_none"] = self.resyncs(self.args.resyncs)
        self.res["rss_none"] = self.mem()
        self.stop_daemon()
        self.start_daemon()
        self.phase_a(smon, pmon)
        self.phase_b(smon, pmon)
        self.res["overruns"] = smon.overruns + pmon.overruns

    def failed(self):
        """After a failure: keep the logs."""
        subprocess.run(["cp", "-r", self.tmp, self.tmp + ".failed"])
        print(f"(logs kept in {self.tmp}.failed)", file=sys.stderr)

    def cleanup(self):
        self.stop_daemon()
        for ns in self.namespaces:
            run(["ip", "netns", "del", ns], check=False)
        subprocess.run(["rm", "-rf", self.tmp])

    # --- report -----------------------------------------------------------------------------
    def report(self, header):
        r, a = self.res, self.args
        lines = [header, ""]

        def row(label, val, info=""):
            lines.append(f"{label:<62}{val:>22}   {info}".rstrip())

        def dist(v):
            return f"{pct(v, 50):.2f} / {pct(v, 99):.2f} ms"

        lines.append(f"A. attach one port, {a.seq} ports one after the other: p50 / p99 "
                     f"(nearest rank) from the request")
        for key, label in (("sdnd_seq", "sdnd PUT, in-process client"),
                           ("curl_seq", "sdnd PUT through curl (a process per port)"),
                           ("peer_seq", "peer: ip link set + bridge link set + bridge fdb add")):
            rows = r[key]
            lines.append(f"   {label}")
            row("      answered (peer: the last command exited)", dist([x[0] for x in rows]))
            row(f"      kernel notification: master {BR}", dist([x[1] for x in rows]))
            row("      kernel notification: forwarding", dist([x[2] for x in rows]))
        for key, label in (("sdnd_seq", "in-process"), ("curl_seq", "curl")):
            s = statistics.median(x[2] for x in r[key])
            p = statistics.median(x[2] for x in r["peer_seq"])
            row(f"   ratio sdnd ({label}) / peer, until forwarding, median", f"{s / p:.2f}",
                "lower is better")
        row("   sdnd DELETE (detach), answered", dist(r["sdnd_del"]))
        m = a.many
        lines.append(f"B. {m} attachments on one vnet")
        row(f"   sdnd, {m} sequential PUTs, total", f"{r['sdnd_many']:.2f} s")
        lat = r["sdnd_many_lat"]
        row("   ... per PUT p50 / p99", dist(lat))
        k = min(100, len(lat))
        row(f"   ... per PUT median, first {k} / last {k}",
            f"{statistics.median(lat[:k]):.2f} / {statistics.median(lat[-k:]):.2f} ms",
            "growth with the number attached")
        row(f"   peer, {m} x three commands, total", f"{r['peer_many']:.2f} s")
        lat = r["peer_many_lat"]
        row("   ... per port p50 / p99", dist(lat))
        row(f"   ... per port median, first {k} / last {k}",
            f"{statistics.median(lat[:k]):.2f} / {statistics.median(lat[-k:]):.2f} ms")
        row("   ratio sdnd / peer", f"{r['sdnd_many'] / r['peer_many']:.2f}", "lower is better")
        row(f"   sdnd, {m} PUTs from {a.clients} concurrent clients, total",
            f"{r['conc_many']:.2f} s")
        row(f"   sdnd, {m} sequential DELETEs, total", f"{r['del_many']:.2f} s")
        row(f"   re-plug: {m} veths re-created (ip -batch), until all forward",
            f"{r['replug']:.2f} s", f"info: the batch itself {r['replug_batch']:.2f} s, "
            f"{r['create_batch']:.2f} s with none attached")
        row("   ... until the API shows all plugged", f"{r['replug_api']:.2f} s")
        row(f"   restart with {m} attachments: answering / in sync",
            f"{r['restart'][0] * 1000:.0f} / {r['restart'][1] * 1000:.0f} ms")
        rn, rm = r["resync_none"], r["resync_many"]
        row("   full resync (last_resync_us), median (max): no attachments",
            f"{statistics.median(rn):.2f} ms ({max(rn):.2f})")
        rv = r["resync_veths"]
        row(f"   ... {m} veth pairs, none attached",
            f"{statistics.median(rv):.2f} ms ({max(rv):.2f})")
        row(f"   ... the same {m} attached",
            f"{statistics.median(rm):.2f} ms ({max(rm):.2f})")
        row(f"   GET /v1/status with {m} attachments",
            f"{r['get_status'][0]:.1f} ms", f"info: {r['get_status'][1] // 1024} KiB")
        row(f"   GET /v1/plan with {m} attachments", f"{r['get_plan']:.1f} ms")
        for key, label in (("rss_none", "no attachments"), ("rss_before", f"{m} veth pairs, none attached"),
                           ("rss_after", f"{m} attached"), ("rss_replug", "after the re-plug"),
                           ("rss_resync", "restarted, after resyncs")):
            row(f"   daemon VmRSS / VmHWM, {label}",
                f"{r[key]['VmRSS']:.1f} / {r[key]['VmHWM']:.1f} MiB")
        if r.get("overruns"):
            self.notes.append(f"the rtnetlink monitor lost events {r['overruns']} times")
        if self.notes:
            lines.append("")
            lines.extend("note: " + x for x in self.notes)
        print("\n".join(lines), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seq", type=int, default=200, help="ports attached one by one (phase A)")
    ap.add_argument("--many", type=int, default=1000, help="ports on one vnet (phase B)")
    ap.add_argument("--clients", type=int, default=8, help="concurrent clients (phase B)")
    ap.add_argument("--resyncs", type=int, default=5)
    ap.add_argument("--sdnd", required=True)
    ap.add_argument("--prefix", default=f"sdna{os.getpid()}")
    ap.add_argument("--header", default="")
    args = ap.parse_args()
    if not 1 <= args.seq <= 5000 or not 1 <= args.many <= 5000 or \
            not 1 <= args.clients <= 60 or args.resyncs < 1:
        ap.error("--seq and --many: 1..5000, --clients: 1..60, --resyncs: at least 1")

    return run_bench(Bench(args), args.header)


if __name__ == "__main__":
    sys.exit(main())
