#!/usr/bin/env python3
"""Side-by-side benchmark of Icecast 2 and Broadcast (issue #5); run through deploy/local/bench.sh.

Each system runs alone, in turn, on the same machine with the same source (ffmpeg, 128 kbit/s MP3, real time) and
the same listener swarm (tests/Broadcast.LoadTest). Server processes are pinned to CPU 0 (Icecast alone; NATS,
ingest, edge and gateway together); the swarm and the source to CPU 1. Prints one Markdown report and writes it.
"""
import argparse
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LOADTEST = os.path.join(ROOT, "tests/Broadcast.LoadTest/bin/Release/net10.0/Broadcast.LoadTest.dll")
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
PIN = shutil.which("taskset") is not None and os.cpu_count() >= 2


def pinned(cpu, command):
    return (["taskset", "-c", str(cpu)] if PIN else []) + command


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    def __init__(self, name, command, log, env=None):
        self.name = name
        self.popen = subprocess.Popen(pinned(0, command), stdout=log, stderr=subprocess.STDOUT, env=env)

    def rss_mib(self):
        try:
            with open(f"/proc/{self.popen.pid}/statm") as f:
                return int(f.read().split()[1]) * PAGE / 1048576
        except OSError:
            return float("nan")

    def cpu_ticks(self):
        try:
            with open(f"/proc/{self.popen.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
                return int(fields[11]) + int(fields[12])
        except OSError:
            return 0

    def stop(self):
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()


def wait_until(check, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"bench: timed out waiting for {what}")


def http_ok(url, method="GET"):
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class Icecast:
    label = "Icecast 2"

    def __init__(self, work):
        self.work, self.port = work, free_port()
        logdir = os.path.join(work, "icecast-logs")
        os.makedirs(logdir, exist_ok=True)
        os.chmod(logdir, 0o777)
        with open(os.path.join(ROOT, "deploy/local/icecast-bench.xml")) as f:
            config = f.read().replace("@PORT@", str(self.port)).replace("@LOGDIR@", logdir)
        if os.geteuid() != 0:
            config = config.replace("<changeowner>", "<!--").replace("</changeowner>", "-->")
        self.config = os.path.join(work, "icecast.xml")
        with open(self.config, "w") as f:
            f.write(config)
        self.ingest = self.listen = f"http://127.0.0.1:{self.port}"

    def start(self, log):
        self.procs = [Proc("icecast", [shutil.which("icecast2") or "icecast2", "-c", self.config], log)]
        wait_until(lambda: http_ok(self.listen + "/status-json.xsl"), 30, "icecast")


class Broadcast:
    def __init__(self, work, direct_to_edge=False, settings=()):
        self.work, self.direct, self.settings = work, direct_to_edge, list(settings)
        self.label = ("Broadcast, edge alone" if direct_to_edge else "Broadcast, whole path") + "".join(f", {s}" for s in self.settings)
        self.nats, self.ingest_port, self.edge_port, self.gateway_port = (free_port() for _ in range(4))
        self.ingest = f"http://127.0.0.1:{self.ingest_port}"
        self.listen = f"http://127.0.0.1:{self.edge_port if direct_to_edge else self.gateway_port}"

    def start(self, log):
        def service(name, port, **settings):
            env = dict(os.environ, ASPNETCORE_URLS=f"http://127.0.0.1:{port}", Logging__LogLevel__Default="Warning",
                       Nats__Url=f"nats://127.0.0.1:{self.nats}", **settings)
            # BENCH_ENV="Edge__LeanListeners=false Listeners__SendBufferBytes=0": settings for every service (A/B runs)
            env.update(pair.split("=", 1) for pair in os.environ.get("BENCH_ENV", "").split() if "=" in pair)
            env.update(pair.split("=", 1) for pair in self.settings)  # this system's own (see --systems)
            dll = os.path.join(ROOT, f"services/Broadcast.{name}/bin/Release/net10.0/Broadcast.{name}.dll")
            return Proc(name.lower(), ["dotnet", dll], log, env)

        self.procs = [Proc("nats", ["nats-server", "-a", "127.0.0.1", "-p", str(self.nats)], log),
                      service("Ingest", self.ingest_port, Ingest__SourcePassword="hackme"),
                      service("Edge", self.edge_port)]
        if not self.direct:  # the edge alone is nats, ingest and the edge: an idle gateway's drift is not its cost
            self.procs.append(service("Gateway", self.gateway_port, Gateway__Edges__0=f"http://127.0.0.1:{self.edge_port}"))
        for port in (self.ingest_port, self.edge_port) + (() if self.direct else (self.gateway_port,)):
            wait_until(lambda: http_ok(f"http://127.0.0.1:{port}/healthz/ready"), 60, f"service on {port}")


def start_source(system, log, seconds):
    command = ["ffmpeg", "-hide_banner", "-v", "error", "-re", "-f", "lavfi", "-i", f"sine=frequency=440:beep_factor=4:duration={seconds}",
               "-c:a", "libmp3lame", "-b:a", "128k", "-content_type", "audio/mpeg", "-ice_name", "bench",
               f"icecast://source:hackme@{system.ingest[len('http://'):]}/bench.mp3"]
    source = subprocess.Popen(pinned(1, command), stdout=log, stderr=subprocess.STDOUT)
    wait_until(lambda: http_ok(system.listen + "/bench.mp3", "HEAD") if isinstance(system, Broadcast)
               else b"bench.mp3" in urllib.request.urlopen(system.listen + "/status-json.xsl", timeout=2).read(), 30, "the source to go live")
    return source


def retitle(system, every, stop):
    """Changes the title every `every` seconds through Icecast's /admin/metadata (both systems take it from the source's address)."""
    n = 0
    while not stop.wait(every):
        n += 1
        query = urllib.parse.urlencode({"mode": "updinfo", "mount": "/bench.mp3", "song": f"Bench Artist - Track {n}"})
        request = urllib.request.Request(f"{system.ingest}/admin/metadata?{query}")
        request.add_header("Authorization", "Basic c291cmNlOmhhY2ttZQ==")  # source:hackme
        try:
            urllib.request.urlopen(request, timeout=2).read()
        except OSError:
            pass


ICY = False  # set from --icy: every swarm listener asks for in-band titles


def swarm(system, work, listeners, ramp, hold, label):
    """Runs the swarm, sampling the servers' RSS each second; returns its report, the peaks, the RSS held at the
    end of the hold (the last sample before listeners start leaving: what a steady audience costs, after
    anything the ramp left behind has been collected), the CPU ticks used and the wall time."""
    path = os.path.join(work, f"swarm-{label}.json")
    command = ["dotnet", LOADTEST, "swarm", "--url", system.listen + "/bench.mp3", "--listeners", str(listeners),
               "--ramp", str(ramp), "--duration", str(hold), "--bitrate-kbps", "128", "--json", path, "--label", label,
               "--icy", "1" if ICY else "0"]
    cpu0 = [p.cpu_ticks() for p in system.procs]
    peaks = [p.rss_mib() for p in system.procs]
    held = peaks
    started = time.time()
    with open(os.path.join(work, f"swarm-{label}.log"), "w") as log:
        client = subprocess.Popen(pinned(1, command), stdout=log, stderr=subprocess.STDOUT)
        while client.poll() is None:
            now = [p.rss_mib() for p in system.procs]
            peaks = [max(a, b) for a, b in zip(peaks, now)]
            if time.time() - started < ramp + hold:
                held = now
            time.sleep(1)
    wall = time.time() - started
    ticks = sum(p.cpu_ticks() - c for p, c in zip(system.procs, cpu0))
    with open(path) as f:
        return json.load(f), peaks, held, ticks, wall


def measure(system, work, args):
    log = open(os.path.join(work, f"{system.label.replace(' ', '_').replace(',', '')}.log"), "w")
    system.start(log)
    total = 60 + sum(60 + args.hold + 20 for _ in args.sizes) + args.quiet + args.cycles * (args.cycle_hold + args.cycle_rest + 40) + 120
    source = start_source(system, log, total)
    result = {"label": system.label, "names": [p.name for p in system.procs], "levels": [], "cycles": []}
    stop_titles = threading.Event()
    if args.title_every > 0:
        threading.Thread(target=retitle, args=(system, args.title_every, stop_titles), daemon=True).start()
    try:
        swarm(system, work, 50, 1, 5, f"{system.label}-warmup")  # JIT and first-touch, as a first listener would
        time.sleep(args.settle)
        result["idle"] = [p.rss_mib() for p in system.procs]
        c0 = sum(p.cpu_ticks() for p in system.procs)
        time.sleep(10)
        idle_ticks_per_s = (sum(p.cpu_ticks() for p in system.procs) - c0) / 10
        for n in args.sizes:
            ramp = max(5, n / 500)
            report, peaks, held, ticks, wall = swarm(system, work, n, ramp, args.hold, f"{system.label}-{n}")
            listener_minutes = n / 1000 * (args.hold + ramp / 2) / 60
            cpu = (ticks - idle_ticks_per_s * wall) / TICKS / listener_minutes
            per_listener_kb = (sum(peaks) - sum(result["idle"])) * 1024 / n
            held_kb = (sum(held) - sum(result["idle"])) * 1024 / n
            result["levels"].append({"n": n, "report": report, "peaks": peaks, "held": held, "cpu": cpu,
                                     "kb_per_listener": per_listener_kb, "kb_held": held_kb})
            time.sleep(5)
        after = []
        for _ in range(args.quiet // 10):
            time.sleep(10)
            after.append([p.rss_mib() for p in system.procs])
        result["after"] = after
        for c in range(args.cycles):
            report, _, _, _, _ = swarm(system, work, args.cycle_size, 10, args.cycle_hold, f"{system.label}-cycle{c + 1}")
            time.sleep(args.cycle_rest)
            result["cycles"].append({"report": report, "rss": [p.rss_mib() for p in system.procs]})
    finally:
        stop_titles.set()
        source.terminate()
        for p in reversed(system.procs):
            p.stop()
        log.close()
    return result


def capacity(system, work, steps, hold):
    """The most listeners served with every one at >= 99 % of the bitrate, trying the steps in order."""
    log = open(os.path.join(work, f"capacity-{system.label.replace(' ', '_').replace(',', '')}.log"), "w")
    system.start(log)
    source = start_source(system, log, 60 + len(steps) * (hold + 60))
    best, tried = 0, []
    try:
        for n in steps:
            report, _, _, _, _ = swarm(system, work, n, max(5, n / 500), hold, f"{system.label}-cap{n}")
            ok = report["failures"] == 0 and report["listenersAtOrAbove99Percent"] == n
            tried.append((n, report["deliveredMinPercent"], report["failures"], ok))
            if not ok:
                break
            best = n
            time.sleep(10)
    finally:
        source.terminate()
        for p in reversed(system.procs):
            p.stop()
        log.close()
    return best, tried


def num(x):
    """The swarm writes NaN as the string "NaN" (no listener reached that point)."""
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def f1(x):
    x = num(x)
    return "-" if x != x else f"{x:.1f}"


def report_markdown(results, caps, args):
    lines = [f"# Broadcast vs Icecast 2, {datetime.date.today()}", "",
             f"Machine: {os.cpu_count()} CPUs ({open('/proc/cpuinfo').read().split('model name')[1].split(':')[1].splitlines()[0].strip()}); "
             f"servers pinned to CPU 0, swarm and source to CPU 1: {PIN}. Source: ffmpeg, 128 kbit/s MP3, real time. "
             f"Held {args.hold} s per level; {args.cycles} cycles of {args.cycle_size}. "
             f"Listeners ask for ICY metadata: {ICY}; title change every {args.title_every} s (0: none).", ""]
    lines += ["| per level | " + " | ".join(r["label"] for r in results) + " |", "|---" * (len(results) + 1) + "|"]
    for i, n in enumerate(args.sizes):
        def cell(r, key):
            level = r["levels"][i]
            rep = level["report"]
            return {"ttfb": f"{f1(rep['ttfbP50Ms'])} / {f1(rep['ttfbP99Ms'])}",
                    "rate": f"{rep['listenersAtOrAbove99Percent']}/{n} (min {f1(rep['deliveredMinPercent'])} %)",
                    "fail": str(rep["failures"]),
                    "cpu": f"{level['cpu']:.2f}",
                    "kb": f"{level['kb_per_listener']:.1f}",
                    "kbheld": f"{level['kb_held']:.1f}",
                    "peak": " + ".join(f1(p) for p in level["peaks"]),
                    "held": " + ".join(f1(p) for p in level["held"])}[key]
        for key, title in (("ttfb", "TTFB p50 / p99 ms"), ("rate", "listeners at >= 99 % of bitrate"), ("fail", "failures"),
                           ("cpu", "CPU s per 1000 listener-minutes"), ("kb", "RSS KiB per listener above idle, at peak"),
                           ("kbheld", "RSS KiB per listener above idle, end of hold"), ("peak", "peak RSS MiB"),
                           ("held", "RSS MiB at the end of the hold")):
            lines.append(f"| {n}: {title} | " + " | ".join(cell(r, key) for r in results) + " |")
    lines.append("")
    lines += ["| RSS MiB per process | idle | 60 s after all left | after each cycle |", "|---|---|---|---|"]
    for r in results:
        for j, name in enumerate(r["names"]):
            after = r["after"][-1][j] if r["after"] else float("nan")
            lines.append(f"| {r['label']}: {name} | {f1(r['idle'][j])} | {f1(after)} | " + ", ".join(f1(c["rss"][j]) for c in r["cycles"]) + " |")
        total_idle, total_after = sum(r["idle"]), sum(r["after"][-1]) if r["after"] else float("nan")
        lines.append(f"| {r['label']}: all | {f1(total_idle)} | {f1(total_after)} | " + ", ".join(f1(sum(c["rss"])) for c in r["cycles"]) + " |")
    if caps:
        lines += ["", "| capacity (most listeners, all at >= 99 % of 128 kbit/s, one core) | listeners | steps tried (n, min %, failures) |", "|---|---|---|"]
        for label, (best, tried) in caps.items():
            lines.append(f"| {label} | {best} | " + "; ".join(f"{n}: {f1(m)} %, {fl}" for n, m, fl, _ in tried) + " |")
    if len(results) >= 2:
        base = results[0]
        lines += ["", f"Ratios against {base['label']} (lower is better for us):", ""]
        for r in results[1:]:
            parts = []
            for i, n in enumerate(args.sizes):
                b, o = base["levels"][i], r["levels"][i]
                parts.append(f"{n}: CPU x{o['cpu'] / b['cpu']:.2f}, RSS/listener at peak x{o['kb_per_listener'] / max(b['kb_per_listener'], 0.01):.2f}, "
                             f"end of hold x{o['kb_held'] / max(b['kb_held'], 0.01):.2f}")
            lines.append(f"- {r['label']}: " + "; ".join(parts))
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--hold", type=int, default=60)
    parser.add_argument("--quiet", type=int, default=60)
    parser.add_argument("--cycles", type=int, default=5)
    parser.add_argument("--cycle-size", type=int, default=5000)
    parser.add_argument("--cycle-hold", type=int, default=20)
    parser.add_argument("--cycle-rest", type=int, default=30)
    parser.add_argument("--settle", type=int, default=20)
    parser.add_argument("--systems", default="icecast,edge,broadcast",
                        help="in turn; each may add settings: edge+Edge__LeanListeners=false")
    parser.add_argument("--capacity", default="", help="steps, e.g. 6000,8000,10000,12000,14000; empty skips it")
    parser.add_argument("--capacity-hold", type=int, default=30)
    parser.add_argument("--out", default=os.path.join(ROOT, "deploy/local/bench-results"))
    parser.add_argument("--render", default="", help="only render the report from a results.json of an earlier run")
    parser.add_argument("--icy", action="store_true", help="every listener sends Icy-MetaData: 1 (in-band titles)")
    parser.add_argument("--title-every", type=int, default=0, help="seconds between title changes through /admin/metadata; 0: none")
    args = parser.parse_args()
    global ICY
    ICY = args.icy
    args.sizes = [int(x) for x in args.sizes.split(",") if x]
    if args.render:
        with open(args.render) as f:
            saved = json.load(f)
        print(report_markdown(saved["results"], {k: tuple(v) for k, v in saved["caps"].items()}, args))
        return
    work = tempfile.mkdtemp(prefix="broadcast-bench-")
    os.chmod(work, 0o755)  # Icecast drops to its own user and must reach its log directory
    # A system may carry its own settings: "edge+Edge__LeanListeners=false" is the edge alone on Kestrel's listener path.
    kinds = {"icecast": lambda settings: Icecast(work), "broadcast": lambda settings: Broadcast(work, False, settings),
             "edge": lambda settings: Broadcast(work, True, settings)}
    makers = {s: (lambda s=s: kinds[s.split("+")[0]](s.split("+")[1:])) for s in args.systems.split(",") if s}
    systems = list(makers)
    results = [measure(makers[s](), work, args) for s in systems] if args.sizes else []
    caps = {}
    if args.capacity:
        steps = [int(x) for x in args.capacity.split(",")]
        for s in systems:
            system = makers[s]()
            caps[system.label] = capacity(system, work, steps, args.capacity_hold)
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump({"results": results, "caps": caps}, f)  # the figures survive even if rendering fails
    text = report_markdown(results, caps, args)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"bench-{datetime.datetime.now():%Y%m%d-%H%M}.md")
    with open(path, "w") as f:
        f.write(text)
    print(text)
    print(f"written to {path}; raw swarm reports and logs in {work}")


if __name__ == "__main__":
    main()
