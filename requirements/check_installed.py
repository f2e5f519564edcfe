"""Compare the running venv with a lock file: `pip freeze` must list exactly the locked set.

    python requirements/check_installed.py requirements/dev.txt          # report, exit 1 if not
    python requirements/check_installed.py --sync requirements/dev.txt   # first uninstall extras

Lock lines whose environment marker does not hold here (colorama on Windows...) are not
expected. The editable project and pip itself are not in the lock and are left out.
Standard library only, plus `packaging` (locked; pip's vendored copy otherwise).
"""

import argparse
import re
import subprocess
import sys
from pathlib import Path

try:
    from packaging.markers import Marker
except ImportError:  # a bare venv: pip carries its own copy
    from pip._vendor.packaging.markers import Marker

LOCK_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\#]+?))?\s*\\?$")
NOT_LOCKED = {"pip"}


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(path: Path) -> dict[str, str]:
    """{name: version} of the lock's requirements that apply to this interpreter."""
    pins = {}
    for line in path.read_text().splitlines():
        match = LOCK_LINE.match(line)
        if match is None:
            continue
        name, version, marker = match.groups()
        if marker and not Marker(marker).evaluate():
            continue
        pins[normalize(name)] = version
    return pins


def frozen() -> dict[str, str]:
    """{name: version} from `pip freeze` of this interpreter, editable installs left out."""
    out = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    installed = {}
    for line in out.splitlines():
        name, sep, version = line.partition("==")
        if sep:
            installed[normalize(name)] = version.strip()
    return {name: v for name, v in installed.items() if name not in NOT_LOCKED}


def differences(expected: dict[str, str], installed: dict[str, str]) -> list[str]:
    problems = [f"missing: {n}=={v}" for n, v in sorted(expected.items()) if n not in installed]
    problems += [
        f"wrong version: {n}=={installed[n]} (locked {v})"
        for n, v in sorted(expected.items())
        if n in installed and installed[n] != v
    ]
    problems += [
        f"not in the lock: {n}=={v}" for n, v in sorted(installed.items()) if n not in expected
    ]
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lock", type=Path)
    parser.add_argument("--sync", action="store_true", help="uninstall what the lock lacks")
    args = parser.parse_args()
    expected = locked(args.lock)
    if args.sync:
        extra = sorted(set(frozen()) - set(expected))
        if extra:
            print(f"Uninstalling {len(extra)} package(s) not in {args.lock}: {' '.join(extra)}")
            subprocess.run(  # noqa: S603 (names pip freeze printed, no shell)
                [sys.executable, "-m", "pip", "uninstall", "--quiet", "--yes", *extra], check=True
            )
    problems = differences(expected, frozen())
    for problem in problems:
        print(f"{args.lock}: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"pip freeze matches {args.lock}: {len(expected)} packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
