"""Helpers shared by the benchmarks (bench.py, attach.py)."""
import subprocess
import sys


class BenchError(Exception):
    pass


def log(msg):
    print(f"# {msg}", file=sys.stderr, flush=True)


def run(cmd, check=True, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if check and p.returncode != 0:
        raise BenchError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[-2000:]}")
    return p


def pct(values, p):
    """Nearest-rank percentile."""
    v = sorted(values)
    k = max(0, min(len(v) - 1, -(-len(v) * p // 100) - 1))
    return v[int(k)]


def unix_http(sock_path, method, path, body=None, ctype="application/json", timeout=60):
    """One HTTP/1.1 request on its own connection to a unix socket; (code, body bytes)."""
    import socket
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(sock_path)
        head = f"{method} {path} HTTP/1.1\r\nHost: sdnd\r\nConnection: close\r\n"
        data = b""
        if body is not None:
            data = body if isinstance(body, bytes) else body.encode()
            head += f"Content-Type: {ctype}\r\nContent-Length: {len(data)}\r\n"
        s.sendall(head.encode() + b"\r\n" + data)
        chunks = []
        while True:
            d = s.recv(1 << 16)
            if not d:
                break
            chunks.append(d)
    finally:
        s.close()
    raw = b"".join(chunks)
    head, _, rest = raw.partition(b"\r\n\r\n")
    try:
        return int(head.split()[1]), rest
    except (IndexError, ValueError):
        raise BenchError(f"{method} {path}: not an HTTP answer: {raw[:200]!r}")


def proc_mem(pid):
    """VmRSS and VmHWM of a process, MiB."""
    vals = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                vals[k] = int(v.split()[0]) / 1024.0
    return vals


def proc_cpu(pid):
    """User and system CPU seconds a process has used so far."""
    import os
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tck = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tck, int(fields[12]) / tck


def run_bench(b, header):
    """Run b.bench() and b.report(header), Ctrl-C and SIGTERM stopping it cleanly, b.cleanup()
    in any case. On a BenchError, b.failed() adds what it knows. 0, 1 (a failure, or checks in
    b.failures) or 130."""
    import signal

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    status = 0
    try:
        b.bench()
        b.report(header)
        if getattr(b, "failures", None):
            status = 1
    except BenchError as e:
        print(f"BENCH FAILED: {e}", flush=True)
        b.failed()
        status = 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        status = 130
    except Exception:
        import traceback
        print("BENCH FAILED: an error in the benchmark itself:", flush=True)
        traceback.print_exc()
        status = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        b.cleanup()
    return status
