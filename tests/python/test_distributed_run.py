"""The launcher ember.distributed.run (torchrun's counterpart), run as a subprocess."""
import importlib.util
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

RUN_PY = Path(__file__).resolve().parents[2] / "python" / "ember" / "distributed" / "run.py"


def _ember_dir():
    """Directory holding the importable ember package with the launcher, or None."""
    try:
        import ember
        if importlib.util.find_spec("ember.distributed.run") is None:
            return None
    except Exception:  # not built yet, or built without the distributed part
        return None
    return str(Path(ember.__file__).resolve().parents[1])


EMBER_DIR = _ember_dir()
# `python -m ember.distributed.run` once the package is built; the file itself before that.
LAUNCHER = ([sys.executable, "-m", "ember.distributed.run"] if EMBER_DIR
            else [sys.executable, str(RUN_PY)])


def _env(**overrides):
    env = dict(os.environ)
    # Absolute paths, so that tests running in tmp_path still find the package.
    paths = [os.path.abspath(p) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(([EMBER_DIR] if EMBER_DIR else []) + paths)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def launch(*args, cwd=None, env=None):
    return subprocess.run([*LAUNCHER, *map(str, args)], capture_output=True, text=True,
                          timeout=60, cwd=cwd, env=env or _env())


def write(path, text, mode=0o644):
    path.write_text(textwrap.dedent(text))
    path.chmod(mode)
    return path


# Saves the launcher's variables as env_<RANK>.json next to the script.
ENV_DUMP = """\
    import json, os, sys
    keys = ["RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "GROUP_RANK", "MASTER_ADDR",
            "MASTER_PORT", "OMP_NUM_THREADS", "EMBER_NUM_THREADS"]
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "env_%s.json" % os.environ["RANK"]), "w") as f:
        json.dump({"env": {k: os.environ.get(k) for k in keys}, "argv": sys.argv[1:]}, f)
"""


def dumped(tmp_path, rank):
    return json.loads((tmp_path / f"env_{rank}.json").read_text())


def wait_for(path, timeout=30):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)
    return path


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie nobody reaped yet has stopped running too
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def gone(pid, timeout=5):
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


def test_two_local_ranks_get_torchrun_variables(tmp_path):
    script = write(tmp_path / "dump.py", ENV_DUMP)
    r = launch("--nproc-per-node", 2, "--max-restarts", 0, script, "a", "--b", "-m")
    assert r.returncode == 0, r.stderr
    for rank in (0, 1):
        d = dumped(tmp_path, rank)
        assert d["argv"] == ["a", "--b", "-m"]
        env = d["env"]
        assert env["RANK"] == env["LOCAL_RANK"] == str(rank)
        assert env["WORLD_SIZE"] == env["LOCAL_WORLD_SIZE"] == "2"
        assert env["GROUP_RANK"] == "0"
        assert (env["MASTER_ADDR"], env["MASTER_PORT"]) == ("127.0.0.1", "29500")


def test_second_node_ranks_with_underscore_spellings(tmp_path):
    script = write(tmp_path / "dump.py", ENV_DUMP)
    r = launch("--nproc_per_node", 2, "--nnodes", 2, "--node_rank", 1,
               "--master_addr", "10.1.2.3", "--master_port", 1234, script)
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / "env_0.json").exists()
    for local_rank, rank in ((0, 2), (1, 3)):
        env = dumped(tmp_path, rank)["env"]
        assert env["RANK"] == str(rank) and env["LOCAL_RANK"] == str(local_rank)
        assert env["WORLD_SIZE"] == "4" and env["LOCAL_WORLD_SIZE"] == "2"
        assert env["GROUP_RANK"] == "1"
        assert (env["MASTER_ADDR"], env["MASTER_PORT"]) == ("10.1.2.3", "1234")


def test_standalone_picks_a_port(tmp_path):
    script = write(tmp_path / "dump.py", ENV_DUMP)
    r = launch("--standalone", "--nproc-per-node", 2, script)
    assert r.returncode == 0, r.stderr
    ports = {dumped(tmp_path, rank)["env"]["MASTER_PORT"] for rank in (0, 1)}
    assert len(ports) == 1 and 0 < int(ports.pop()) < 65536
    assert dumped(tmp_path, 1)["env"]["MASTER_ADDR"] == "127.0.0.1"


def test_threads_divide_the_cores(tmp_path):
    script = write(tmp_path / "dump.py", ENV_DUMP)
    r = launch("--nproc-per-node", 2, script,
               env=_env(OMP_NUM_THREADS=None, EMBER_NUM_THREADS=None))
    assert r.returncode == 0, r.stderr
    share = str(max(1, os.cpu_count() // 2))
    for rank in (0, 1):
        env = dumped(tmp_path, rank)["env"]
        assert env["OMP_NUM_THREADS"] == env["EMBER_NUM_THREADS"] == share


def test_users_omp_num_threads_is_kept(tmp_path):
    script = write(tmp_path / "dump.py", ENV_DUMP)
    r = launch("--nproc-per-node", 2, script, env=_env(OMP_NUM_THREADS="3", EMBER_NUM_THREADS=None))
    assert r.returncode == 0, r.stderr
    env = dumped(tmp_path, 1)["env"]
    assert env["OMP_NUM_THREADS"] == env["EMBER_NUM_THREADS"] == "3"


SHELL_SCRIPT = """\
    echo "rank=$RANK local=$LOCAL_RANK world=$WORLD_SIZE args=$*"
"""


@pytest.mark.parametrize("how", ["executable", "env sh"])
def test_no_python_runs_an_executable(tmp_path, how):
    if how == "executable":
        script = write(tmp_path / "prog", "#!/bin/sh\n" + SHELL_SCRIPT, mode=0o755)
        command = [script]
    else:
        command = ["/usr/bin/env", "sh", write(tmp_path / "prog.sh", SHELL_SCRIPT)]
    r = launch("--nproc-per-node", 2, "--no-python", *command, "x", "y")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "rank=0 local=0 world=2 args=x y" in lines
    assert "rank=1 local=1 world=2 args=x y" in lines


def test_module_mode(tmp_path):
    write(tmp_path / "dumpmod.py", ENV_DUMP)
    r = launch("--nproc-per-node", 2, "-m", "dumpmod", "arg", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert [dumped(tmp_path, rank)["argv"] for rank in (0, 1)] == [["arg"], ["arg"]]
    assert dumped(tmp_path, 1)["env"]["LOCAL_RANK"] == "1"


def test_failing_rank_stops_the_others_and_is_reported(tmp_path):
    script = write(tmp_path / "fail.py", """\
        import os, sys, time
        here = os.path.dirname(os.path.abspath(__file__))
        pid_file = os.path.join(here, "rank0.pid")
        if os.environ["RANK"] == "0":
            with open(pid_file + ".tmp", "w") as f:
                f.write(str(os.getpid()))
            os.replace(pid_file + ".tmp", pid_file)
            time.sleep(30)
        else:
            while not os.path.exists(pid_file):  # fail only once rank 0 is sleeping
                time.sleep(0.05)
            for i in range(25):
                print("rank1 line", i)
            sys.exit(3)
    """)
    start = time.monotonic()
    r = launch("--nproc-per-node", 2, script)
    assert r.returncode == 3, r.stderr
    assert time.monotonic() - start < 15  # well before rank 0's sleep ends
    assert "rank 1 (local_rank 1" in r.stderr and "exit code 3" in r.stderr
    report = r.stderr.splitlines()
    assert "rank1 line 24" in report and "rank1 line 5" in report
    assert "rank1 line 4" not in report  # only the last 20 lines
    assert "rank1 line 0" in r.stdout.splitlines()  # everything was echoed
    assert gone(int((tmp_path / "rank0.pid").read_text()))


def test_rank_killed_by_a_signal(tmp_path):
    script = write(tmp_path / "die.py", """\
        import os, signal
        print("about to die")
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    r = launch(script)
    assert r.returncode == 128 + signal.SIGKILL
    assert "rank 0 (local_rank 0" in r.stderr and "SIGKILL" in r.stderr
    assert "about to die" in r.stderr.splitlines()


SLEEPER = """\
    import os, subprocess, sys, time
    here = os.path.dirname(os.path.abspath(__file__))
    rank = os.environ["RANK"]
    # A process of the child's own, which must be stopped as well.
    sleep = subprocess.Popen(["sleep", "30"])
    tmp = os.path.join(here, "tmp_" + rank)
    with open(tmp, "w") as f:
        f.write("%d %d" % (os.getpid(), sleep.pid))
    os.replace(tmp, os.path.join(here, "pids_" + rank))
    try:
        time.sleep(30)
    except KeyboardInterrupt:
        open(os.path.join(here, "interrupted_" + rank), "w").close()
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_to_the_launcher_stops_the_children(tmp_path, signum):
    script = write(tmp_path / "sleeper.py", SLEEPER)
    launcher = subprocess.Popen([*LAUNCHER, "--nproc-per-node", "2", str(script)], env=_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        pids = [int(pid) for rank in (0, 1)
                for pid in wait_for(tmp_path / f"pids_{rank}").read_text().split()]
        launcher.send_signal(signum)
        launcher.communicate(timeout=30)
    finally:
        launcher.kill()
        launcher.wait(timeout=10)
    assert launcher.returncode == -signum  # the launcher ends by the signal it got
    assert all(gone(pid) for pid in pids)
    if signum == signal.SIGINT:  # forwarded, so the children could clean up
        assert (tmp_path / "interrupted_0").exists() and (tmp_path / "interrupted_1").exists()


@pytest.mark.parametrize("flags", [["--max-restarts", "1"], ["--no-python", "-m"],
                                   ["--nnodes", "2", "--node-rank", "2"]])
def test_unsupported_options_are_rejected(tmp_path, flags):
    script = write(tmp_path / "dump.py", ENV_DUMP)
    r = launch(*flags, script)
    assert r.returncode == 2
    assert "error" in r.stderr
    assert not (tmp_path / "env_0.json").exists()
