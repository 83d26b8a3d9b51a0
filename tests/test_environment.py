"""environment.yml (conda) installs the same pins as requirements.txt (pip); no conda runs
here, so its shape is checked and its pip section is the lock file itself."""
import re
import tomllib

import yaml

from ctip import paths


def pins(path):
    out = {}
    for line in (paths.ROOT / path).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            out[re.sub(r"[-_.]+", "-", name.lower())] = version
    return out


def test_environment_yml_uses_the_lock():
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text())
    assert set(env) <= {"name", "channels", "dependencies"}
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    assert "python=3.11" in conda and "pip" in conda
    assert pip == [["-r requirements.txt"]]


def test_direct_pins_match_the_lock():
    lock, direct = pins("requirements.txt"), pins("requirements.in")
    assert {k: lock.get(k) for k in direct} == direct


def test_package_dependencies_are_locked():
    deps = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lock = pins("requirements.txt")
    for d in deps:
        name = re.sub(r"[-_.]+", "-", re.split(r"[<>=!~ ]", d)[0].lower())
        assert name in lock, d
