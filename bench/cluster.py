#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""sdnd cluster benchmark; run through bench/cluster.sh, which installs what is needed and
builds a Release sdnd.

The setup: a real etcd in namespace "ul" at 192.0.2.254:2379 on a bridge; --nodes namespaces
n1..nN (eth0 = 192.0.2.i/24 on that bridge), each running its own `sdnd --store
etcd://192.0.2.254:2379 --lease-ttl TTL`; one vxlan zone `lab` with `peers: auto`. A watch on
etcd's status keys (`etcdctl watch --prefix PREFIX/status/`) time-stamps every status a node
publishes.

 A. apply: `sdnctl apply -f FILE --wait` against one node (n1, n2, ... in turn), --reps times
    each for three changes: 100 vnets created (from none), one vnet added to them, all of them
    removed. Measured from just before sdnctl starts: until the last node published that it
    runs the new revision with nothing pending (the watch), and until `sdnctl apply --wait`
    exited (it polls GET /v1/cluster every 50 ms). No node's lease may expire meanwhile,
    though removing the vnets keeps each daemon in the kernel for seconds (the lease is
    renewed from a thread of its own). After each change every node's kernel is
    read back (`ip -j -d link`, `bridge -j fdb`): exactly the vnets of the document, each a
    bridge and a VXLAN device (VNI = tag, local = the node's address, mtu 1450) with one
    flooding entry to each other node; otherwise the run fails. The peer: the same kernel
    changes as `ip -batch` + `bridge -batch` in N namespaces of their own at once (each with
    192.0.2.i on a veth), until the last one exited, read back the same way.
 B. membership: the last node killed with SIGKILL: until every other node removed its flooding
    entries (one per vnet, seen by `bridge monitor fdb` in each namespace), against the lease
    TTL; then the node started again: until every other node floods to it again; then stopped
    with SIGTERM (it revokes its lease): until every other node removed it. --deaths times.
 C. each daemon's VmRSS / VmHWM.
Progress on stderr, the table on stdout. The run fails (exit 1) on a hang or a failed check; a
missed goal is only reported.
"""
import argparse
import base64
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from benchlib import BenchError, proc_mem, run, run_bench
from benchlib import log as _log

T_START = time.monotonic()


def log(msg):
    _log(f"[{time.monotonic() - T_START:5.1f} s] {msg}")


STORE_IP = "192.0.2.254"
STORE = f"{STORE_IP}:2379"
PREFIX = "/sdnd"
MTU = 1450
ZERO = "00:00:00:00:00:00"


def node_ip(i):
    return f"192.0.2.{i}"


def document(vnets):
    """The definition: zone lab (vxlan, peers auto) and vnets v1..vN with tag K (vnets: a
    list of K)."""
    lines = ["version: 1", "zones:", "  lab: {type: vxlan, peers: auto}", "vnets:"]
    lines += [f"  v{k}: {{zone: lab, tag: {k}}}" for k in vnets]
    if not vnets:
        lines[-1] = "vnets: {}"
    return "\n".join(lines) + "\n"


def peer_add(vnets, local, remotes):
    ip, br = [], []
    for k in vnets:
        ip += [f"link add v{k} mtu {MTU} type bridge stp_state 0 forward_delay 0",
               f"link add vxlan_v{k} mtu {MTU} type vxlan id {k} dstport 4789 local {local} "
               f"nolearning",
               f"link set vxlan_v{k} master v{k} up", f"link set v{k} up"]
        br += [f"fdb append {ZERO} dev vxlan_v{k} dst {d} self permanent" for d in remotes]
    return ip, br


def peer_del(vnets):
    return [c for k in vnets for c in (f"link del vxlan_v{k}", f"link del v{k}")], []


class LineWatch:
    """A command whose output lines are handed to self.line(time, line) as they arrive, on a
    thread of their own; wait() for what they tell."""

    def __init__(self, cmd, stderr=subprocess.DEVNULL):
        self.cond = threading.Condition()
        self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=stderr, text=True)
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.p.stdout:
            t = time.perf_counter()
            with self.cond:
                if self.line(t, line):
                    self.cond.notify_all()

    def wait(self, got, timeout, why):
        """Until got() returns something (under the lock); why() says what was missing."""
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                r = got()
                if r:
                    return r
                left = end - time.monotonic()
                if left <= 0 or self.p.poll() is not None:
                    raise BenchError(f"{why()} within {timeout} s (the watch exited: "
                                     f"{self.p.poll()})")
                self.cond.wait(min(left, 0.5))

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            self.p.wait()


class StatusWatch(LineWatch):
    """`etcdctl watch --prefix PREFIX/status/ -w json`: every status a node published, with
    the time it arrived here."""

    def __init__(self, ns, tmp):
        self.seen = []              # (time, node, status)
        self.err = open(os.path.join(tmp, "watch.err"), "w")
        super().__init__(["ip", "netns", "exec", ns, "etcdctl", "--endpoints", f"http://{STORE}",
                          "watch", "--prefix", f"{PREFIX}/status/", "-w", "json"], self.err)

    def line(self, t, line):
        try:
            resp = json.loads(line)
        except ValueError:
            return False
        for ev in resp.get("Events") or []:
            kv = ev.get("kv", {})
            if ev.get("type") == 1 or "value" not in kv:   # DELETE
                continue
            node = base64.b64decode(kv["key"]).decode().rsplit("/", 1)[-1]
            try:
                self.seen.append((t, node, json.loads(base64.b64decode(kv["value"]))))
            except ValueError:
                continue
        return True

    def applied(self, nodes, rev, since, timeout):
        """When each node first published, after `since`, that it runs revision rev with
        nothing pending: {node: time}."""
        got = {}

        def done():
            got.clear()
            for t, node, st in self.seen:
                if t >= since and node in nodes and node not in got and \
                        st.get("revision", 0) >= rev and st.get("pending") == 0:
                    got[node] = t
            return len(got) == len(nodes) and dict(got)

        return self.wait(done, timeout, lambda: f"{', '.join(sorted(set(nodes) - set(got)))} "
                         f"did not publish revision {rev} applied")

    def stop(self):
        super().stop()
        self.err.close()


class FdbWatch(LineWatch):
    """`bridge monitor fdb` in one namespace: flooding entries towards one address added and
    deleted, with the time each line arrived here."""

    def __init__(self, ns, dst):
        self.dst = f" dst {dst} "
        self.events = []            # (time, "add" | "del")
        super().__init__(["ip", "netns", "exec", ns, "stdbuf", "-oL", "bridge", "monitor",
                          "fdb"])

    def line(self, t, line):
        line = line.rstrip("\n") + " "
        if not line.removeprefix("Deleted ").startswith(ZERO) or self.dst not in line:
            return False
        self.events.append((t, "del" if line.startswith("Deleted") else "add"))
        return True

    def nth(self, kind, n, since, timeout):
        """The time of the n-th `kind` event after `since`."""
        ts = []

        def done():
            ts[:] = [t for t, k in self.events if k == kind and t >= since]
            return ts[n - 1] if len(ts) >= n else None

        return self.wait(done, timeout,
                         lambda: f"{len(ts)} of {n} flooding entries "
                         f"{'deleted' if kind == 'del' else 'added'}")


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="sdnd-cluster-bench.")
        self.namespaces = []
        self.daemons = {}           # node -> Popen
        self.etcd = None
        self.watch = None
        self.fdbw = []
        self.res = {}
        self.failures = []
        self.nodes = [f"n{i}" for i in range(1, args.nodes + 1)]
        self.etcd_version = ""

    def ns(self, tag):
        return f"{self.args.prefix}{tag}"

    def fail(self, msg):
        log("CHECK FAILED: " + msg)
        self.failures.append(msg)

    # --- setup ------------------------------------------------------------------------------
    def add_ns(self, tag):
        ns = self.ns(tag)
        run(["ip", "netns", "add", ns])
        self.namespaces.append(ns)
        run(["ip", "-n", ns, "link", "set", "lo", "up"])
        return ns

    def setup(self):
        ul = self.add_ns("ul")
        run(["ip", "-n", ul, "link", "add", "ul", "type", "bridge"])
        run(["ip", "-n", ul, "addr", "add", f"{STORE_IP}/24", "dev", "ul"])
        run(["ip", "-n", ul, "link", "set", "ul", "up"])
        for i, n in enumerate(self.nodes, 1):
            ns = self.add_ns(n)
            run(["ip", "-n", ul, "link", "add", f"p{i}", "type", "veth", "peer", "name", "eth0",
                 "netns", ns])
            run(["ip", "-n", ul, "link", "set", f"p{i}", "master", "ul", "up"])
            run(["ip", "-n", ns, "addr", "add", f"{node_ip(i)}/24", "dev", "eth0"])
            run(["ip", "-n", ns, "link", "set", "eth0", "up"])
            # the peer's node: the same address on a veth of its own
            pns = self.add_ns(f"p{n}")
            run(["ip", "-n", pns, "link", "add", "eth0", "type", "veth", "peer", "name", "eth1"])
            run(["ip", "-n", pns, "addr", "add", f"{node_ip(i)}/24", "dev", "eth0"])
            run(["ip", "-n", pns, "link", "set", "eth0", "up"])
            run(["ip", "-n", pns, "link", "set", "eth1", "up"])
        log(f"etcd in {ul} at {STORE}")
        self.etcd_log = open(os.path.join(self.tmp, "etcd.log"), "w")
        self.etcd = subprocess.Popen(
            ["ip", "netns", "exec", ul, "etcd", "--name", "bench", "--data-dir",
             os.path.join(self.tmp, "etcd"), "--listen-client-urls", f"http://{STORE}",
             "--advertise-client-urls", f"http://{STORE}", "--listen-peer-urls",
             "http://127.0.0.1:2380", "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
             "--initial-cluster", "bench=http://127.0.0.1:2380"],
            stdin=subprocess.DEVNULL, stdout=self.etcd_log, stderr=subprocess.STDOUT)
        end = time.monotonic() + 30
        while self.ectl("endpoint", "health", check=False).returncode != 0:
            if time.monotonic() > end or self.etcd.poll() is not None:
                raise BenchError(f"etcd did not answer within 30 s; see {self.tmp}/etcd.log")
            time.sleep(0.1)
        self.etcd_version = run(["etcd", "--version"]).stdout.split("\n")[0].split()[-1]
        self.watch = StatusWatch(ul, self.tmp)
        self.put_doc([])
        for n in self.nodes:
            self.start_node(n)
        self.watch.applied(self.nodes, self.config_rev(), 0, 60)

    def ectl(self, *a, check=True, data=None):
        return run(["ip", "netns", "exec", self.ns("ul"), "etcdctl", "--endpoints",
                    f"http://{STORE}", *a], check=check, input=data)

    def put_doc(self, vnets):
        self.ectl("put", f"{PREFIX}/config", data=document(vnets))

    def config_rev(self):
        out = json.loads(self.ectl("get", f"{PREFIX}/config", "-w", "json").stdout)
        return int(out["kvs"][0]["mod_revision"])

    def sock(self, n):
        return os.path.join(self.tmp, n, "sdnd.sock")

    def start_node(self, n):
        d = os.path.join(self.tmp, n)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(self.tmp, f"{n}.log"), "a") as logf:
            self.daemons[n] = subprocess.Popen(
                ["ip", "netns", "exec", self.ns(n), self.args.sdnd, "-f", "-s", d, "-n", n,
                 "-c", os.path.join(self.tmp, "unused.yaml"), "--store", f"etcd://{STORE}",
                 "--lease-ttl", str(self.args.ttl)],
                stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT)

    def stop_node(self, n, sig=signal.SIGTERM):
        p = self.daemons.pop(n, None)
        if p and p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def alive(self):
        for n, p in self.daemons.items():
            if p.poll() is not None:
                raise BenchError(f"sdnd on {n} exited ({p.returncode}); see {self.tmp}/{n}.log")

    # --- checks -----------------------------------------------------------------------------
    def verify(self, tag, i, vnets, who, live=None):
        """Namespace tag (node i) must hold exactly these vnets, meshed with every other live
        node (live: their numbers; default all)."""
        ns = self.ns(tag)
        links = json.loads(run(["ip", "-n", ns, "-j", "-d", "link", "show"]).stdout)
        fdb = json.loads(run(["bridge", "-n", ns, "-j", "fdb", "show"]).stdout)
        kind = {l["ifname"]: l for l in links if "linkinfo" in l}
        want_br = {f"v{k}" for k in vnets}
        have_br = {x for x, l in kind.items() if l["linkinfo"].get("info_kind") == "bridge"}
        have_vx = {x for x, l in kind.items() if l["linkinfo"].get("info_kind") == "vxlan"}
        live = live or range(1, self.args.nodes + 1)
        remotes = {node_ip(j) for j in live if j != i}
        errs = []
        if have_br != want_br:
            errs.append(f"bridges {len(have_br)}, expected {len(want_br)}")
        if have_vx != {f"vxlan_{b}" for b in want_br}:
            errs.append(f"vxlan devices {len(have_vx)}, expected {len(want_br)}")
        dsts = {}
        for e in fdb:
            if e.get("mac") == ZERO and "dst" in e:
                dsts.setdefault(e["ifname"], set()).add(e["dst"])
        for k in vnets:
            v = kind.get(f"vxlan_v{k}")
            if not v or f"v{k}" not in kind:
                continue
            d = v["linkinfo"].get("info_data", {})
            if d.get("id") != k or d.get("local") != node_ip(i) or v.get("mtu") != MTU or \
                    v.get("master") != f"v{k}" or "UP" not in v.get("flags", []) or \
                    kind[f"v{k}"].get("mtu") != MTU:
                errs.append(f"v{k}: vni {d.get('id')} local {d.get('local')} mtu {v.get('mtu')} "
                            f"master {v.get('master')} flags {v.get('flags')}")
            if dsts.get(f"vxlan_v{k}", set()) != remotes:
                errs.append(f"vxlan_v{k} floods to {sorted(dsts.get(f'vxlan_v{k}', []))}")
        if errs:
            self.fail(f"{who}, {tag}: " + "; ".join(errs[:4]) +
                      (f" (and {len(errs) - 4} more)" if len(errs) > 4 else ""))

    # --- A. apply ---------------------------------------------------------------------------
    def sdnd_change(self, vnets, k):
        path = os.path.join(self.tmp, "doc.yaml")
        with open(path, "w") as f:
            f.write(document(vnets))
        via = self.nodes[k % len(self.nodes)]
        t0 = time.perf_counter()
        p = run([self.args.sdnctl, "-S", self.sock(via), "apply", "-f", path, "--wait",
                 "--timeout", "60"], check=False)
        t_cmd = time.perf_counter() - t0
        if p.returncode != 0:
            self.alive()
            raise BenchError(f"sdnctl apply --wait via {via} exited {p.returncode}: "
                             f"{p.stderr.strip()[-500:]}")
        rev = self.config_rev()
        got = self.watch.applied(self.nodes, rev, t0, 60)
        t_all = max(got.values()) - t0
        t_first = min(got.values()) - t0
        for i, n in enumerate(self.nodes, 1):
            self.verify(n, i, vnets, "sdnd")
        return t_all, t_first, t_cmd

    def peer_change(self, cmds):
        """cmds(i) -> (ip lines, bridge lines) for node i; every peer namespace at once."""
        files = []
        for i in range(1, self.args.nodes + 1):
            ipc, brc = cmds(i)
            f_ip = os.path.join(self.tmp, f"peer{i}.ip")
            f_br = os.path.join(self.tmp, f"peer{i}.bridge")
            with open(f_ip, "w") as f:
                f.write("".join(c + "\n" for c in ipc))
            with open(f_br, "w") as f:
                f.write("".join(c + "\n" for c in brc))
            files.append((self.ns(f"pn{i}"), f_ip, f_br, bool(brc)))
        errs = []

        def one(ns, f_ip, f_br, has_br):
            r = subprocess.run(["ip", "-n", ns, "-batch", f_ip], capture_output=True)
            if r.returncode == 0 and has_br:
                r = subprocess.run(["bridge", "-n", ns, "-batch", f_br], capture_output=True)
            if r.returncode:
                errs.append(f"{ns}: {r.stderr.decode().strip()[-300:]}")

        t0 = time.perf_counter()
        th = [threading.Thread(target=one, args=f) for f in files]
        for t in th:
            t.start()
        for t in th:
            t.join()
        dt = time.perf_counter() - t0
        if errs:
            raise BenchError("the peer's batch failed: " + "; ".join(errs))
        return dt

    def phase_a(self):
        n, ip = self.args.vnets, node_ip
        full = list(range(1, n + 1))
        more = full + [n + 1]
        steps = [
            ("create", full, lambda i: peer_add(full, ip(i), self.remotes(i))),
            ("add one", more, lambda i: peer_add([n + 1], ip(i), self.remotes(i))),
            ("remove all", [], lambda i: peer_del(more)),
        ]
        for name, _, _ in steps:
            self.res[name] = {"all": [], "first": [], "cmd": [], "peer": []}
        k = 0
        for rep in range(self.args.reps):
            for name, vnets, pc in steps:
                log(f"A. {name} ({len(vnets)} vnets), {rep + 1} of {self.args.reps}")
                t_all, t_first, t_cmd = self.sdnd_change(vnets, k)
                k += 1
                r = self.res[name]
                r["all"].append(t_all)
                r["first"].append(t_first)
                r["cmd"].append(t_cmd)
                r["peer"].append(self.peer_change(pc))
                for i, nd in enumerate(self.nodes, 1):
                    self.verify(f"p{nd}", i, vnets, "peer")
        self.alive()
        # a node busy in the kernel for seconds still renews its lease
        for n in self.nodes:
            with open(os.path.join(self.tmp, f"{n}.log")) as f:
                if "expired; registering again" in f.read():
                    self.fail(f"the lease of {n} expired during the changes")

    def remotes(self, i):
        return [node_ip(j) for j in range(1, self.args.nodes + 1) if j != i]

    # --- B. membership ----------------------------------------------------------------------
    def phase_b(self):
        n = self.args.vnets
        last = self.nodes[-1]
        others = self.nodes[:-1]
        vnets = list(range(1, n + 1))
        path = os.path.join(self.tmp, "doc.yaml")
        with open(path, "w") as f:
            f.write(document(vnets))
        run([self.args.sdnctl, "-S", self.sock(self.nodes[0]), "apply", "-f", path, "--wait",
             "--timeout", "60"])
        self.fdbw = [FdbWatch(self.ns(o), node_ip(len(self.nodes))) for o in others]
        time.sleep(0.3)  # the monitors subscribe before anything happens
        self.res["death"], self.res["join"], self.res["leave"] = [], [], []
        ttl = self.args.ttl
        for rep in range(self.args.deaths):
            log(f"B. {last} killed (SIGKILL), {rep + 1} of {self.args.deaths}: "
                f"about {ttl} s")
            t0 = time.perf_counter()
            self.stop_node(last, signal.SIGKILL)
            self.res["death"].append(max(w.nth("del", n, t0, ttl + 30) for w in self.fdbw) - t0)
            live = range(1, len(self.nodes))
            for i, o in enumerate(others, 1):
                self.verify(o, i, vnets, f"{last} dead", live)
            log(f"B. {last} started again")
            t0 = time.perf_counter()
            self.start_node(last)
            self.res["join"].append(max(w.nth("add", n, t0, 60) for w in self.fdbw) - t0)
            self.watch.applied([last], self.config_rev(), t0, 60)
            for i, nd in enumerate(self.nodes, 1):
                self.verify(nd, i, vnets, f"{last} joined")
            log(f"B. {last} stopped (SIGTERM)")
            t0 = time.perf_counter()
            self.stop_node(last)
            self.res["leave"].append(max(w.nth("del", n, t0, ttl + 30) for w in self.fdbw) - t0)
            self.start_node(last)
            self.watch.applied([last], self.config_rev(), time.perf_counter(), 60)
        self.alive()

    # --- run --------------------------------------------------------------------------------
    def bench(self):
        self.setup()
        self.phase_a()
        self.res["rss"] = {n: proc_mem(p.pid) for n, p in self.daemons.items()}
        self.phase_b()

    def failed(self):
        log(f"daemon and etcd logs kept in {self.tmp}")
        self.args.keep = True

    def cleanup(self):
        for w in self.fdbw:
            w.stop()
        for n in list(self.daemons):
            self.stop_node(n)
        if self.watch:
            self.watch.stop()
        if self.etcd and self.etcd.poll() is None:
            self.etcd.terminate()
            self.etcd.wait()
        for ns in self.namespaces:
            run(["ip", "netns", "del", ns], check=False)
        if not self.failures and not self.args.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            log(f"logs kept in {self.tmp}")

    # --- report -----------------------------------------------------------------------------
    def report(self, header):
        a = self.args

        def ms(v):
            return f"{v * 1000:.0f} ms" if v >= 0.01 else f"{v * 1000:.1f} ms"

        def med(v):
            return statistics.median(v)

        print(header)
        print(f"etcd {self.etcd_version}; {a.nodes} nodes, {a.vnets} vnets, lease TTL {a.ttl} s; "
              f"medians of {a.reps} (A) and {a.deaths} (B), max in brackets\n")
        print("| | sdnd: every node applied | first node | `sdnctl apply --wait` | "
              "peer: ip/bridge -batch on every node at once | ratio sdnd / peer | goal |")
        print("|---|---|---|---|---|---|---|")
        for name in ("create", "add one", "remove all"):
            r = self.res[name]
            goal = "at most 1 s (a few hundred ms)" if name == "create" else ""
            print(f"| A. {name} | {ms(med(r['all']))} ({ms(max(r['all']))}) | "
                  f"{ms(med(r['first']))} | {ms(med(r['cmd']))} ({ms(max(r['cmd']))}) | "
                  f"{ms(med(r['peer']))} | {med(r['all']) / med(r['peer']):.2f} | {goal} |")
        print()
        print("| membership | median (max) | goal |")
        print("|---|---|---|")
        d = self.res["death"]
        print(f"| B. killed (SIGKILL): flooding entries gone on every other node | "
              f"{med(d):.2f} s ({max(d):.2f} s) | at most TTL + 1 s = {a.ttl + 1} s |")
        print(f"| ... beyond the lease TTL | {med(d) - a.ttl:+.2f} s ({max(d) - a.ttl:+.2f} s) "
              f"| at most +1 s |")
        j = self.res["join"]
        print(f"| B. started again: every other node floods to it | {ms(med(j))} "
              f"({ms(max(j))}) | |")
        lv = self.res["leave"]
        print(f"| B. stopped (SIGTERM): gone on every other node | {ms(med(lv))} "
              f"({ms(max(lv))}) | at once |")
        rss = self.res["rss"]
        print(f"| C. VmRSS / VmHWM per daemon ({a.vnets} vnets) | "
              f"{med([m['VmRSS'] for m in rss.values()]):.1f} / "
              f"{max(m['VmHWM'] for m in rss.values()):.1f} MiB | |")
        for f in self.failures:
            print(f"CHECK FAILED: {f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, default=5)
    ap.add_argument("--vnets", type=int, default=100)
    ap.add_argument("--reps", type=int, default=3, help="of each change in A")
    ap.add_argument("--deaths", type=int, default=2, help="kill/start/stop rounds in B")
    ap.add_argument("--ttl", type=int, default=15, help="the nodes' --lease-ttl")
    ap.add_argument("--keep", action="store_true", help="keep the logs")
    ap.add_argument("--sdnd", required=True)
    ap.add_argument("--sdnctl", required=True)
    ap.add_argument("--prefix", default=f"sdnc{os.getpid()}")
    ap.add_argument("--header", default="")
    args = ap.parse_args()
    if not 2 <= args.nodes <= 50 or not 1 <= args.vnets <= 4000 or args.reps < 1 or \
            args.deaths < 1 or not 2 <= args.ttl <= 300:
        ap.error("--nodes 2..50, --vnets 1..4000, --reps and --deaths at least 1, --ttl 2..300")
    return run_bench(Bench(args), args.header)


if __name__ == "__main__":
    sys.exit(main())
