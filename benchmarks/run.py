#!/usr/bin/env python3
"""Benchmarks of the site, in one run: throughput, weight in the browser, Lighthouse; budgets checked.

Usage: make bench   (or .venv/bin/python benchmarks/run.py [--quick] [--no-lighthouse])

Starts gunicorn with the production settings (gunicorn.conf.py as shipped: sync workers, 2 × cores + 1,
preloaded app, worker recycling; no debug; the preview clock set to 2 January 2023 so that the form is
open and the live seat count is exercised), on loopback only, and measures side by side:
- wrk (Debian package, installed if missing and root): requests/s, p50 and p99 of `/`, of a tab
  fragment (HX-Request), and of the framework's floor: benchmarks/floor.py, a bare Flask app with one
  constant route, served by a second gunicorn with the same settings. Short rounds alternate the
  routes so that a busy machine affects them alike; the median of per-round ratios is compared, and
  so is the ratio of the workers' CPU time per request (which other processes do not skew). A third
  gunicorn without worker recycling (`--max-requests 0`) measures what recycling costs, and `/` is
  also fetched compressed (a browser's Accept-Encoding) to weigh the HTML compression.
- registration POSTs by concurrent clients, each with its own session and CSRF token.
- in Chromium (Playwright): bytes transferred and requests on a first visit and on a tab switch,
  and that no request leaves the host.
- Lighthouse 12.2.3 (npm, installed in benchmarks/.lighthouse), mobile settings.
Writes benchmarks/results.json and benchmarks/results.md; exits 1 if a budget is missed.
Every load is bounded in time and count.
"""

import argparse
import contextlib
import datetime as dt
import gzip
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))

import browser_weight  # noqa: E402  (benchmarks/, the script's folder)
from server import Gunicorn  # noqa: E402  (tests/server.py, the same harness as the tests)

OPEN_NOW = "2023-01-02T10:00:00+01:00"
LIGHTHOUSE = "12.2.3"
BUDGETS = {
    "home_vs_floor_min": 0.75,
    "tab_switch_max_bytes": 10 * 1024,
    "first_visit_max_bytes": 250 * 1024,
    "first_visit_max_requests": 10,
    "lighthouse_min": 95,
}
BROWSER_ENCODINGS = {"Accept-Encoding": "gzip, deflate, br, zstd"}
# name: (server, path, headers). Servers: "floor" (benchmarks/floor.py), "site" (wsgi:app as shipped),
# "no_recycling" (wsgi:app with --max-requests 0).
TARGETS = {
    "floor": ("floor", "/", {}),
    "home": ("site", "/", {}),
    "fragment": ("site", "/infos-pratiques", {"HX-Request": "true"}),
    "home_compressed": ("site", "/", BROWSER_ENCODINGS),
    "home_no_recycling": ("no_recycling", "/", {}),
}
# Ratios reported: (route, reference).
RATIOS = {
    "home_vs_floor": ("home", "floor"),
    "fragment_vs_floor": ("fragment", "floor"),
    "compressed_vs_plain": ("home_compressed", "home"),
    "recycling_vs_none": ("home", "home_no_recycling"),
}


def ensure_wrk() -> str | None:
    """wrk's path, installing the Debian package when possible."""
    if shutil.which("wrk") is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
    return shutil.which("wrk")


def wrk(url: str, headers: dict, seconds: int, connections: int) -> dict:
    """One bounded wrk run: requests/s and latency percentiles in milliseconds."""
    cmd = ["wrk", "--latency", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "5s"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}

    def pct(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return float(m.group(1)) * unit[m.group(2)]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": pct(50),
        "p99_ms": pct(99),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": "Socket errors" in out,
    }


def stat_fields(pid: int | str) -> list[str]:
    """/proc/<pid>/stat after the command name: fields[11], [12] = utime, stime; [13], [14] = children's."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def server_cpu(master: int) -> float:
    """CPU seconds (user + system) used so far by a gunicorn: master, live workers and recycled ones.

    A recycled worker's time moves into the master's cutime/cstime once reaped, so recycling (the
    exit, the fork, the new worker's first requests) is counted, not lost.
    """
    own = stat_fields(master)
    ticks = sum(int(own[i]) for i in (11, 12, 13, 14))
    for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        with contextlib.suppress(FileNotFoundError):
            fields = stat_fields(pid)
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def measured(server, path: str, headers: dict, seconds: int, connections: int) -> dict:
    """One wrk run, plus the server's CPU time per request (insensitive to other loads on the machine)."""
    before = server_cpu(server.proc.pid)
    run = wrk(server.url + path, headers, seconds, connections)
    run["cpu_ms_per_request"] = (server_cpu(server.proc.pid) - before) * 1000 / max(run["requests"], 1)
    return run


def throughput(servers: dict, rounds: int, seconds: int, connections: int) -> dict:
    """Alternate the routes for a few rounds; medians per route, and the median of per-round ratios.

    The machine may be shared: each round measures every route back to back (in a rotating order),
    so a ratio compares runs made under the same load. The CPU time the servers spend per request
    gives a second ratio, which other processes on the machine do not disturb: the throughput each
    route would reach with the cores to itself.
    """
    runs = {name: [] for name in TARGETS}
    for server, path, headers in TARGETS.values():  # warm-up, not recorded: every worker fills its page cache
        wrk(servers[server].url + path, headers, 1, connections)
    names = list(TARGETS)
    for i in range(rounds):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            server, path, headers = TARGETS[name]
            runs[name].append(measured(servers[server], path, headers, seconds, connections))
    result = {
        name: {
            "rps": statistics.median(r["rps"] for r in rs),
            "p50_ms": statistics.median(r["p50_ms"] for r in rs),
            "p99_ms": statistics.median(r["p99_ms"] for r in rs),
            "cpu_ms_per_request": statistics.median(r["cpu_ms_per_request"] for r in rs),
            "non_2xx": sum(r["non_2xx"] for r in rs),
            "rounds_rps": [r["rps"] for r in rs],
        }
        for name, rs in runs.items()
    }
    for ratio, (name, reference) in RATIOS.items():
        ratios = [a["rps"] / b["rps"] for a, b in zip(runs[name], runs[reference], strict=True)]
        result[ratio] = statistics.median(ratios)
        result[f"{ratio}_rounds"] = [round(r, 3) for r in ratios]
        result[f"{ratio}_cpu"] = result[reference]["cpu_ms_per_request"] / result[name]["cpu_ms_per_request"]
    return result


def html_sizes(base: str) -> dict:
    """Bytes of `/` as sent plain, as the app compresses it (brotli), and as nginx's default would (gzip -1)."""
    plain = requests.get(base + "/", headers={"Accept-Encoding": "identity"}, timeout=30).content
    compressed = requests.get(base + "/", headers={"Accept-Encoding": "br"}, timeout=30, stream=True)
    app_br = compressed.raw.read()
    return {
        "plain": len(plain),
        "app_brotli": len(app_br),
        "app_encoding": compressed.headers.get("Content-Encoding"),
        "nginx_default_gzip": len(gzip.compress(plain, 1)),
    }


def registrations(base: str, clients: int, per_client: int) -> dict:
    """Concurrent clients, each its own session and CSRF token, register one address after another."""
    token = re.compile(r'<input id="(csrf_token|submission_id)" name="\1" type="hidden" value="([^"]*)"')
    statuses: list[int] = []
    lock = threading.Lock()

    def client(n: int):
        with requests.Session() as s:
            for i in range(per_client):
                fields = dict(token.findall(s.get(base + "/inscription", timeout=30).text))
                body = {
                    **fields,
                    "first_name": "Camille",
                    "last_name": "Martin",
                    "email": f"bench-{n}-{i}@example.org",
                    "organisation": "Commune de Lyon",
                    "structure_type": "collectivite",
                    "job_title": "Cheffe de projet",
                    "mode": "in_person",
                    "consent": "y",
                }
                r = s.post(base + "/inscription", data=body, allow_redirects=False, timeout=30)
                with lock:
                    statuses.append(r.status_code)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    ok = statuses.count(303)
    return {
        "clients": clients,
        "attempts": len(statuses),
        "registered": ok,
        "other_statuses": sorted({s for s in statuses if s != 303}),
        "seconds": round(elapsed, 2),
        "registrations_per_s": round(ok / elapsed, 1),
        "note": "each registration = GET /inscription (CSRF token) + POST",
    }


def lighthouse(url: str, workdir: Path) -> dict:
    """Lighthouse scores (mobile, the default) with Debian's Chromium; installs the pinned npm package."""
    prefix = HERE / ".lighthouse"
    cli = prefix / "node_modules" / "lighthouse" / "cli" / "index.js"
    if not cli.exists():
        subprocess.run(
            ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "-E", f"lighthouse@{LIGHTHOUSE}"],
            check=True,
            capture_output=True,
            timeout=600,
        )
    chrome = os.environ.get("JNT_CHROMIUM") or os.environ.get("CHROME_PATH") or "/usr/bin/chromium"
    report = workdir / "lighthouse.json"
    flags = "--headless --no-sandbox --disable-gpu --disable-background-networking --disable-sync --no-first-run"
    subprocess.run(
        ["node", str(cli), url, "--quiet", "--output=json", f"--output-path={report}", f"--chrome-flags={flags}",
         "--only-categories=performance,accessibility,best-practices,seo"],
        check=True, env={**os.environ, "CHROME_PATH": chrome}, capture_output=True, timeout=300,
    )  # fmt: skip
    data = json.loads(report.read_text())
    scores = {k: round(v["score"] * 100) for k, v in data["categories"].items()}
    failing = {
        cat: [
            ref["id"]
            for ref in data["categories"][cat]["auditRefs"]
            if ref["weight"] and (data["audits"][ref["id"]].get("score") or 0) < 1
        ]
        for cat in data["categories"]
    }
    return {"url": url, "form_factor": data["configSettings"]["formFactor"], "scores": scores, "not_perfect": failing}


def check(results: dict) -> list[str]:
    """The budgets that were missed, in words."""
    b, t, w = BUDGETS, results["throughput"], results["browser"]
    missed = []
    if t["home_vs_floor"] < b["home_vs_floor_min"]:
        ratio, floor = t["home_vs_floor"], b["home_vs_floor_min"]
        missed.append(f"/ at {ratio:.0%} of bare Flask's throughput (budget ≥ {floor:.0%})")
    if w["tab_switch"]["bytes"] >= b["tab_switch_max_bytes"]:
        missed.append(f"tab switch {w['tab_switch']['bytes']} bytes (budget < {b['tab_switch_max_bytes']})")
    if w["first_visit"]["bytes"] >= b["first_visit_max_bytes"]:
        missed.append(f"first visit {w['first_visit']['bytes']} bytes (budget < {b['first_visit_max_bytes']})")
    if w["first_visit"]["requests"] > b["first_visit_max_requests"]:
        missed.append(f"first visit {w['first_visit']['requests']} requests (budget ≤ {b['first_visit_max_requests']})")
    if w["foreign_requests"]:
        missed.append(f"requests to another host: {w['foreign_requests']}")
    for name, score in (results.get("lighthouse") or {}).get("scores", {}).items():
        if score < b["lighthouse_min"]:
            missed.append(f"Lighthouse {name} {score} (budget ≥ {b['lighthouse_min']})")
    if results["registrations"]["other_statuses"]:
        missed.append(f"registration statuses other than 303: {results['registrations']['other_statuses']}")
    return missed


def markdown(r: dict) -> str:
    """results.md: the figures of this run, as ratios and in absolute terms."""
    t, w, g, h = r["throughput"], r["browser"], r["registrations"], r["html_sizes"]
    lines = [
        "# Résultats des mesures de performance",
        "",
        f"Mesuré le {r['when']} sur {r['machine']}, gunicorn {r['gunicorn']} (`gunicorn.conf.py` tel que livré, "
        "recyclage des workers compris). Commande : `make bench`. Chiffres d'une seule exécution, manches "
        "alternées ; les rapports comptent plus que les valeurs (la machine peut être partagée : ±10 % environ).",
        "",
        "## Débit (wrk, boucle locale)",
        "",
        "| Route | req/s (médiane) | CPU par requête (ms) | p50 (ms) | p99 (ms) |",
        "|---|---|---|---|---|",
    ]
    labels = {
        "floor": "Flask nu, une route constante (`benchmarks/floor.py`)",
        "home": "`/`",
        "fragment": "`/infos-pratiques` (fragment htmx)",
        "home_compressed": "`/` avec `Accept-Encoding` d'un navigateur",
        "home_no_recycling": "`/`, gunicorn sans recyclage (`--max-requests 0`)",
    }
    for name, label in labels.items():
        x = t[name]
        cpu = x["cpu_ms_per_request"]
        lines.append(f"| {label} | {x['rps']:.0f} | {cpu:.3f} | {x['p50_ms']:.1f} | {x['p99_ms']:.1f} |")
    lines += [
        "",
        "| Rapport | req/s (médiane des rapports par manche) | à CPU égal |",
        "|---|---|---|",
    ]
    words = {
        "home_vs_floor": "`/` / Flask nu (budget ≥ 75 % en req/s)",
        "fragment_vs_floor": "fragment / Flask nu",
        "compressed_vs_plain": "`/` compressée / `/` en clair",
        "recycling_vs_none": "`/` avec recyclage / sans recyclage",
    }
    for ratio, label in words.items():
        lines.append(f"| {label} | {t[ratio]:.0%} | {t[ratio + '_cpu']:.0%} |")
    lines += [
        "",
        "Rapport req/s : débit mesuré, manche par manche. À CPU égal : temps CPU par requête (maître, workers "
        "vivants et workers recyclés) de la référence divisé par celui de la route, soit le débit relatif à "
        "cœurs égaux, insensible aux autres processus.",
        "",
        f"Inscriptions concurrentes : {g['registered']} inscriptions par {g['clients']} clients en {g['seconds']} s, "
        f"soit {g['registrations_per_s']} inscriptions/s (chacune = GET du formulaire + POST) ; "
        f"autres statuts : {g['other_statuses'] or 'aucun'}.",
        "",
        "## Dans le navigateur (Chromium)",
        "",
        "| Parcours | octets transférés | requêtes |",
        "|---|---|---|",
        f"| Première visite de `/` | {w['first_visit']['bytes']} | {w['first_visit']['requests']} |",
        f"| Changement d'onglet | {w['tab_switch']['bytes']} | {w['tab_switch']['requests']} |",
        "",
        f"Requêtes vers un autre hôte : {len(w['foreign_requests'])}.",
        "",
        "## Choix que ces mesures justifient",
        "",
        "- Compression HTML gardée : la page de l'événement est compressée une fois par variante, puis servie "
        f"telle quelle ; {h['app_brotli']} octets ({h['app_encoding']}) au lieu de {h['plain']} en clair "
        f"et de {h['nginx_default_gzip']} avec le gzip par défaut de nginx, qui ne recompresse pas une "
        f"réponse déjà encodée. Son débit compressé est de {t['compressed_vs_plain']:.0%} de celui en clair "
        f"({t['compressed_vs_plain_cpu']:.0%} à CPU égal) : aucun calcul par requête, aux écarts de la machine "
        "près. Les autres pages HTML, peu demandées, sont compressées à chaque réponse, pour que le site ne "
        "dépende pas de la configuration du mandataire.",
        f"- Recyclage des workers (`max_requests`) gardé : {t['recycling_vs_none']:.0%} du débit sans recyclage "
        f"({t['recycling_vs_none_cpu']:.0%} à CPU égal), l'application étant préchargée, ses gabarits compilés, "
        "la page de l'événement rendue et ses objets gelés dans le maître avant les workers (`when_ready`), "
        "et un worker recyclé sortant sans le démontage de l'interpréteur (`worker_exit`, `gunicorn.conf.py`).",
        "",
    ]
    if r.get("lighthouse"):
        s = r["lighthouse"]["scores"]
        lines += [
            f"## Lighthouse {LIGHTHOUSE} (mobile)",
            "",
            " | ".join(f"{k} : {v}" for k, v in s.items()),
            "",
        ]
    lines += ["## Budgets", ""]
    lines += [f"- NON TENU : {m}" for m in r["missed"]] or ["- tous tenus"]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs (a smoke test of the script)")
    parser.add_argument("--no-lighthouse", action="store_true")
    parser.add_argument("--rounds", type=int, help="rounds of the throughput measure (default 9, 1 with --quick)")
    args = parser.parse_args()
    if ensure_wrk() is None:
        sys.exit("wrk not found: apt-get install wrk")
    workers = 2 * (os.cpu_count() or 1) + 1
    settings = {
        "SECRET_KEY": secrets.token_hex(32),
        "PREVIEW_NOW": OPEN_NOW,
        "IN_PERSON_CAPACITY": 100,
        # The per-address registration limit would refuse the load generator (one address): not measured here.
        "REGISTRATION_RATE_LIMIT": 1_000_000,
        # Registrations stored at once (the seat-taking path, as measured before the address proof): with the
        # proof on, a POST only queues an e-mail and the seat is taken by the link's button.
        "REQUIRE_EMAIL_CONFIRMATION": False,
    }
    results: dict = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cœurs",
        "gunicorn": f"{workers} workers sync",
        "budgets": BUDGETS,
    }
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        tmp = Path(tmp)
        servers = {
            "floor": Gunicorn(tmp / "floor", {}, workers=workers, app="benchmarks.floor:app"),
            "site": Gunicorn(tmp / "site", settings, workers=workers),
            "no_recycling": Gunicorn(
                tmp / "no-recycling", settings, workers=workers, extra_args=("--max-requests", "0")
            ),
        }
        for server in servers.values():
            stack.enter_context(server)
        site = servers["site"].url
        rounds, seconds = args.rounds or (1 if args.quick else 9), 2
        results["throughput"] = throughput(servers, rounds, seconds, connections=8)
        results["html_sizes"] = html_sizes(site)
        results["registrations"] = registrations(site, clients=8, per_client=3 if args.quick else 25)
        results["browser"] = browser_weight.measure(site)
        if not args.no_lighthouse:
            results["lighthouse"] = lighthouse(site + "/", tmp)
    results["missed"] = check(results)
    (HERE / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (HERE / "results.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))
    return 1 if results["missed"] else 0


if __name__ == "__main__":
    sys.exit(main())
