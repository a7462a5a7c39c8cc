"""Start one process per local rank, like ``torchrun`` (torch.distributed.run).

    python -m ember.distributed.run --nproc-per-node 4 train.py --lr 0.1
    python -m ember.distributed.run --nnodes 2 --node-rank 1 --master-addr 10.0.0.1 train.py
    python -m ember.distributed.run --nproc-per-node 2 --no-python ./my_cpp_program

Each child gets RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR and
MASTER_PORT in its environment, and its share of the cores in OMP_NUM_THREADS and
EMBER_NUM_THREADS. The children's output (stdout and stderr together) is echoed to the launcher's
stdout. When a child fails, the others are stopped and the launcher exits with the failing child's
status after printing its last lines of output to stderr. A C++ program started with --no-python
writes into a pipe, so it should flush its output (std::endl, or line buffering) for its last lines
to be in that report if it crashes.

Only the standard library is used: the launcher does not need Ember's extension itself.
"""
import argparse
import collections
import os
import signal
import socket
import subprocess
import sys
import threading
import time

_PROG = "ember.distributed.run"
_TAIL_LINES = 20        # lines of a failing child's output shown in the report
_KILL_GRACE_S = 5.0     # time children get to exit after SIGTERM before SIGKILL
_JOIN_S = 5.0           # time to let an exited child's output drain
_POLL_S = 0.1
_FORWARDED = (signal.SIGINT, signal.SIGTERM)

# The echo threads share the launcher's stdout; whole lines keep the ranks' output readable.
_stdout_lock = threading.Lock()


def _parse_args(argv):
    p = argparse.ArgumentParser(
        prog=f"python -m {_PROG}", allow_abbrev=False,
        description="Start one process per local rank with torchrun's environment variables.")
    p.add_argument("--nproc-per-node", "--nproc_per_node", metavar="N", type=int, default=1,
                   help="processes to start on this node (default 1)")
    p.add_argument("--nnodes", metavar="M", type=int, default=1, help="number of nodes (default 1)")
    p.add_argument("--node-rank", "--node_rank", metavar="R", type=int, default=0,
                   help="rank of this node, 0 .. nnodes-1 (default 0)")
    p.add_argument("--master-addr", "--master_addr", metavar="ADDR", default="127.0.0.1",
                   help="address of the rank 0 node (default 127.0.0.1)")
    p.add_argument("--master-port", "--master_port", metavar="PORT", type=int, default=29500,
                   help="port on the rank 0 node (default 29500)")
    p.add_argument("--standalone", action="store_true",
                   help="single node on this machine, with a free port picked by the launcher")
    p.add_argument("--max-restarts", "--max_restarts", metavar="N", type=int, default=0,
                   help="only 0 is supported: failed ranks are not restarted")
    p.add_argument("--no-python", "--no_python", action="store_true",
                   help="run the script as an executable rather than with Python")
    p.add_argument("-m", "--module", action="store_true",
                   help="run the script as a Python module, as `python -m` does")
    p.add_argument("training_script", help="script (or module, or executable) to run")
    p.add_argument("training_script_args", nargs=argparse.REMAINDER,
                   help="arguments passed to the script")
    args = p.parse_args(argv)

    if args.max_restarts != 0:
        p.error("--max-restarts: only 0 is supported (failed ranks are not restarted)")
    if args.no_python and args.module:
        p.error("--no-python and --module cannot be used together")
    if args.nproc_per_node < 1 or args.nnodes < 1:
        p.error("--nproc-per-node and --nnodes must be at least 1")
    if args.standalone:
        if args.nnodes != 1 or args.node_rank != 0:
            p.error("--standalone runs a single node: --nnodes must be 1 and --node-rank 0")
        args.master_addr, args.master_port = "127.0.0.1", _free_port()
    if not 0 <= args.node_rank < args.nnodes:
        p.error(f"--node-rank must be in 0 .. {args.nnodes - 1}")
    if not 0 < args.master_port < 65536:
        p.error("--master-port must be in 1 .. 65535")
    return args


def _free_port():
    # The port is free now; the ranks bind it soon after, as torchrun's --standalone also does.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _command(args):
    if args.no_python:
        return [args.training_script, *args.training_script_args]
    # -u: unbuffered, so each line reaches the launcher (and a crash report) as it is written.
    target = ["-m", args.training_script] if args.module else [args.training_script]
    return [sys.executable, "-u", *target, *args.training_script_args]


def _base_env(nproc):
    env = dict(os.environ)
    # Ranks on one node share its cores; a value the user chose is kept.
    threads = env.get("OMP_NUM_THREADS") or str(max(1, (os.cpu_count() or 1) // nproc))
    env.setdefault("OMP_NUM_THREADS", threads)
    env.setdefault("EMBER_NUM_THREADS", threads)
    return env


class _Worker:
    """One child, the thread echoing its output, and its last lines for a failure report."""

    def __init__(self, cmd, env, rank, local_rank):
        self.rank, self.local_rank = rank, local_rank
        self.tail = collections.deque(maxlen=_TAIL_LINES)
        # A session of its own keeps a terminal's Ctrl-C from reaching the child twice (the
        # launcher forwards it), and lets signals reach what the child starts (a shell's commands).
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.reader = threading.Thread(target=self._echo, daemon=True)
        self.reader.start()

    def _echo(self):
        out = sys.stdout.buffer
        with self.proc.stdout:
            for line in iter(self.proc.stdout.readline, b""):
                with _stdout_lock:
                    out.write(line)
                    out.flush()
                self.tail.append(line.decode(errors="replace").rstrip("\r\n"))

    def signal(self, signum):
        try:
            os.killpg(self.proc.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass  # the child and everything it started are gone


def _watch(workers, received):
    """Wait until every child exited 0 (-> None), one failed (-> it), or a signal came (-> None)."""
    while not received:
        running = False
        for w in workers:
            code = w.proc.poll()
            if code is None:
                running = True
            elif code != 0:
                return w
        if not running:
            return None
        time.sleep(_POLL_S)
    return None


def _stop(workers, signum):
    """Send signum (unless None: already sent), then SIGKILL whatever outlives the grace period."""
    if signum is not None:
        for w in workers:
            w.signal(signum)
    deadline = time.monotonic() + _KILL_GRACE_S
    for w in workers:
        try:
            w.proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    # Also sweeps processes an exited child left behind in its group, which would hold its pipe.
    for w in workers:
        w.signal(signal.SIGKILL)
    for w in workers:
        w.proc.wait()
        w.reader.join(_JOIN_S)


def _signal_name(signum):
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def _report(w, nproc):
    code = w.proc.returncode
    how = f"exit code {code}" if code > 0 else f"signal {_signal_name(-code)} ({-code})"
    lines = [f"{_PROG}: rank {w.rank} (local_rank {w.local_rank}, pid {w.proc.pid}) failed "
             f"with {how}"]
    if nproc > 1:
        lines.append(f"{_PROG}: stopped the other {nproc - 1} local rank(s)")
    lines.append(f"----- last {len(w.tail)} line(s) of output of rank {w.rank} -----")
    lines += w.tail
    lines.append("-----")
    print("\n".join(lines), file=sys.stderr, flush=True)


def main(argv=None):
    args = _parse_args(argv)
    cmd = _command(args)
    nproc = args.nproc_per_node
    env = _base_env(nproc)
    env.update(WORLD_SIZE=str(args.nnodes * nproc), LOCAL_WORLD_SIZE=str(nproc),
               GROUP_RANK=str(args.node_rank), MASTER_ADDR=args.master_addr,
               MASTER_PORT=str(args.master_port))

    workers, received = [], []

    def forward(signum, frame):
        received.append(signum)
        for w in workers:
            w.signal(signum)

    for s in _FORWARDED:
        signal.signal(s, forward)

    for local_rank in range(nproc):
        if received:
            break
        rank = args.node_rank * nproc + local_rank
        child_env = dict(env, RANK=str(rank), LOCAL_RANK=str(local_rank))
        try:
            workers.append(_Worker(cmd, child_env, rank, local_rank))
        except OSError as e:
            print(f"{_PROG}: cannot start {cmd[0]!r} for rank {rank}: {e}", file=sys.stderr)
            _stop(workers, signal.SIGTERM)
            sys.exit(1)

    failed = _watch(workers, received)
    if received:
        # The children have the signal already; give them the grace period, then end the
        # launcher by the same signal so its parent sees why it stopped.
        _stop(workers, None)
        signum = received[0]
        signal.signal(signum, signal.SIG_DFL)
        signal.raise_signal(signum)
        sys.exit(128 + signum)
    if failed is not None:
        _stop(workers, signal.SIGTERM)
        _report(failed, nproc)
        code = failed.proc.returncode
        sys.exit(code if code > 0 else 128 - code)
    for w in workers:
        w.reader.join(_JOIN_S)
    sys.exit(0)


if __name__ == "__main__":
    main()
