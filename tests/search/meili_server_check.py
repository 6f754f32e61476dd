"""`make test-meili`: the engine tests against a real Meilisearch server, with the registry's key.

Given `MEILI_URL` and `MEILI_MASTER_KEY`, it makes a key by running `registry search create-key`
(so the key has exactly the actions and index scope the registry's own key has), runs the
Meilisearch cases of `tests/search/` against the server with that key and without the master
key, and deletes the key afterwards. `MEILI_INDEX_PREFIX` applies as it does to the registry:
the key covers `{prefix}solutions*` and every test index is named inside it. Extra arguments go
to pytest. The exit status is pytest's (2 when the key cannot be made).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import meilisearch
from meilisearch.errors import MeilisearchError

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OLDEST_TESTED = (1, 50, 0)


def main(argv: list[str]) -> int:
    url = os.environ.get("MEILI_URL", "").strip()
    master = os.environ.get("MEILI_MASTER_KEY", "").strip()
    if not url or not master:
        print("Set MEILI_URL and MEILI_MASTER_KEY to check a Meilisearch server.", file=sys.stderr)
        return 2
    admin = meilisearch.Client(url, master, timeout=10)
    try:
        version = admin.get_version().get("pkgVersion", "unknown")
    except MeilisearchError as exc:
        print(f"Cannot reach Meilisearch at {url}: {exc}", file=sys.stderr)
        return 2
    print(f"Meilisearch {version} at {url}")
    numbers = tuple(int(p) for p in version.split(".")[:3] if p.isdigit())
    if len(numbers) == 3 and numbers < OLDEST_TESTED:
        oldest = ".".join(map(str, OLDEST_TESTED))
        print(f"warning: older than v{oldest}, the oldest version supported", file=sys.stderr)
    made = subprocess.run(
        [str(Path(sys.executable).parent / "registry"), "search", "create-key"],
        capture_output=True,
        text=True,
        check=False,
    )
    key = made.stdout.strip()
    if made.returncode != 0 or not key:
        print(f"registry search create-key failed: {made.stderr.strip()}", file=sys.stderr)
        return 2
    env = {k: v for k, v in os.environ.items() if k != "MEILI_MASTER_KEY"}
    env["MEILI_API_KEY"] = key
    try:
        tests = [sys.executable, "-m", "pytest", str(HERE), "-m", "meili", *argv]
        return subprocess.run(tests, env=env, cwd=ROOT, check=False).returncode
    finally:
        try:
            admin.delete_key(key)
        except MeilisearchError as exc:
            print(f"warning: could not delete the test key: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
