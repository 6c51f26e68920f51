"""The web benchmark's server starts: its settings (debug pages off, its own secret key,
plain HTTP on loopback) are ones Family View accepts, so `make bench-web` measures pages
rather than stop at a refusal."""

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bench_web():
    spec = importlib.util.spec_from_file_location("bench_web", ROOT / "benchmarks" / "bench_web.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_web_benchmarks_server_settings_are_accepted(tmp_path):
    env = bench_web().server_env(f"sqlite:///{tmp_path / 'bench.sqlite3'}")
    env["FAMILYVIEW_VAR_DIR"] = str(tmp_path)

    done = subprocess.run(
        [sys.executable, "-m", "familyview.cli", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert "production mode will not start" not in done.stderr
