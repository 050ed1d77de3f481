#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""sdnd benchmarks; run through bench/run.sh, which installs what is needed and builds.

For each N (number of vxlan vnets: bridge vK + vxlan_vK (VNI K) + two remote FDB entries):
 1. cold apply: `sdnd apply --once` vs `ip -batch` + `bridge -batch` of the equivalent commands,
    each in a fresh namespace, both verified against the kernel afterwards;
 2. no-change reload (`sdnd apply --once` again) and the daemon's periodic full resync
    (status.json "last_resync_us", daemon started with -r 1);
 3. repair latency of a deleted bridge (bench/repair.c), daemon at its default resync interval;
 4. the daemon's VmRSS / VmHWM.
Everything runs in network namespaces named PREFIX*, removed on exit. Progress goes to stderr,
the result table to stdout.
"""
import argparse
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import BenchError, log, pct, run, run_bench

PEERS = ["192.0.2.1", "192.0.2.2", "192.0.2.3"]
LOCAL, REMOTES = PEERS[0], PEERS[1:]
MTU = 1450
NODE = "bench"

GOAL_RESYNC_MS = 50       # at 1000 vnets
GOAL_REPAIR_P99_MS = 100
GOAL_RSS_MIB = 32         # at 1000 vnets


def timed(cmd, stdout=None, stderr=None):
    """Run cmd; return (returncode, wall seconds, CPU seconds of the children)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=stdout or subprocess.DEVNULL, stderr=stderr or subprocess.DEVNULL)
    t1 = time.perf_counter()
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return p.returncode, t1 - t0, cpu


class Bench:
    def __init__(self, args, sizes):
        self.args = args
        self.sizes = sizes                    # the numbers of vnets to measure
        self.prefix = args.prefix
        self.ul = self.prefix + "ul"          # holds the far ends of every eth0 (teardown witness)
        self.tmp = tempfile.mkdtemp(prefix="sdnd-bench.")
        self.namespaces = []
        self.witness = {}                     # namespace -> its veth end in self.ul
        self.daemons = []
        self.results = {}
        self.notes = []

    def bench(self):
        """Every size in turn (run_bench calls it)."""
        self.setup()
        for n in self.sizes:
            self.bench_n(n)

    def failed(self):
        """After a failure: keep the logs."""
        print(f"(logs kept in {self.tmp}.failed)", file=sys.stderr)
        subprocess.run(["cp", "-r", self.tmp, self.tmp + ".failed"])

    # --- namespaces ---------------------------------------------------------------------
    def setup(self):
        run(["ip", "netns", "add", self.ul])
        self.namespaces.append(self.ul)
        run(["ip", "-n", self.ul, "link", "set", "lo", "up"])

    def make_ns(self, tag):
        """A fresh namespace with lo up and eth0 = 192.0.2.1/24 (a veth to the underlay ns)."""
        ns, wit = self.prefix + tag, "w" + tag
        run(["ip", "netns", "add", ns])
        self.namespaces.append(ns)
        self.witness[ns] = wit
        run(["ip", "-n", ns, "link", "set", "lo", "up"])
        run(["ip", "-n", self.ul, "link", "add", wit, "type", "veth", "peer", "name", "eth0",
             "netns", ns])
        run(["ip", "-n", ns, "addr", "add", f"{LOCAL}/24", "dev", "eth0"])
        run(["ip", "-n", ns, "link", "set", "eth0", "up"])
        run(["ip", "-n", self.ul, "link", "set", wit, "up"])
        return ns

    def destroy(self, names, deadline_s=300):
        """Delete namespaces and wait until the kernel has torn them down: their eth0 goes with
        them, and with it its veth peer in the underlay namespace. Until then the kernel holds
        RTNL, which would stall every later measurement."""
        t0 = time.monotonic()
        wits = [self.witness[n] for n in names if n in self.witness]
        for ns in names:
            if ns in self.namespaces:
                run(["ip", "netns", "del", ns], check=False)
                self.namespaces.remove(ns)
        while wits and time.monotonic() - t0 < deadline_s:
            out = run(["ip", "-n", self.ul, "-o", "link", "show"], check=False).stdout
            present = {m.group(1) for m in re.finditer(r"^\d+: ([^:@]+)", out, re.M)}
            wits = [w for w in wits if w in present]
            if wits:
                time.sleep(0.1)
        if wits:
            log(f"warning: the kernel still tears down {names} after {deadline_s} s")
        return time.monotonic() - t0

    def cleanup(self):
        for p in self.daemons:
            self.stop_daemon(p)
        rest = [n for n in self.namespaces if n != self.ul]
        if rest:
            log(f"removing namespaces {' '.join(rest)} (waiting for the kernel to tear them down)")
            self.destroy(rest)
        if self.ul in self.namespaces:
            run(["ip", "netns", "del", self.ul], check=False)
            self.namespaces.remove(self.ul)
        subprocess.run(["rm", "-rf", self.tmp])

    # --- files ------------------------------------------------------------------------------
    def write_config(self, n):
        path = os.path.join(self.tmp, f"sdn-{n}.yaml")
        with open(path, "w") as f:
            f.write("version: 1\nzones:\n  lab:\n    type: vxlan\n")
            f.write(f"    peers: [{', '.join(PEERS)}]\n    mtu: {MTU}\nvnets:\n")
            for k in range(1, n + 1):
                f.write(f"  v{k}: {{zone: lab, tag: {k}}}\n")
        return path

    def write_peer_batches(self, n):
        ipf = os.path.join(self.tmp, f"peer-{n}.ip")
        brf = os.path.join(self.tmp, f"peer-{n}.bridge")
        with open(ipf, "w") as f:
            for k in range(1, n + 1):
                f.write(f"link add v{k} mtu {MTU} type bridge stp_state 0 forward_delay 0\n"
                        f"link add vxlan_v{k} mtu {MTU} type vxlan id {k} dstport 4789 "
                        f"local {LOCAL} nolearning\n"
                        f"link set vxlan_v{k} master v{k} mtu {MTU} up\n"
                        f"link set v{k} up\n")
        with open(brf, "w") as f:
            for k in range(1, n + 1):
                for d in REMOTES:
                    f.write(f"fdb append 00:00:00:00:00:00 dev vxlan_v{k} dst {d} self permanent\n")
        return ipf, brf

    # --- checks -----------------------------------------------------------------------------
    def verify(self, ns, n, who):
        """The namespace must hold exactly the N vnets: fail loudly otherwise."""
        links = json.loads(run(["ip", "-n", ns, "-j", "-d", "link", "show"]).stdout)
        fdb = json.loads(run(["bridge", "-n", ns, "-j", "fdb", "show"]).stdout)
        bridges = {l["ifname"]: l for l in links
                   if l.get("linkinfo", {}).get("info_kind") == "bridge"}
        vxlans = {l["ifname"]: l for l in links
                  if l.get("linkinfo", {}).get("info_kind") == "vxlan"}
        dsts = {(e["ifname"], e["dst"]) for e in fdb
                if e.get("mac") == "00:00:00:00:00:00" and "dst" in e}
        errs = []
        if len(bridges) != n:
            errs.append(f"{len(bridges)} bridges, expected {n}")
        if len(vxlans) != n:
            errs.append(f"{len(vxlans)} vxlan devices, expected {n}")
        if len(dsts) != 2 * n:
            errs.append(f"{len(dsts)} FDB dst entries, expected {2 * n}")
        for k in range(1, n + 1):
            b, v = bridges.get(f"v{k}"), vxlans.get(f"vxlan_v{k}")
            if not b or not v:
                errs.append(f"vnet v{k}: bridge or vxlan device missing")
            else:
                vd = v["linkinfo"].get("info_data", {})
                bd = b["linkinfo"].get("info_data", {})
                if v.get("master") != f"v{k}":
                    errs.append(f"vxlan_v{k}: master {v.get('master')}, expected v{k}")
                if "UP" not in b["flags"] or "UP" not in v["flags"]:
                    errs.append(f"vnet v{k}: not up")
                if b["mtu"] != MTU or v["mtu"] != MTU:
                    errs.append(f"vnet v{k}: mtu {b['mtu']}/{v['mtu']}, expected {MTU}")
                if vd.get("id") != k or vd.get("port") != 4789 or vd.get("local") != LOCAL \
                        or vd.get("learning") is not False:
                    errs.append(f"vxlan_v{k}: {vd}")
                if bd.get("stp_state") != 0 or bd.get("forward_delay") != 0:
                    errs.append(f"v{k}: stp_state {bd.get('stp_state')} "
                                f"forward_delay {bd.get('forward_delay')}")
            for d in REMOTES:
                if (f"vxlan_v{k}", d) not in dsts:
                    errs.append(f"vxlan_v{k}: no FDB entry to {d}")
            if len(errs) > 10:
                break
        if errs:
            raise BenchError(f"{who} at N={n}: the namespace is not what it should be:\n  "
                             + "\n  ".join(errs[:10]))
        log(f"{who}: verified {n} bridges, {n} vxlan devices (enslaved, up, mtu {MTU}), "
            f"{2 * n} FDB dst entries")

    # --- the daemon -------------------------------------------------------------------------
    def start_daemon(self, ns, cfg, state, logname, extra):
        logf = open(os.path.join(self.tmp, logname), "w")
        p = subprocess.Popen(["ip", "netns", "exec", ns, self.args.sdnd, "-f", "-c", cfg, "-s",
                              state, "-n", NODE] + extra,
                             stdout=logf, stderr=subprocess.STDOUT)
        logf.close()
        self.daemons.append(p)
        return p

    def stop_daemon(self, p):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if p in self.daemons:
            self.daemons.remove(p)

    @staticmethod
    def status(state):
        try:
            with open(os.path.join(state, "status.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    @staticmethod
    def in_sync(st, pid):
        return st is not None and st.get("pid") == pid and st.get("objects") and \
            st["summary"]["pending"] == 0 and st["summary"]["failed"] == 0

    def wait_sync(self, p, state, timeout=60):
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if p.poll() is not None:
                raise BenchError(f"sdnd exited with {p.returncode}; see its log")
            st = self.status(state)
            if self.in_sync(st, p.pid):
                return time.monotonic() - t0
            time.sleep(0.02)
        raise BenchError(f"the daemon did not report everything in sync within {timeout} s "
                         f"(summary {st and st.get('summary')})")

    def reconciles(self, state):
        st = self.status(state)
        return st.get("counters", {}).get("reconciles", 0) if st else 0

    def wait_quiet(self, p, state, before, quiet_ms=30, timeout=10):
        """Until the daemon has reconciled since its counter read `before`, reports everything
        in sync and has not written status.json for quiet_ms: it is idle again."""
        path = os.path.join(state, "status.json")
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if p.poll() is not None:
                raise BenchError(f"sdnd exited with {p.returncode} after a repair")
            st = self.status(state)
            try:
                mt = os.stat(path).st_mtime_ns
            except OSError:
                mt = time.time_ns()
            if st and st.get("counters", {}).get("reconciles", 0) > before and \
                    time.time_ns() - mt >= quiet_ms * 1_000_000 and self.in_sync(st, p.pid):
                return
            time.sleep(0.005)
        raise BenchError("the daemon did not settle after a repair")

    @staticmethod
    def proc_status(p):
        vals = {}
        if p.poll() is None:
            with open(f"/proc/{p.pid}/status") as f:
                for line in f:
                    k, _, v = line.partition(":")
                    if k in ("VmRSS", "VmHWM"):
                        vals[k] = int(v.split()[0]) / 1024.0
        if len(vals) != 2:
            raise BenchError(f"sdnd (pid {p.pid}) is not running any more")
        return vals

    @staticmethod
    def proc_cpu(pid):
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    # --- one N ------------------------------------------------------------------------------
    def bench_n(self, n):
        res = self.results.setdefault(n, {})
        cfg = self.write_config(n)
        ipf, brf = self.write_peer_batches(n)
        sdnd = self.args.sdnd

        # 1. cold apply, peer then sdnd, each in its own fresh namespace
        log(f"N={n}: cold apply, ip -batch + bridge -batch")
        pns = self.make_ns(f"p{n}")
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        rc1 = subprocess.run(["ip", "netns", "exec", pns, "ip", "-batch", ipf]).returncode
        rc2 = subprocess.run(["ip", "netns", "exec", pns, "bridge", "-batch", brf]).returncode
        t1 = time.perf_counter()
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        if rc1 or rc2:
            raise BenchError(f"the peer's batch failed (ip {rc1}, bridge {rc2})")
        res["peer_cold"] = t1 - t0
        res["peer_cold_cpu"] = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        self.verify(pns, n, "peer")

        log(f"N={n}: cold apply, sdnd apply --once")
        sns = self.make_ns(f"s{n}")
        state = os.path.join(self.tmp, f"state-{n}")
        out_path = os.path.join(self.tmp, f"apply-{n}.out")
        with open(out_path, "w") as out, open(os.path.join(self.tmp, f"apply-{n}.log"), "w") as err:
            rc, wall, cpu = timed(["ip", "netns", "exec", sns, sdnd, "apply", "--once", cfg,
                                   "-s", state, "-n", NODE], stdout=out, stderr=err)
        summary = open(out_path).read().strip().splitlines()
        summary = summary[-1] if summary else ""
        if rc != 0:
            raise BenchError(f"sdnd apply --once exited {rc}: {summary}")
        res["sdnd_cold"], res["sdnd_cold_cpu"] = wall, cpu
        self.verify(sns, n, "sdnd")
        m = re.match(r"(\d+) changes?, (\d+) objects, (\d+) not in sync", summary)
        if m:
            res["changes"], res["objects"] = int(m.group(1)), int(m.group(2))
            if res["changes"] != 4 * n or res["objects"] != 4 * n:
                self.notes.append(
                    f"N={n}: the cold `sdnd apply --once` reported \"{summary}\"; the "
                    f"{4 * n} objects need exactly {4 * n} changes")

        # 2a. no-change reload, whole command, same namespace
        log(f"N={n}: no-change reload, sdnd apply --once x{self.args.reloads}")
        reloads = []
        for _ in range(self.args.reloads):
            with open(out_path, "w") as out:
                rc, wall, _ = timed(["ip", "netns", "exec", sns, sdnd, "apply", "--once", cfg,
                                     "-s", state, "-n", NODE], stdout=out)
            summary = open(out_path).read().strip().splitlines()[-1:]
            if rc != 0 or not summary or not summary[0].startswith("0 changes"):
                raise BenchError(f"the no-change reload changed something: rc {rc}, {summary}")
            reloads.append(wall)
        res["reload"] = statistics.median(reloads)

        # 2b. the daemon's periodic full resync, 4. its memory
        log(f"N={n}: daemon with -r 1, sampling {self.args.resyncs} periodic resyncs")
        p = self.start_daemon(sns, cfg, state, f"daemon-r1-{n}.log", ["-r", "1"])
        self.wait_sync(p, state)
        samples, cpu, seen, missing = [], [], None, False
        t0 = time.monotonic()
        while len(samples) < self.args.resyncs and \
                time.monotonic() - t0 < self.args.resyncs * 3 + 5:
            if p.poll() is not None:
                raise BenchError(f"sdnd exited with {p.returncode} during the resyncs")
            st = self.status(state)
            if st and st.get("pid") == p.pid:
                n_resyncs = st.get("counters", {}).get("resyncs")
                if seen is None:
                    seen = n_resyncs
                elif n_resyncs != seen:
                    seen = n_resyncs
                    if "last_resync_us" not in st:
                        missing = True
                        break
                    samples.append(st["last_resync_us"] / 1000.0)
                    cpu.append(self.proc_cpu(p.pid))
                    if not self.in_sync(st, p.pid):
                        raise BenchError("the daemon reports objects out of sync after a resync")
            time.sleep(0.02)
        if missing:
            res["resync"] = None
            self.notes.append("status.json has no \"last_resync_us\": the daemon's resync time "
                              "was not measured")
        elif samples:
            res["resync"] = samples
            if len(cpu) > 1:
                res["resync_cpu"] = (cpu[-1] - cpu[0]) / (len(cpu) - 1) * 1000.0
        else:
            raise BenchError("no periodic resync seen with -r 1")
        res["mem"] = self.proc_status(p)
        self.stop_daemon(p)

        # 3. repair latency, daemon at its default resync interval
        log(f"N={n}: repair latency, {self.args.repairs} deleted bridges")
        p = self.start_daemon(sns, cfg, state, f"daemon-{n}.log", [])
        self.wait_sync(p, state)
        rng = random.Random(self.args.seed + n)
        rows = []
        for i in range(self.args.repairs):
            k = rng.randint(1, n)
            before = self.reconciles(state)
            r = run(["ip", "netns", "exec", sns, self.args.repair, f"v{k}", f"vxlan_v{k}"]
                    + REMOTES + ["-t", "10000"], check=False)
            if r.returncode != 0 or p.poll() is not None:
                raise BenchError(f"repair of v{k} (iteration {i + 1}): {r.stderr.strip()}")
            rows.append([int(x) / 1000.0 for x in r.stdout.split()])
            self.wait_quiet(p, state, before)
        res["repair_req"] = [r[0] for r in rows]
        res["repair_notif"] = [r[1] for r in rows]
        res["delete_syscall"] = [r[2] for r in rows]
        res["mem_repair"] = self.proc_status(p)
        self.stop_daemon(p)
        self.verify(sns, n, "sdnd after the repairs")

        log(f"N={n}: tearing the namespaces down")
        res["teardown"] = self.destroy([pns, sns])

    # --- report -----------------------------------------------------------------------------
    def report(self, header):
        ns = sorted(self.results)
        cw = 22
        lines = [header, ""]

        def row(label, cells, goal=""):
            lines.append(f"{label:<44}" + "".join(f"{c:>{cw}}" for c in cells) + f"   {goal}")

        def verdict(ok):
            return "ok" if ok else "MISSED"

        row("", [f"N={n}" for n in ns], "goal")
        row("", ["-" * 18 for _ in ns], "----")
        lines.append("1. cold apply, fresh namespace (wall [CPU])")
        row("   sdnd apply --once",
            [f"{self.results[n]['sdnd_cold']:.3f} s [{self.results[n]['sdnd_cold_cpu']:.2f}]"
             for n in ns])
        row("   ip -batch + bridge -batch (peer)",
            [f"{self.results[n]['peer_cold']:.3f} s [{self.results[n]['peer_cold_cpu']:.2f}]"
             for n in ns])
        row("   ratio sdnd / peer (wall)",
            [f"{self.results[n]['sdnd_cold'] / self.results[n]['peer_cold']:.2f}" for n in ns],
            "report (lower is better)")
        row("   changes reported by sdnd (4 per vnet)",
            [f"{self.results[n].get('changes', '?')} / {4 * n}" for n in ns])
        lines.append("2. no-change reload")
        row("   sdnd apply --once, whole command (median)",
            [f"{self.results[n]['reload'] * 1000:.1f} ms" for n in ns])
        cells, goal = [], f"<= {GOAL_RESYNC_MS} ms at 1000"
        for n in ns:
            s = self.results[n].get("resync")
            if s is None:
                cells.append("n/a (no field)")
            else:
                cells.append(f"{statistics.median(s):.1f} ms (max {max(s):.1f})")
                if n == 1000:
                    goal += "  " + verdict(max(s) <= GOAL_RESYNC_MS)
        row("   daemon resync, last_resync_us (median)", cells, goal)
        row("   daemon CPU per 1-s resync cycle",
            [f"{self.results[n]['resync_cpu']:.0f} ms" if self.results[n].get("resync_cpu")
             is not None else "n/a" for n in ns], "info: includes writing status.json")
        lines.append(f"3. repair of a deleted bridge ({self.args.repairs} runs: p50 / p99 / max)")
        cells, goal = [], f"p99 <= {GOAL_REPAIR_P99_MS} ms"
        worst = 0.0
        for n in ns:
            v = self.results[n]["repair_req"]
            worst = max(worst, pct(v, 99))
            cells.append(f"{pct(v, 50):.1f}/{pct(v, 99):.1f}/{max(v):.1f} ms")
        row("   from the RTM_DELLINK request", cells, goal + "  " + verdict(worst <= GOAL_REPAIR_P99_MS))
        row("   from the kernel's RTM_DELLINK event",
            [f"{pct(v, 50):.1f}/{pct(v, 99):.1f}/{max(v):.1f} ms"
             for v in (self.results[n]["repair_notif"] for n in ns)], "info: sdnd's own share")
        row("   the kernel's delete itself (median)",
            [f"{statistics.median(self.results[n]['delete_syscall']):.1f} ms" for n in ns],
            "info: sendmsg to ack")
        lines.append("4. daemon memory (MiB)")
        cells, goal = [], f"<= {GOAL_RSS_MIB} MiB at 1000"
        for n in ns:
            m = self.results[n]["mem"]
            cells.append(f"{m['VmRSS']:.1f} / {m['VmHWM']:.1f}")
            if n == 1000:
                goal += "  " + verdict(m["VmHWM"] <= GOAL_RSS_MIB)
        row("   VmRSS / VmHWM after convergence+resyncs", cells, goal)
        row("   VmRSS / VmHWM after the repairs",
            [f"{self.results[n]['mem_repair']['VmRSS']:.1f} / "
             f"{self.results[n]['mem_repair']['VmHWM']:.1f}" for n in ns], "info")
        lines.append("kernel")
        row("   namespace teardown (both namespaces)",
            [f"{self.results[n]['teardown']:.1f} s" for n in ns],
            "info: the kernel holds RTNL meanwhile")
        if self.notes:
            lines.append("")
            lines.extend("note: " + x for x in self.notes)
        print("\n".join(lines), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vnets", default="100 1000", help="numbers of vnets, e.g. \"100 1000\"")
    ap.add_argument("--repairs", type=int, default=50)
    ap.add_argument("--resyncs", type=int, default=5, help="periodic resyncs to sample")
    ap.add_argument("--reloads", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sdnd", required=True)
    ap.add_argument("--repair", required=True, help="the built bench/repair.c")
    ap.add_argument("--prefix", default=f"sdnb{os.getpid()}")
    ap.add_argument("--header", default="")
    ap.add_argument("--note", action="append", default=[], help="a note to print under the table")
    args = ap.parse_args()
    try:
        ns = [int(x) for x in args.vnets.split()]
    except ValueError:
        ap.error("--vnets takes numbers")
    if not ns or any(n < 1 or n > 4000 for n in ns):
        ap.error("--vnets: each number must be from 1 to 4000")
    if args.repairs < 1 or args.resyncs < 1 or args.reloads < 1:
        ap.error("--repairs, --resyncs and --reloads must be at least 1")

    b = Bench(args, ns)
    b.notes.extend(args.note)
    return run_bench(b, args.header)


if __name__ == "__main__":
    sys.exit(main())
