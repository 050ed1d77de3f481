#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""sdnd firewall benchmark; run through bench/firewall.sh, which installs what is needed and
builds a Release sdnd.

The workload, for each size N (--sizes, default "1000 100"): one simple-zone vnet "web"; a
`firewall:` section with 20 security groups g0..g19 (4 rules each: tcp and udp ports, a source
ipset, a destination ipset), ipsets "big" (10 000 single IPv4 addresses, none adjacent to
another), "mgmt" (a CIDR with an exclusion), "dns" (v4 and v6), "office" (50 /24s), an alias;
N attachments tapKi0 (K = 100..) on "web", pre-generated in STATE/attachments.json as the API
keeps them, each with a MAC, learning off and a firewall: policy-in drop, macfilter, an
ipfilter list (one v4, one v6 address) and 10 rules (two group includes, the SSH and Ping
macros, accept/drop on tcp/udp ports, sources as a CIDR, +mgmt and +big, destinations as a
list). Accept/drop only: this kernel has no bridge REJECT, no bridge conntrack (sdnd falls back
to stateless filtering by itself) and no `meta ibrname` (so no vnet rules).

 1. full apply from nothing, --reps times, each in fresh namespaces: the daemon started with
    the configuration and the attachments (status firewall.last_batch_us; daemon start to the
    batch acknowledged, from the log line's timestamp; to status.json showing it), against
    `nft -f` of the script `sdnd plan --nft` prints for the same input (wall time of the nft
    process). Both namespaces are listed with `nft -j list ruleset` and must hold the same
    chains, rules (compared by their sdnd tags), sets and elements, the numbers the daemon
    reports, and no empty chain for a NIC.
 2. one attachment's rules changed: --changes PUTs of the same attachment alternating between
    two versions (one rule's port differs): PUT round trip and firewall.last_batch_us, each
    checked in the kernel with `nft -j list chain bridge sdnd in-IFNAME`; the peer: `nft -f`
    flushing and re-adding the chains that differ.
 3. one element added to / removed from the 10 000-element ipset: --changes PUT /v1/config of
    the whole document with and without one more address; `nft monitor`, during one add and
    one remove, must show exactly one element event each and nothing else; the peer: `nft -f`
    of "add element" / "delete element".
 4. nothing to do: the same attachment and the same document PUT again: no batch.
 5. the daemon's VmRSS / VmHWM after the full apply and after the changes.
Progress on stderr, the table on stdout. The run fails (exit 1) on a hang or when a check fails;
a missed goal is only reported.
"""
import argparse
import collections
import ipaddress
import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from benchlib import BenchError, pct, proc_cpu, proc_mem, run, run_bench, unix_http
from benchlib import log as _log

T_START = time.monotonic()


def log(msg):
    _log(f"[{time.monotonic() - T_START:5.1f} s] {msg}")

NODE = "bench"
VNET = "web"
N_GROUPS = 20
BIG = 10000
BIG_BASE = int(ipaddress.IPv4Address("10.64.0.0"))
CHANGED_PORT = 8080          # the rule of phase 2: dport 8080 (version 0) or 8081 (version 1)
SETTLE = 0.3                 # after a config PUT: the daemon re-reads the file it wrote (50 ms)


# --- the workload -------------------------------------------------------------------------
def big_addr(k):
    return str(ipaddress.IPv4Address(BIG_BASE + 4 * k + 1))


def config_text(extra=0):
    """The document; extra: how many more addresses the big ipset has."""
    lines = ["version: 1", f"node: {NODE}", "zones:", "  lab: {type: simple}", "vnets:",
             f"  {VNET}: {{zone: lab}}", "firewall:", "  ipsets:",
             "    big: [" + ", ".join(big_addr(k) for k in range(BIG + extra)) + "]",
             '    mgmt: [10.0.0.0/24, 192.0.2.7, "!10.0.0.13"]',
             "    dns: [10.0.0.53, 10.0.0.54, 2001:db8::53]",
             "    office: [" + ", ".join(f"172.16.{k}.0/24" for k in range(0, 100, 2)) + "]",
             "  aliases:", "    dns1: 10.0.0.53", "  groups:"]
    for g in range(N_GROUPS):
        lines += [f"    g{g}:",
                  f"      - {{dir: in, action: accept, proto: tcp, dport: {1000 + g}}}",
                  f"      - {{dir: in, action: accept, proto: udp, dport: \"{2000 + g},{3000 + g}\", "
                  f"source: +office}}",
                  f"      - {{dir: in, action: drop, proto: tcp, dport: {4000 + g}, source: +big}}",
                  "      - {dir: out, action: accept, proto: udp, dport: 53, dest: +dns}"]
    return "\n".join(lines) + "\n"


def mac_of(i):
    return "bc:24:11:%02x:%02x:%02x" % ((i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff)


def ifname_of(i):
    return f"tap{100 + i}i0"


def nic_firewall(i, version=0):
    return {
        "enable": True, "policy-in": "drop", "policy-out": "accept", "macfilter": True,
        "ipfilter": [f"10.200.{i // 250}.{i % 250 + 1}", f"2001:db8:1::{i + 1:x}"],
        "rules": [
            {"group": f"g{i % N_GROUPS}"},
            {"dir": "in", "action": "accept", "proto": "tcp", "dport": "80,443"},
            {"dir": "in", "action": "accept", "macro": "SSH", "source": "+mgmt"},
            {"dir": "in", "action": "accept", "proto": "tcp", "dport": CHANGED_PORT + version,
             "source": "+big"},
            {"dir": "in", "action": "drop", "proto": "udp", "dport": 5000 + i % 100},
            {"dir": "in", "action": "accept", "proto": "tcp", "dport": "1024:2048",
             "source": f"10.{i // 250}.{i % 250}.0/24"},
            {"dir": "in", "action": "accept", "macro": "Ping"},
            {"dir": "out", "action": "drop", "proto": "tcp", "dport": 25},
            {"dir": "out", "action": "accept", "proto": "udp", "dport": 123,
             "dest": "192.0.2.0/28, 198.51.100.1"},
            {"group": f"g{(i * 7 + 3) % N_GROUPS}"},
        ],
    }


def attachment(i, version=0):
    return {"ifname": ifname_of(i), "vnet": VNET, "mac": mac_of(i + 1), "learning": False,
            "firewall": nic_firewall(i, version)}


def write_state(d, n, changed=None):
    """STATE-DIR d with attachments.json for n attachments (changed: i of one in version 1)."""
    os.makedirs(d, exist_ok=True)
    atts = [attachment(i, 1 if i == changed else 0) for i in range(n)]
    with open(os.path.join(d, "attachments.json"), "w") as f:
        json.dump({"attachments": atts}, f)


# --- nftables ----------------------------------------------------------------------------
def nft_blocks(script):
    """{("chain"|"set"|"map", name, "bridge TABLE"): text} of an `nft list`-style script."""
    out, cur, buf, table = {}, None, [], ""
    for line in script.splitlines():
        t = re.match(r"^table (\S+ \S+) \{$", line)
        if t:
            table = t.group(1)
            continue
        m = re.match(r"^\t(chain|set|map) (\S+) \{$", line)
        if m:
            cur, buf = (m.group(1), m.group(2), table), []
        elif cur and line == "\t}":
            out[cur] = "\n".join(buf)
            cur = None
        elif cur:
            buf.append(line)
    return out


def peer_script(plan, stateless, notes):
    """What `nft -f` loads: the script `sdnd plan --nft` printed, fixed where nft 1.0.6 or this
    kernel cannot take it as printed (each fix is reported)."""
    s = plan
    if re.search(r"pkttype (!= )?otherhost", s):
        s = re.sub(r"pkttype (!= )?otherhost", r"pkttype \1other", s)
        notes.add("`sdnd plan --nft` prints `meta pkttype otherhost`, which nft cannot parse "
                  "(its name is `other`): replaced for the peer")
    if stateless and " ct state " in s:
        s = "\n".join(x for x in s.splitlines() if " ct state " not in x and
                      not x.lstrip().startswith("ct state ")) + "\n"
        notes.add("`sdnd plan --nft` prints the stateful rules (ct state) even where the "
                  "daemon falls back to stateless filtering: they were left out for the peer, "
                  "as the daemon leaves them out")
    return s


def ruleset(ns):
    """The kernel's tables in ns, summed up."""
    p = run(["ip", "netns", "exec", ns, "nft", "-j", "list", "ruleset"])
    objs = json.loads(p.stdout)["nftables"]
    chains, sets, rules_in = [], 0, collections.Counter()
    tags = collections.Counter()
    elems = 0
    for o in objs:
        if "chain" in o:
            chains.append(o["chain"]["name"])
        elif "rule" in o:
            r = o["rule"]
            rules_in[r["chain"]] += 1
            tags[(r["family"], r["chain"], r.get("comment", ""))] += 1
        elif "set" in o or "map" in o:
            s = o.get("set") or o.get("map")
            sets += 1
            elems += len(s.get("elem", []))
    return {"chains": len(chains), "rules": sum(rules_in.values()), "sets": sets,
            "elements": elems, "tags": tags,
            "empty_nic_chains": sorted(c for c in chains if rules_in[c] == 0 and
                                       re.match(r"^(in|inb|out)-", c))}


def bridge_tables(ns):
    """sdnd's bridge tables in ns: sdnd, and sdnd-1, sdnd-2... when NICs are spread over more."""
    p = run(["ip", "netns", "exec", ns, "nft", "-j", "list", "tables", "bridge"])
    return sorted((t["table"]["name"] for t in json.loads(p.stdout)["nftables"]
                   if "table" in t and re.fullmatch(r"sdnd(-[0-9]+)?", t["table"]["name"])),
                  key=lambda x: (len(x), x))


def chain_dports(ns, chain):
    """Every th dport value the rules of CHAIN in one of sdnd's bridge tables match."""
    for t in bridge_tables(ns):
        p = subprocess.run(["ip", "netns", "exec", ns, "nft", "-j", "list", "chain", "bridge",
                            t, chain], capture_output=True, text=True)
        if p.returncode == 0:
            break
    else:
        raise BenchError(f"no bridge table of sdnd's in {ns} has chain {chain}")
    ports = set()

    def walk(x):
        if isinstance(x, dict):
            m = x.get("match")
            if m and m.get("left", {}).get("payload", {}).get("field") == "dport":
                r = m.get("right")
                if isinstance(r, int):
                    ports.add(r)
                elif isinstance(r, dict) and "range" in r:
                    ports.add(tuple(r["range"]))
                elif isinstance(r, dict) and "set" in r:
                    ports.update(v if isinstance(v, int) else str(v) for v in r["set"])
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(json.loads(p.stdout))
    return ports


class Monitor:
    """`nft monitor` in a namespace, its lines collected; marks (a table added and deleted in
    family netdev) tell where each step's events start and end."""

    def __init__(self, ns):
        self.ns = ns
        self.lines = []
        self.cond = threading.Condition()
        self.p = subprocess.Popen(["ip", "netns", "exec", ns, "stdbuf", "-oL", "nft", "monitor"],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        self.t = threading.Thread(target=self.read, daemon=True)
        self.t.start()

    def read(self):
        for line in self.p.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()

    def mark(self, name, timeout, first=False):
        """Add and delete table netdev NAME until the monitor shows it; the index of its line.
        first: the monitor may still be reading the ruleset, which every change of the ruleset
        makes it start over: the mark is sent again only after 3, 6, 12... seconds."""
        end = time.monotonic() + timeout
        wait = 3.0 if first else timeout
        while True:
            run(["ip", "netns", "exec", self.ns, "nft", "add", "table", "netdev", name])
            run(["ip", "netns", "exec", self.ns, "nft", "delete", "table", "netdev", name])
            step = min(end, time.monotonic() + wait)
            wait *= 2
            with self.cond:
                while True:
                    for k, line in enumerate(self.lines):
                        if line.startswith("delete table netdev " + name):
                            return k
                    left = step - time.monotonic()
                    if left <= 0 or self.p.poll() is not None:
                        break
                    self.cond.wait(left)
            if time.monotonic() >= end or self.p.poll() is not None:
                raise BenchError(f"nft monitor in {self.ns} did not show its mark {name} "
                                 f"within {timeout} s (it exited: {self.p.poll()})")

    def events(self, a, b):
        """The lines between two marks, without the generation comments and the marks."""
        with self.cond:
            seg = self.lines[a + 1:b]
        return [x for x in seg if x and not x.startswith("#") and "sdndbmark" not in x]

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


# --- the benchmark -------------------------------------------------------------------------
class DaemonDied(BenchError):
    pass


class Bench:
    def __init__(self, args):
        self.args = args
        self.prefix = args.prefix
        self.tmp = tempfile.mkdtemp(prefix="sdnd-fw-bench.")
        self.namespaces = []
        self.daemons = []
        self.res = {}
        self.notes = set()
        self.failures = []
        self.seq = 0

    def fail(self, msg):
        log("CHECK FAILED: " + msg)
        self.failures.append(msg)

    # --- namespaces and daemons -----------------------------------------------------------
    def make_ns(self, tag):
        self.seq += 1
        ns = f"{self.prefix}{tag}{self.seq}"
        run(["ip", "netns", "add", ns])
        self.namespaces.append(ns)
        run(["ip", "-n", ns, "link", "set", "lo", "up"])
        return ns

    def del_ns(self, ns):
        run(["ip", "netns", "del", ns], check=False)
        if ns in self.namespaces:
            self.namespaces.remove(ns)

    def start_daemon(self, ns, n, name, keep_state=False):
        d = os.path.join(self.tmp, name)
        if not keep_state:
            write_state(os.path.join(d, "state"), n)
        cfg = os.path.join(d, "sdn.yaml")
        with open(cfg, "w") as f:
            f.write(self.cfg_text[0])
        dm = {"dir": d, "state": os.path.join(d, "state"), "cfg": cfg, "ns": ns, "n": n,
              "sock": os.path.join(d, "state", "sdnd.sock"), "log": os.path.join(d, "daemon.log")}
        logf = open(dm["log"], "a")
        dm["t_wall"] = time.time()
        dm["t0"] = time.perf_counter()
        dm["p"] = subprocess.Popen(["ip", "netns", "exec", ns, self.args.sdnd, "-f", "-c", cfg,
                                    "-s", dm["state"], "-n", NODE],
                                   stdout=logf, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
        logf.close()
        self.daemons.append(dm)
        return dm

    def stop_daemon(self, dm):
        p = dm.get("p")
        if p and p.poll() is None:
            p.terminate()
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if dm in self.daemons:
            self.daemons.remove(dm)

    def check_alive(self, dm, grace=1.0):
        """Raise DaemonDied if the daemon has exited (waiting up to grace seconds)."""
        try:
            rc = dm["p"].wait(grace)
        except subprocess.TimeoutExpired:
            return
        how = f"killed by {signal.Signals(-rc).name}" if rc < 0 else f"exit status {rc}"
        if dm in self.daemons:
            self.daemons.remove(dm)
        raise DaemonDied(f"sdnd died ({how}); its log: {dm['log']}")

    def restart_daemon(self, dm):
        """A daemon in the same namespace and state directory after one died; the document
        back to its first version."""
        log(f"restarting sdnd in {dm['ns']}")
        new = self.start_daemon(dm["ns"], dm["n"], os.path.basename(dm["dir"]), keep_state=True)
        self.wait_status(new, lambda s: s["firewall"]["state"] == "in-sync" and
                         s["counters"]["reconciles"] >= 1, "the firewall in sync after a restart",
                         self.args.timeout)
        self.settle(new)
        return new

    def version_of(self, dm, i):
        """Which version of attachment i the daemon keeps (its attachments.json)."""
        with open(os.path.join(dm["state"], "attachments.json")) as f:
            for a in json.load(f)["attachments"]:
                if a["ifname"] == ifname_of(i):
                    return int(a["firewall"]["rules"][3]["dport"]) - CHANGED_PORT
        raise BenchError(f"{ifname_of(i)} is not in {dm['state']}/attachments.json")

    def request(self, dm, method, path, body, ctype="application/json"):
        t0 = time.perf_counter()
        try:
            code, rbody = unix_http(dm["sock"], method, path, body, ctype=ctype)
        except (OSError, BenchError) as e:
            self.check_alive(dm)
            raise BenchError(f"{method} {path}: {e}")
        return time.perf_counter() - t0, code, rbody

    def status(self, dm):
        try:
            with open(os.path.join(dm["state"], "status.json")) as f:
                st = json.load(f)
        except (OSError, ValueError):
            return None
        return st if st.get("pid") == dm["p"].pid else None

    def wait_status(self, dm, pred, what, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if dm["p"].poll() is not None:
                self.check_alive(dm)
            st = self.status(dm)
            if st and pred(st):
                return st
            time.sleep(0.002)
        raise BenchError(f"the daemon did not show {what} within {timeout} s; see {dm['log']}")

    def settle(self, dm, quiet=0.5, timeout=60):
        """Until the daemon's reconcile counter has not moved for `quiet` seconds."""
        end = time.monotonic() + timeout
        last, since = None, time.monotonic()
        while time.monotonic() < end:
            if dm["p"].poll() is not None:
                self.check_alive(dm)
            st = self.status(dm)
            cur = st and (st["counters"]["reconciles"], st["firewall"]["batches"])
            if cur != last:
                last, since = cur, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return st
            time.sleep(0.02)
        raise BenchError(f"the daemon kept reconciling for {timeout} s; see {dm['log']}")

    def log_lines(self, dm):
        """(wall-clock seconds, message) of the daemon's log."""
        out = []
        with open(dm["log"]) as f:
            for line in f:
                m = re.match(r"^sdnd\[(\d+\.\d+)\] \w+: (.*)$", line.rstrip("\n"))
                if m:
                    out.append((float(m.group(1)), m.group(2)))
        return out

    def last_batch_line(self, dm):
        for _, msg in reversed(self.log_lines(dm)):
            m = re.search(r"firewall: (.*) changed in one batch", msg)
            if m:
                return m.group(1)
        return ""

    def put_att(self, dm, i, version):
        dt, code, rbody = self.request(dm, "PUT", f"/v1/attachments/{ifname_of(i)}",
                                       json.dumps(attachment(i, version)))
        if code not in (200, 201):
            raise BenchError(f"PUT /v1/attachments/{ifname_of(i)}: {code} {rbody[:300]!r}")
        return dt

    def put_cfg(self, dm, text):
        dt, code, rbody = self.request(dm, "PUT", "/v1/config", text, "application/yaml")
        if code != 200:
            raise BenchError(f"PUT /v1/config: {code} {rbody[:300]!r}")
        return dt

    # --- 1. full apply --------------------------------------------------------------------
    def sdnd_full(self, n):
        """The daemon started in a fresh namespace with everything; it keeps running."""
        ns = self.make_ns("s")
        dm = self.start_daemon(ns, n, os.path.basename(ns))
        st = self.wait_status(dm, lambda s: s["firewall"]["batches"] >= 1 or
                              s["firewall"]["state"] == "failed", "a first firewall batch",
                              self.args.timeout)
        t_status = time.perf_counter() - dm["t0"]
        cpu = sum(proc_cpu(dm["p"].pid))
        fw = st["firewall"]
        if fw["state"] != "in-sync":
            raise BenchError(f"the firewall is {fw['state']}: {fw.get('error')}; see {dm['log']}")
        r = {"batch_us": fw["last_batch_us"], "status": t_status, "cpu": cpu,
             "conntrack": fw["conntrack"], "fw": fw}
        for ts, msg in self.log_lines(dm):
            if "changed in one batch" in msg:
                # the line is written when the kernel has acknowledged the batch
                r["acked"] = ts - dm["t_wall"]
                break
        st = self.settle(dm)
        r["mem"] = proc_mem(dm["p"].pid)
        r["fw_settled"] = st["firewall"]
        if st["firewall"]["batches"] != 1:
            self.fail(f"{n} attachments: the daemon sent {st['firewall']['batches']} batches "
                      f"after starting instead of 1 ({self.last_batch_line(dm)})")
        return ns, dm, r

    def peer_full(self, script_path):
        ns = self.make_ns("p")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        p = run(["ip", "netns", "exec", ns, "nft", "-f", script_path], check=False)
        dt = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if p.returncode != 0:
            raise BenchError(f"nft -f {script_path} failed: {p.stderr.strip()[-1500:]}")
        return ns, {"wall": dt, "user": after.ru_utime - before.ru_utime,
                    "sys": after.ru_stime - before.ru_stime}

    def compare(self, n, sns, pns, fw):
        a, b = ruleset(sns), ruleset(pns)
        if a["empty_nic_chains"]:
            self.fail(f"{n}: {len(a['empty_nic_chains'])} NIC chains are empty in "
                      f"the daemon's kernel tables (those guests are not filtered): "
                      f"{', '.join(a['empty_nic_chains'][:8])}")
        for k in ("chains", "rules", "sets", "elements"):
            if a[k] != b[k]:
                self.fail(f"{n}: {k}: {a[k]} in sdnd's namespace, {b[k]} after "
                          f"nft -f")
            if a[k] != fw[k]:
                self.fail(f"{n}: {k}: {a[k]} in the kernel, {fw[k]} in sdnd's "
                          f"status")
        if a["tags"] != b["tags"]:
            only_a = a["tags"] - b["tags"]
            only_b = b["tags"] - a["tags"]
            ca = sorted({k[1] for k in only_a})
            cb = sorted({k[1] for k in only_b})
            self.fail(f"{n}: the rules differ between sdnd's namespace and nft -f "
                      f"of `sdnd plan --nft`: {sum(only_a.values())} only in sdnd's (chains "
                      f"{', '.join(ca[:6]) or 'none'}), {sum(only_b.values())} only in the "
                      f"peer's (chains {', '.join(cb[:6]) or 'none'})")
        return a

    def phase1(self, n, res):
        reps = self.args.reps
        stdir = os.path.join(self.tmp, f"plan{n}")
        write_state(stdir, n)
        cfg = os.path.join(stdir, "sdn.yaml")
        with open(cfg, "w") as f:
            f.write(self.cfg_text[0])
        scratch = self.make_ns("x")
        plan = run(["ip", "netns", "exec", scratch, self.args.sdnd, "plan", cfg, "-s", stdir,
                    "-n", NODE, "--nft"]).stdout
        # the peer's change scripts (phase 2): the chains that differ with one attachment changed
        i = n // 2
        stdir1 = os.path.join(self.tmp, f"plan{n}v1")
        write_state(stdir1, n, changed=i)
        plan1 = run(["ip", "netns", "exec", scratch, self.args.sdnd, "plan", cfg, "-s", stdir1,
                     "-n", NODE, "--nft"]).stdout
        self.del_ns(scratch)
        res["plan_bytes"] = len(plan)
        sdnd_r, peer_r = [], []
        script_path = None
        sns = pns = dm = None
        for rep in range(reps):
            last = rep == reps - 1
            order = ("sdnd", "peer") if rep % 2 == 0 else ("peer", "sdnd")
            for who in order:
                if who == "sdnd":
                    log(f"1. {n} attachments, run {rep + 1}/{reps}: sdnd (daemon start)")
                    sns, dm, r = self.sdnd_full(n)
                    sdnd_r.append(r)
                    if script_path is None:
                        script_path = os.path.join(self.tmp, f"peer{n}.nft")
                        with open(script_path, "w") as f:
                            f.write(peer_script(plan, not r["conntrack"], self.notes))
                        b0, b1 = nft_blocks(peer_script(plan, not r["conntrack"], set())), \
                            nft_blocks(peer_script(plan1, not r["conntrack"], set()))
                        res["peer_change"] = [self.chg_script(b0, b1), self.chg_script(b1, b0)]
                else:
                    log(f"1. {n} attachments, run {rep + 1}/{reps}: nft -f")
                    pns, r = self.peer_full(script_path)
                    peer_r.append(r)
            log(f"1. {n} attachments, run {rep + 1}/{reps}: comparing the two namespaces")
            k = self.compare(f"{n} attachments, run {rep + 1}", sns, pns,
                             sdnd_r[-1]["fw_settled"])
            res["objects"] = {x: k[x] for x in ("chains", "rules", "sets", "elements")}
            if not last:
                self.stop_daemon(dm)
                self.del_ns(sns)
                self.del_ns(pns)
        res["sdnd_full"], res["peer_full"] = sdnd_r, peer_r
        return sns, pns, dm

    @staticmethod
    def chg_script(frm, to):
        """nft -f text turning the chains of plan `frm` into those of plan `to`."""
        out = []
        for key, body in sorted(to.items()):
            if key[0] == "chain" and frm.get(key) != body:
                out.append(f"flush chain {key[2]} {key[1]}")
                out.append(f"table {key[2]} {{\n\tchain {key[1]} {{\n{body}\n\t}}\n}}")
        return "\n".join(out) + "\n"

    # --- 2. one attachment changed ----------------------------------------------------------
    def phase2(self, n, dm, pns, res):
        i = n // 2
        name = ifname_of(i)
        log(f"2. {n} attachments: {self.args.changes} PUTs of {name}, rules alternating")
        st = self.settle(dm)
        batches = st["firewall"]["batches"]
        lat, bus, kus = [], [], []
        res["chg_put"], res["chg_batch"], res["chg_kernel"] = lat, bus, kus
        v0 = self.version_of(dm, i)
        for k in range(self.args.changes):
            v = (v0 + k + 1) % 2
            lat.append(self.put_att(dm, i, v))
            st = self.wait_status(dm, lambda s: s["firewall"]["batches"] > batches,
                                  "the batch of the PUT", 10)
            bus.append(st["firewall"]["last_batch_us"] / 1000.0)
            kus.append(st["firewall"]["last_kernel_us"] / 1000.0)
            if st["firewall"]["state"] != "in-sync":
                self.fail(f"{n} attachments: firewall {st['firewall']['state']} after PUT "
                          f"{name}: {st['firewall'].get('error')}")
            ports = chain_dports(dm["ns"], f"in-{name}")
            if CHANGED_PORT + v not in ports or CHANGED_PORT + 1 - v in ports:
                self.fail(f"{n} attachments: after PUT {name} version {v}, chain in-{name} "
                          f"matches ports {sorted(map(str, ports))}: expected "
                          f"{CHANGED_PORT + v}, not {CHANGED_PORT + 1 - v}")
            st = self.settle(dm, quiet=0.1)
            if st["firewall"]["batches"] != batches + 1:
                self.fail(f"{n} attachments: PUT {name} made {st['firewall']['batches'] - batches} "
                          f"batches, not 1 (last: {self.last_batch_line(dm)})")
            batches = st["firewall"]["batches"]
        res["chg_what"] = self.last_batch_line(dm)
        # the peer: the same change with nft -f
        paths = []
        for k, text in enumerate(res["peer_change"]):
            p = os.path.join(self.tmp, f"peerchg{n}-{k}.nft")
            with open(p, "w") as f:
                f.write(text)
            paths.append(p)
        plat = []
        for k in range(self.args.peer_changes):
            t0 = time.perf_counter()
            run(["ip", "netns", "exec", pns, "nft", "-f", paths[k % 2]])
            plat.append(time.perf_counter() - t0)
        if self.args.peer_changes % 2:
            run(["ip", "netns", "exec", pns, "nft", "-f", paths[1]])
        res["peer_chg"] = plat
        res["peer_chg_chains"] = res["peer_change"][0].count("flush chain")

    # --- 3. one ipset element -------------------------------------------------------------
    def phase3(self, n, dm, pns, res):
        log(f"3. {n} attachments: {self.args.changes} PUT /v1/config, one element of the "
            f"{BIG}-element ipset added / removed")
        st = self.settle(dm)
        batches, elems = st["firewall"]["batches"], st["firewall"]["elements"]
        lat, bus, kus = [], [], []
        res["el_put"], res["el_batch"], res["el_kernel"] = lat, bus, kus
        # every bridge table has its copy of the ipset
        tables = bridge_tables(dm["ns"])
        res["el_tables"] = len(tables)
        for k in range(self.args.changes):
            extra = (k + 1) % 2
            lat.append(self.put_cfg(dm, self.cfg_text[extra]))
            time.sleep(SETTLE)
            st = self.settle(dm, quiet=0.1)
            fw = st["firewall"]
            if fw["batches"] != batches + 1:
                self.fail(f"{n} attachments: adding/removing one ipset element made "
                          f"{fw['batches'] - batches} batches, not 1 (last: "
                          f"{self.last_batch_line(dm)})")
            if fw["elements"] != elems + extra * len(tables):
                self.fail(f"{n} attachments: status shows {fw['elements']} elements, expected "
                          f"{elems + extra * len(tables)}")
            batches = fw["batches"]
            bus.append(fw["last_batch_us"] / 1000.0)
            kus.append(fw["last_kernel_us"] / 1000.0)
            if k == 0:
                res["elem_what"] = self.last_batch_line(dm)

        # nft monitor during one add and one remove
        log(f"3. {n} attachments: nft monitor during one add and one remove (it first reads "
            f"the whole ruleset)")
        mon = Monitor(dm["ns"])
        try:
            t0 = time.perf_counter()
            a = mon.mark("sdndbmarka", 180, first=True)
            res["mon_start"] = time.perf_counter() - t0
            self.put_cfg(dm, self.cfg_text[1])
            time.sleep(SETTLE)
            b = mon.mark("sdndbmarkb", 60)
            self.put_cfg(dm, self.cfg_text[0])
            time.sleep(SETTLE)
            c = mon.mark("sdndbmarkc", 60)
            ev_add, ev_del = mon.events(a, b), mon.events(b, c)
        finally:
            mon.stop()
        addr = big_addr(BIG)
        for what, ev, verb in (("add", ev_add, "add"), ("remove", ev_del, "delete")):
            want = sorted(f"{verb} element bridge {t} ipset-big-v4 {{ {addr} }}" for t in tables)
            if sorted(ev) != want:
                self.fail(f"{n} attachments: nft monitor during one ipset element {what}: "
                          f"expected {want}, saw {len(ev)} events: {ev[:4]}")
        res["mon"] = (ev_add, ev_del)
        log(f"3. {n} attachments: nft monitor was ready after {res['mon_start']:.1f} s")
        self.settle(dm)
        # the peer
        plat = []
        for k in range(self.args.peer_changes):
            verb = "add" if k % 2 == 0 else "delete"
            p = os.path.join(self.tmp, "peerel.nft")
            with open(p, "w") as f:
                for t in tables:
                    f.write(f"{verb} element bridge {t} ipset-big-v4 {{ {addr} }}\n")
            t0 = time.perf_counter()
            run(["ip", "netns", "exec", pns, "nft", "-f", p])
            plat.append(time.perf_counter() - t0)
        if self.args.peer_changes % 2:
            for t in tables:
                run(["ip", "netns", "exec", pns, "nft", "delete", "element", "bridge", t,
                     "ipset-big-v4", "{", addr, "}"])
        res["peer_el"] = plat

    # --- 4. nothing to do -------------------------------------------------------------------
    def phase4(self, n, dm, res):
        log(f"4. {n} attachments: the same attachment and the same document again")
        i = n // 2
        st = self.settle(dm)
        batches = st["firewall"]["batches"]
        att, doc = [], []
        for _ in range(5):
            att.append(self.put_att(dm, i, self.version_of(dm, i)))
        for _ in range(5):
            doc.append(self.put_cfg(dm, self.cfg_text[0]))
            time.sleep(SETTLE)
        st = self.settle(dm)
        res["idle_att"], res["idle_doc"] = att, doc
        res["idle_batches"] = st["firewall"]["batches"] - batches
        if res["idle_batches"]:
            self.fail(f"{n} attachments: PUTs that change nothing made {res['idle_batches']} "
                      f"batches (last: {self.last_batch_line(dm)})")

    # --- all of it for one size ----------------------------------------------------------------
    def size(self, n):
        """Everything for n attachments. A phase that fails is reported and the next one runs
        (with a new daemon if the old one died)."""
        res = self.res.setdefault(n, {})
        res["doc_bytes"] = len(self.cfg_text[0])
        try:
            sns, pns, dm = self.phase1(n, res)
        except BenchError as e:
            self.fail(f"{n} attachments, full apply: {e}")
            for d in list(self.daemons):
                self.stop_daemon(d)
            for ns in list(self.namespaces):
                self.del_ns(ns)
            return
        for what, fn in (("2. one attachment changed", lambda d: self.phase2(n, d, pns, res)),
                         ("3. one ipset element", lambda d: self.phase3(n, d, pns, res)),
                         ("4. nothing to do", lambda d: self.phase4(n, d, res))):
            try:
                fn(dm)
            except DaemonDied as e:
                self.fail(f"{n} attachments, {what}: {e}")
                with open(dm["cfg"], "w") as f:
                    f.write(self.cfg_text[0])
                dm = self.restart_daemon(dm)
            except BenchError as e:
                self.fail(f"{n} attachments, {what}: {e}")
        res["mem_after"] = proc_mem(dm["p"].pid)
        self.stop_daemon(dm)
        self.del_ns(sns)
        self.del_ns(pns)

    def bench(self):
        self.cfg_text = (config_text(0), config_text(1))
        for n in self.args.sizes:
            self.size(n)

    def failed(self):
        """After a failure: the checks that failed before it."""
        for x in self.failures:
            print(f"CHECK FAILED: {x}", flush=True)

    def cleanup(self):
        for dm in list(self.daemons):
            self.stop_daemon(dm)
        for ns in list(self.namespaces):
            self.del_ns(ns)
        if not self.failures and not self.args.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            log(f"daemon logs and scripts kept in {self.tmp}")

    # --- report -----------------------------------------------------------------------------
    def report(self, header):
        sizes = self.args.sizes
        lines = [header, ""]
        W = 24

        def row(label, vals, info=""):
            lines.append(f"{label:<58}" + "".join(f"{v:>{W}}" for v in vals) +
                         (f"   {info}" if info else ""))

        def each(f):
            out = []
            for n in sizes:
                try:
                    out.append(f(self.res[n]))
                except (KeyError, ValueError, ZeroDivisionError, statistics.StatisticsError):
                    out.append("-")
            return out

        med = statistics.median

        def ms(v):
            return f"{v:.1f}" if v >= 10 else f"{v:.2f}"

        def secs(v):
            return f"{v:.2f} s" if v >= 1 else f"{v * 1000:.0f} ms"

        def brief(what):
            """"0 tables, 0 chains, 100 rules, 0 sets, 0 elements" -> "100 rules"."""
            return ", ".join(x for x in what.split(", ") if not x.startswith("0 ")) or "nothing"

        def p5090(v):
            return f"{ms(pct(v, 50))} / {ms(pct(v, 90))} ms"

        r0 = self.res[sizes[0]]
        lines.append(f"workload: {N_GROUPS} groups of 4 rules; ipsets big ({BIG} /32), mgmt, dns, "
                     f"office (50 /24); per attachment a MAC, an ipfilter list and 10 rules; "
                     f"YAML document {r0.get('doc_bytes', 0) // 1024} KiB")
        row("", [f"{n} attachments" for n in sizes])
        row("   kernel objects: chains / rules", each(lambda r: f"{r['objects']['chains']} / "
                                                    f"{r['objects']['rules']}"))
        row("   ... sets / elements", each(lambda r: f"{r['objects']['sets']} / "
                                           f"{r['objects']['elements']}"))
        lines.append(f"1. full apply from nothing, median of {self.args.reps} (fresh namespaces)")
        row("   sdnd: firewall.last_batch_us", each(lambda r: secs(med(
            x["batch_us"] / 1e6 for x in r["sdnd_full"]))), "compile+diff+encode+send+ack")
        row("   ... connection tracking", each(lambda r: "yes" if r["sdnd_full"][0]["conntrack"]
                                           else "no (stateless)"))
        row("   sdnd: daemon start -> batch acknowledged", each(lambda r: secs(med(
            x["acked"] for x in r["sdnd_full"]))), "the log line's time")
        row("   sdnd: daemon start -> status.json shows it", each(lambda r: secs(med(
            x["status"] for x in r["sdnd_full"]))))
        row("   sdnd: daemon CPU (user+sys) until then", each(lambda r: secs(med(
            x["cpu"] for x in r["sdnd_full"]))))
        row("   nft -f of `sdnd plan --nft`: wall", each(lambda r: secs(med(
            x["wall"] for x in r["peer_full"]))), "the nft process, in another namespace")
        row("   ... CPU user / sys", each(lambda r: f"{med(x['user'] for x in r['peer_full']):.2f}"
                                           f" / {med(x['sys'] for x in r['peer_full']):.2f} s"))
        row("   ratio sdnd last_batch_us / nft -f", each(lambda r: f"{med(x['batch_us'] / 1e6 for x in r['sdnd_full']) / med(x['wall'] for x in r['peer_full']):.2f}"),
            "goal: at most 1")
        row("   ratio sdnd, start -> acknowledged / nft -f", each(lambda r: f"{med(x['acked'] for x in r['sdnd_full']) / med(x['wall'] for x in r['peer_full']):.2f}"))
        lines.append(f"2. one attachment's rules changed: {self.args.changes} PUTs, p50 / p90")
        row("   PUT /v1/attachments/X round trip", each(lambda r: p5090([x * 1000 for x in r["chg_put"]])))
        row("   firewall.last_batch_us", each(lambda r: p5090(r["chg_batch"])), "goal: at most 5 ms")
        row("   ... of which the kernel (last_kernel_us)", each(lambda r: p5090(r["chg_kernel"])),
            "sending the batch until the kernel's acks")
        row("   ... sdnd's own share", each(lambda r: p5090([b - k for b, k in zip(r["chg_batch"], r["chg_kernel"])])),
            "compile, compare, encode")
        row("   ... what the batch changed (daemon log)", each(lambda r: brief(r["chg_what"])))
        row("   nft -f of the same change: wall, p50 / p90",
            each(lambda r: p5090([x * 1000 for x in r["peer_chg"]])),
            "flush + re-add the chains that differ")
        lines.append(f"3. one element added to / removed from the {BIG}-element ipset: "
                     f"{self.args.changes} PUT /v1/config, p50 / p90")
        row("   PUT /v1/config round trip (parses the whole document)",
            each(lambda r: p5090([x * 1000 for x in r["el_put"]])))
        row("   firewall.last_batch_us", each(lambda r: p5090(r["el_batch"])), "goal: at most 5 ms")
        row("   ... of which the kernel (last_kernel_us)", each(lambda r: p5090(r["el_kernel"])))
        row("   ... what the batch changed (daemon log)", each(lambda r: brief(r["elem_what"])))
        row("   bridge tables holding the ipset", each(lambda r: str(r["el_tables"])),
            "NICs spread by the default firewall.nics-per-table")
        row("   nft monitor: events for one add / one remove",
            each(lambda r: f"{len(r['mon'][0])} / {len(r['mon'][1])}"), "expected: one per table")
        row("   nft -f add / delete element: wall, p50 / p90",
            each(lambda r: p5090([x * 1000 for x in r["peer_el"]])))
        lines.append("4. nothing to do (5 PUTs each), p50")
        row("   the same attachment again: PUT round trip", each(lambda r: f"{ms(med(r['idle_att']) * 1000)} ms"))
        row("   the same document again: PUT round trip", each(lambda r: f"{ms(med(r['idle_doc']) * 1000)} ms"))
        row("   batches sent", each(lambda r: str(r["idle_batches"])), "expected: 0")
        lines.append("5. daemon memory, VmRSS / VmHWM")
        row("   after the full apply", each(lambda r: f"{r['sdnd_full'][-1]['mem']['VmRSS']:.1f} / "
                                            f"{r['sdnd_full'][-1]['mem']['VmHWM']:.1f} MiB"))
        row("   after the changes", each(lambda r: f"{r['mem_after']['VmRSS']:.1f} / "
                                         f"{r['mem_after']['VmHWM']:.1f} MiB"))
        if self.notes:
            lines.append("")
            lines.extend("note: " + x for x in sorted(self.notes))
        if self.failures:
            lines.append("")
            lines.extend("CHECK FAILED: " + x for x in self.failures)
        print("\n".join(lines), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000 100", help="numbers of attachments")
    ap.add_argument("--reps", type=int, default=3, help="full applies per size")
    ap.add_argument("--changes", type=int, default=24, help="changes per size (phases 2, 3)")
    ap.add_argument("--peer-changes", type=int, default=10, help="nft -f changes (phases 2, 3)")
    ap.add_argument("--timeout", type=int, default=300, help="seconds for a full apply")
    ap.add_argument("--keep", action="store_true", help="keep the daemons' logs")
    ap.add_argument("--sdnd", required=True)
    ap.add_argument("--prefix", default=f"sdnf{os.getpid()}")
    ap.add_argument("--header", default="")
    args = ap.parse_args()
    try:
        args.sizes = [int(x) for x in args.sizes.split()]
    except ValueError:
        ap.error("--sizes: numbers, e.g. \"1000 100\"")
    if not args.sizes or any(not 2 <= x <= 5000 for x in args.sizes) or args.reps < 1 or \
            args.changes < 2 or args.peer_changes < 1:
        ap.error("--sizes: 2..5000 each, --reps: at least 1, --changes: at least 2")

    return run_bench(Bench(args), args.header)


if __name__ == "__main__":
    sys.exit(main())
