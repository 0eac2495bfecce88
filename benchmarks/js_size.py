"""The extension's JavaScript size: what a browser loads when JupyterLab starts, and what later.

    python benchmarks/js_size.py            # from the built labextension's chunk graph
    python benchmarks/js_size.py --browser  # also: what Chromium really fetches (starts JupyterLab)

Sizes are gzip -9 of the files in jupyterlab_livy_capacity/labextension/static (build it first:
`npm run build:prod`). Goal (issue 12): the JS loaded at startup stays under dask-labextension's
16.2 KB.

"Initial" from the chunk graph: JupyterLab 4 loads each federated extension's remoteEntry, then
the modules it exposes as `./extension` and `./style` (its package.json `_build`), which webpack
resolves to the chunks named in the remoteEntry's `exposes` map. Every other chunk loads only
when code asks for it (`import()`).

"Initial" from the browser (--browser): JupyterLab (from .venv) runs on a free port with
throw-away settings and workspaces folders (a first start: no panel restored open) and a
SparkMagic config naming one unreachable Livy URL; Debian's Chromium (driven by ui-tests'
playwright-core, no browser download) opens /lab, waits until the app has started and the
network has been idle, and lists the requests under
/lab/extensions/jupyterlab-livy-capacity/static/. It then opens the Spark Capacity panel, the
palette check and the Settings Editor and lists what each loads.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LABEXT = ROOT / "jupyterlab_livy_capacity" / "labextension"
STATIC = LABEXT / "static"
GOAL_KB = 16.2
NAME = "jupyterlab-livy-capacity"


def gz(path: Path) -> int:
    """Bytes of `gzip -9` of the file (the issue's figures), Python's gzip where there is no gzip."""
    if shutil.which("gzip"):
        return len(subprocess.run(["gzip", "-9c", str(path)], capture_output=True, check=True).stdout)
    return len(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))


def kb(n: int) -> str:
    return f"{n / 1000:.1f} KB"


def chunk_graph() -> tuple[str, dict[str, list[str]], dict[str, str]]:
    """remoteEntry name, the chunk files of each exposed module, and every chunk id's file."""
    build = json.loads((LABEXT / "package.json").read_text())["jupyterlab"]["_build"]
    entry = Path(build["load"]).name
    text = (STATIC / entry).read_text()
    # r.u=e=>e+"."+{27:"175c…",32:"87a8…"}[e]+".js?v=…": chunk id -> content hash
    names = re.search(r'\.u=\w+=>\w+\+"\."\+(\{[^}]*\})\[', text)
    if not names:
        raise SystemExit(f"{entry}: no chunk file map found; has the webpack runtime changed?")
    files = {cid: f"{cid}.{h}.js" for cid, h in re.findall(r'"?(\w+)"?:"([0-9a-f]+)"', names.group(1))}
    exposed: dict[str, list[str]] = {}
    for module in ("./extension", "./style"):
        # "./extension":()=>Promise.all([r.e(12),r.e(27)]).then(...)  or  ()=>r.e(27).then(...)
        m = re.search(re.escape(f'"{module}":()=>') + r"(.*?)\.then\(", text)
        if m:
            ids = re.findall(r"\.e\((\d+)\)", m.group(1))
            exposed[module] = [files[i] for i in ids if i in files]
    return entry, exposed, files


def static_figures() -> tuple[set[str], list[Path]]:
    entry, exposed, _ = chunk_graph()
    initial = {entry} | {f for fs in exposed.values() for f in fs}
    js = sorted(STATIC.glob("*.js"))
    print(f"Chunk graph of {STATIC.relative_to(ROOT)} (gzip -9):")
    print(f"  remoteEntry                {entry:42s} {kb(gz(STATIC / entry)):>8s}")
    for module, fs in exposed.items():
        for f in fs:
            print(f"  {module:26s} {f:42s} {kb(gz(STATIC / f)):>8s}")
    initial_total = sum(gz(STATIC / f) for f in initial)
    lazy = [p for p in js if p.name not in initial and p.name != "style.js"]
    for p in lazy:
        print(f"  {'lazy (import())':26s} {p.name:42s} {kb(gz(p)):>8s}")
    lazy_total = sum(gz(p) for p in lazy)
    print(
        f"  initial: {kb(initial_total)} (goal <= {GOAL_KB} KB: "
        f"{'met' if initial_total <= GOAL_KB * 1000 else 'MISSED'}); lazy: {kb(lazy_total)}; "
        f"total: {kb(initial_total + lazy_total)}"
    )
    return initial, lazy


BROWSER_JS = r"""
const { chromium } = require('playwright-core');
const [url, prefix] = process.argv.slice(2);
(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu']
  });
  const page = await browser.newPage();
  let stage = 'startup';
  const seen = [];
  page.on('request', r => {
    const u = new URL(r.url());
    if (u.pathname.startsWith(prefix)) {
      seen.push([stage, u.pathname.slice(prefix.length)]);
    }
  });
  const settle = async () => {
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(3000);
  };
  await page.goto(url);
  await page.waitForFunction(() => window.jupyterapp && window.jupyterapp.started, null, { timeout: 120000 });
  await page.evaluate(() => window.jupyterapp.started);
  await settle();
  const run = async (name, command, args) => {
    stage = name;
    await page.evaluate(([c, a]) => { void window.jupyterapp.commands.execute(c, a); }, [command, args]);
    await settle();
  };
  await run('open the panel', 'livy-capacity:open', {});
  await run('palette check', 'livy-capacity:check', {});
  await page.keyboard.press('Escape');
  await run('Settings Editor', 'settingeditor:open', { query: 'Spark Capacity' });
  console.log(JSON.stringify(seen));
  await browser.close();
})().catch(e => { console.error(e); process.exit(1); });
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def browser_figures() -> None:
    node_modules = ROOT / "ui-tests" / "node_modules"
    if not (node_modules / "playwright-core").is_dir():
        raise SystemExit("ui-tests/node_modules has no playwright-core: run `cd ui-tests && npm ci`")
    jupyter = ROOT / ".venv" / "bin" / "jupyter"
    if not jupyter.exists():
        jupyter = Path(shutil.which("jupyter") or "jupyter")
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="livy-capacity-js-size-"))
    conf = tmp / "sparkmagic"
    conf.mkdir()
    (conf / "config.json").write_text(
        json.dumps({"kernel_python_credentials": {"url": f"http://127.0.0.1:{free_port()}", "auth": "None"}})
    )
    (tmp / "settings").mkdir()
    (tmp / "workspaces").mkdir()
    env = {**os.environ, "SPARKMAGIC_CONF_DIR": str(conf)}
    lab = subprocess.Popen(
        [
            str(jupyter),
            "lab",
            "--no-browser",
            f"--port={port}",
            "--ip=127.0.0.1",
            "--allow-root",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--LabApp.expose_app_in_browser=True",
            f"--ServerApp.root_dir={tmp}",
            f"--LabApp.user_settings_dir={tmp / 'settings'}",
            # a fresh workspace: no panel or Settings Editor restored from an earlier run's layout
            f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp / "lab.log").open("w"),
    )
    try:
        url = f"http://127.0.0.1:{port}/lab"
        for _ in range(120):
            try:
                urllib.request.urlopen(url, timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise SystemExit(f"JupyterLab did not answer at {url}; see {tmp / 'lab.log'}")
        script = tmp / "fetches.js"
        script.write_text(BROWSER_JS)
        out = subprocess.run(
            ["node", str(script), url, f"/lab/extensions/{NAME}/static/"],
            env={**os.environ, "NODE_PATH": str(node_modules)},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if out.returncode:
            raise SystemExit(f"the browser run failed:\n{out.stderr}")
        seen = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        lab.terminate()
        lab.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    print("\nWhat Chromium fetched from /lab/extensions/jupyterlab-livy-capacity/static/ (gzip -9):")
    stages: dict[str, list[str]] = {}
    for stage, name in seen:
        name = name.split("?")[0]
        if name not in stages.setdefault(stage, []):
            stages[stage].append(name)
    for stage, names in stages.items():
        sizes = [gz(STATIC / n) if (STATIC / n).exists() else 0 for n in names if n.endswith(".js")]
        print(f"  {stage}: {kb(sum(sizes))} JS")
        for n in names:
            size = kb(gz(STATIC / n)) if (STATIC / n).exists() else "?"
            print(f"    {n:44s} {size:>8s}")
    missing = [n for names in stages.values() for n in names if not (STATIC / n).exists()]
    if missing:
        raise SystemExit(
            f"JupyterLab served files the build does not have ({', '.join(missing)}): "
            "reinstall the extension built now (scripts/lib.sh lc_install_extension)"
        )
    startup = sum(gz(STATIC / n) for n in stages.get("startup", []) if n.endswith(".js"))
    print(f"  startup JS: {kb(startup)} (goal <= {GOAL_KB} KB: {'met' if startup <= GOAL_KB * 1000 else 'MISSED'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--browser", action="store_true", help="also list what Chromium fetches at startup and on first use")
    args = parser.parse_args()
    if not STATIC.is_dir():
        raise SystemExit(f"{STATIC} is missing: run `npm run build:prod` first")
    static_figures()
    if args.browser:
        browser_figures()


if __name__ == "__main__":
    sys.exit(main())
