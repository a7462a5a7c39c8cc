"""The autograd profiler (torch.autograd.profiler, torch.profiler): the same programs profiled
with real PyTorch and with Ember record the same main op names, counts, nesting and ranges, and
report them through the same tables, averages and traces."""
import json
import re
import threading

import pytest

import ember


def build(lib):
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), lib.nn.Linear(8, 2))
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    return model, opt, lib.randn(3, 4), lib.randn(3, 2)


def train_step(lib, model, opt, x, y):
    opt.zero_grad()
    loss = lib.nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()


def profile_step(lib, **kwargs):
    model, opt, x, y = build(lib)
    with lib.autograd.profiler.profile(**kwargs) as prof:
        with lib.autograd.profiler.record_function("step"):
            train_step(lib, model, opt, x, y)
    return prof


def names(prof):
    return {e.name for e in prof.function_events}


def by_name(prof, name):
    return [e for e in prof.function_events if e.name == name]


# What both record for the training step: the kernels both run (torch's Linear is one addmm, but
# its backward runs mm and sum as Ember's does), the backward nodes inside the engine's ranges,
# the optimizer's ranges and the user's. Ember's mse_loss is composed (sub, mul, mean), so its
# MseLossBackward0 is MeanBackward0, MulBackward0 and SubBackward0 there.
COMMON = {
    "aten::mm", "aten::relu", "aten::threshold_backward", "aten::sum", "aten::add_",
    "aten::fill_", "step", "Optimizer.zero_grad#SGD.zero_grad", "Optimizer.step#SGD.step",
    "autograd::engine::evaluate_function: ReluBackward0", "ReluBackward0",
    "autograd::engine::evaluate_function: AddmmBackward0", "AddmmBackward0",
    "autograd::engine::evaluate_function: TBackward0", "TBackward0",
    "autograd::engine::evaluate_function: torch::autograd::AccumulateGrad",
    "torch::autograd::AccumulateGrad",
}


def test_training_step_records_the_same_main_names(torch):
    theirs, mine = names(profile_step(torch)), names(profile_step(ember))
    assert COMMON <= theirs, COMMON - theirs
    assert COMMON <= mine, COMMON - mine
    # Every Ember event is an ATen-named kernel, a backward node's range, or a user range.
    for name in mine:
        assert (name.startswith(("aten::", "autograd::engine::evaluate_function: ",
                                 "Optimizer.")) or name.endswith("Backward0")
                or name in ("step", "torch::autograd::AccumulateGrad")), name


def _subtree(event):
    yield event
    for child in event.cpu_children:
        yield from _subtree(child)


def test_backward_nodes_nest_like_torch(torch):
    for lib in (torch, ember):
        prof = profile_step(lib)
        outer, = by_name(prof, "autograd::engine::evaluate_function: ReluBackward0")
        node, = by_name(prof, "ReluBackward0")
        kernel, = by_name(prof, "aten::threshold_backward")
        assert node.sequence_nr >= 0
        assert outer.time_range.start <= node.time_range.start <= kernel.time_range.start
        # Three parameters in each Linear... four leaves in all, each accumulated once.
        accumulated = by_name(prof, "torch::autograd::AccumulateGrad")
        assert len(accumulated) == 4, lib.__name__
        if lib is torch:
            # torch 1.13 nests its events by whole-microsecond ranges: ranges that start and end
            # in the same microseconds, or a kernel ending in the one after its node, can nest
            # either way round. Ember's events carry the range open when they began.
            assert {e.name for e in _subtree(outer.cpu_parent or outer)} >= {
                node.name, kernel.name}
            continue
        assert outer.cpu_parent is not None and outer.cpu_parent.name == "step"
        assert node.cpu_parent is outer and kernel.cpu_parent is node
        assert node.time_range.end <= outer.time_range.end


def test_event_counts_in_a_loop(torch):
    for lib in (torch, ember):
        a, b = lib.randn(5, 5), lib.randn(5, 5)
        with lib.autograd.profiler.profile() as prof:
            for _ in range(7):
                a.mm(b).exp()
        assert len(by_name(prof, "aten::mm")) == 7
        assert len(by_name(prof, "aten::exp")) == 7
        averages = {e.key: e for e in prof.key_averages()}
        assert averages["aten::mm"].count == 7
        assert averages["aten::exp"].count == 7
        assert averages["aten::mm"].cpu_time_total == pytest.approx(
            sum(e.cpu_time_total for e in by_name(prof, "aten::mm")))
        assert averages["aten::mm"].cpu_time == pytest.approx(
            averages["aten::mm"].cpu_time_total / 7)


def table_layout(text):
    lines = text.splitlines()
    header = re.split(r"\s{2,}", lines[1].strip())
    widths = [len(c) for c in lines[0].split()]
    return lines, header, widths


def test_table_has_torch_layout(torch):
    tables = {}
    for lib in (torch, ember):
        prof = profile_step(lib)
        tables[lib] = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=5)
    (t_lines, t_header, t_widths), (e_lines, e_header, e_widths) = (
        table_layout(tables[torch]), table_layout(tables[ember]))
    assert e_header == t_header == ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total",
                                    "CPU time avg", "# of Calls"]
    assert e_widths[1:] == t_widths[1:] == [12] * 6
    assert e_lines[0] == e_lines[2] == e_lines[-2]
    assert len(e_lines) == len(t_lines) == 5 + 5
    assert re.fullmatch(r"Self CPU time total: \d+\.\d{3}(us|ms|s)", e_lines[-1])
    assert t_lines[-1].startswith("Self CPU time total: ")
    # Rows are sorted by self CPU time, each with a share, a time and a count.
    rows = [re.split(r"\s{2,}", line.strip()) for line in e_lines[3:-2]]
    shares = [float(r[1].rstrip("%")) for r in rows]
    assert shares == sorted(shares, reverse=True)
    assert all(re.fullmatch(r"\d+\.\d{3}(us|ms|s)", r[2]) and r[6].isdigit() for r in rows)


def test_table_options_match_torch(torch):
    outputs = {}
    for lib in (torch, ember):
        prof = profile_step(lib, record_shapes=True, profile_memory=True)
        by_shape = prof.key_averages(group_by_input_shape=True)
        outputs[lib] = (
            table_layout(by_shape.table(row_limit=3))[1],
            prof.key_averages().table(header="HEADER", row_limit=1).splitlines()[:2],
            prof.function_events.table(top_level_events_only=True).splitlines()[1],
        )
    assert outputs[ember][0] == outputs[torch][0]
    assert outputs[ember][0][-1] == "Input Shapes" and "CPU Mem" in outputs[ember][0]
    assert outputs[ember][1][1] == outputs[torch][1][1] == "HEADER"
    assert set(outputs[ember][1][0]) == {"="}
    assert outputs[ember][2] == outputs[torch][2] == (
        "This report only display top-level ops statistics")


def test_key_averages_group_by_input_shape(torch):
    for lib in (torch, ember):
        w = lib.randn(3, 4)
        small, large = lib.randn(2, 3), lib.randn(5, 3)
        with lib.autograd.profiler.profile(record_shapes=True) as prof:
            small.mm(w)
            large.mm(w)
            large.mm(w)
        plain = [e for e in prof.key_averages() if e.key == "aten::mm"]
        assert len(plain) == 1 and plain[0].count == 3 and plain[0].input_shapes == ""
        grouped = {str(e.input_shapes): e.count
                   for e in prof.key_averages(group_by_input_shape=True) if e.key == "aten::mm"}
        assert grouped == {"[[2, 3], [3, 4]]": 1, "[[5, 3], [3, 4]]": 2}, lib.__name__
        mm = by_name(prof, "aten::mm")[0]
        assert mm.input_shapes == [[2, 3], [3, 4]]


def test_record_function_ranges_nest_the_users_ops(torch):
    for lib in (torch, ember):
        rf = lib.autograd.profiler.record_function
        a = lib.randn(4, 4)

        @rf("decorated")
        def inner():
            return a.exp()

        with lib.autograd.profiler.profile() as prof:
            with rf("outer"):
                with rf("middle", "some args"):
                    a.mm(a)
                    inner()
                inner()
        outer, = by_name(prof, "outer")
        middle, = by_name(prof, "middle")
        decorated = by_name(prof, "decorated")
        assert len(decorated) == 2
        assert outer.cpu_parent is None
        assert middle.cpu_parent is outer
        assert decorated[0].cpu_parent is middle and decorated[1].cpu_parent is outer
        assert "aten::mm" in [c.name for c in middle.cpu_children]
        assert "aten::exp" in [c.name for c in decorated[0].cpu_children]
        assert outer.cpu_time_total >= middle.cpu_time_total
        assert outer.self_cpu_time_total == pytest.approx(
            outer.cpu_time_total - sum(c.cpu_time_total for c in outer.cpu_children))
        ids = [e.id for e in prof.function_events]
        assert len(set(ids)) == len(ids)
        assert outer.thread == middle.thread


def test_totals(torch):
    for lib in (torch, ember):
        prof = profile_step(lib)
        events = prof.function_events
        assert prof.self_cpu_time_total == pytest.approx(
            sum(e.self_cpu_time_total for e in events))
        total = prof.total_average()
        assert total.key == "Total"
        assert total.count == len(events)
        assert total.self_cpu_time_total == pytest.approx(prof.self_cpu_time_total)
        step, = by_name(prof, "step")
        # The user's range holds everything else, so its total is at most the self-time sum.
        assert step.cpu_time_total <= prof.self_cpu_time_total * 1.0001 + 1


def test_chrome_trace(torch, tmp_path):
    traces = {}
    for lib in (torch, ember):
        prof = profile_step(lib, record_shapes=True)
        path = tmp_path / (lib.__name__ + ".json")
        prof.export_chrome_trace(str(path))
        traces[lib] = json.loads(path.read_text())
    # Without Kineto torch writes the bare event list; Ember writes Kineto's document.
    theirs = traces[torch]
    mine = traces[ember]["traceEvents"]
    assert traces[ember]["schemaVersion"] == 1
    for events in (theirs, mine):
        complete = [e for e in events if e["ph"] == "X"]
        assert complete
        for e in complete:
            assert {"name", "ph", "ts", "dur", "tid", "pid", "args"} <= set(e)
            assert e["dur"] >= 0 and e["ts"] >= 0
        assert COMMON <= {e["name"] for e in complete}
    step = next(e for e in mine if e["name"] == "step")
    for e in mine:
        assert step["ts"] <= e["ts"] and e["ts"] + e["dur"] <= step["ts"] + step["dur"] + 1e-3
    mm = next(e for e in mine if e["name"] == "aten::mm")
    assert mm["cat"] == "cpu_op" and step["cat"] == "user_annotation"
    assert len(mm["args"]["Input Dims"]) == 2


def test_torch_profiler_schedule(torch):
    for lib in (torch, ember):
        p = lib.profiler
        a = lib.randn(4, 4)
        ready = []
        with p.profile(activities=[p.ProfilerActivity.CPU],
                       schedule=p.schedule(wait=1, warmup=1, active=2, repeat=1),
                       on_trace_ready=lambda prof: ready.append(prof.key_averages()),
                       record_shapes=True) as prof:
            for _ in range(6):
                a.mm(a)
                prof.step()
        assert len(ready) == 1
        counts = {e.key: e.count for e in ready[0]}
        assert counts["aten::mm"] == 2, lib.__name__
        assert counts["ProfilerStep*"] == 2
        assert prof.step_num == 6
        actions = [p.schedule(wait=1, warmup=1, active=2, skip_first=1)(i) for i in range(7)]
        assert [a.name for a in actions] == ["NONE", "NONE", "WARMUP", "RECORD",
                                            "RECORD_AND_SAVE", "NONE", "WARMUP"]


def test_torch_profiler_without_schedule(torch, tmp_path):
    for lib in (torch, ember):
        a = lib.randn(3, 3)
        with lib.profiler.profile() as prof:
            with lib.profiler.record_function("block"):
                a.exp()
        assert {"block", "aten::exp"} <= {e.name for e in prof.events()}
        assert "aten::exp" in [e.key for e in prof.key_averages()]
        prof.export_chrome_trace(str(tmp_path / "t.json"))
        assert json.loads((tmp_path / "t.json").read_text())
    handler = ember.profiler.tensorboard_trace_handler(str(tmp_path / "tb"), worker_name="w")
    with ember.profiler.profile(schedule=ember.profiler.schedule(wait=0, warmup=1, active=1),
                                on_trace_ready=handler) as prof:
        for _ in range(2):
            ember.ones(2).exp()
            prof.step()
    written = list((tmp_path / "tb").iterdir())
    assert len(written) == 1 and written[0].name.endswith(".pt.trace.json")


def test_enums_and_configs_match_torch(torch):
    assert list(ember.autograd.ProfilerState.__members__) == list(
        torch.autograd.ProfilerState.__members__)
    for name in ("CPU", "CUDA"):
        assert (getattr(ember.autograd.ProfilerActivity, name).value
                == getattr(torch.autograd.ProfilerActivity, name).value)
    assert ember.profiler.ProfilerActivity is ember.autograd.ProfilerActivity
    assert ember.autograd.kineto_available() is False
    assert ember.profiler.supported_activities() == {ember.profiler.ProfilerActivity.CPU}
    assert [a.name for a in ember.profiler.ProfilerAction] == [
        a.name for a in torch.profiler.ProfilerAction]
    prof = ember.autograd.profiler.profile(record_shapes=True)
    config = prof.config()
    assert config.report_input_shapes and config.state == ember.autograd.ProfilerState.KINETO
    from ember.autograd import profiler_util
    assert profiler_util._format_time(1234.5) == torch.autograd.profiler_util._format_time(1234.5)
    assert profiler_util._format_memory(3 << 20) == torch.autograd.profiler_util._format_memory(
        3 << 20)


def test_legacy_profiler(torch):
    for lib in (torch, ember):
        a = lib.randn(4, 4, requires_grad=True)
        with lib.autograd.profiler_legacy.profile(record_shapes=True) as prof:
            with lib.autograd.profiler.record_function("legacy"):
                a.mm(a).sum().backward()
        legacy, = by_name(prof, "legacy")
        assert all(e.is_legacy for e in prof.function_events)
        assert "aten::mm" in [c.name for c in legacy.cpu_children]
        assert "autograd::engine::evaluate_function: MmBackward0" in names(prof)
        assert [e.input_shapes for e in by_name(prof, "aten::mm")][0] == [[4, 4], [4, 4]]
        assert "# of Calls" in prof.table()


def test_switch_and_errors(torch):
    enabled = ember.autograd._profiler_enabled
    assert not enabled()
    with ember.autograd.profiler.profile() as prof:
        assert enabled()
    assert not enabled()
    for lib in (torch, ember):
        prof = lib.autograd.profiler.profile(enabled=False)
        with prof:
            lib.ones(2).exp()
        assert not hasattr(prof, "function_events") or prof.function_events is None
        prof = lib.autograd.profiler.profile()
        with prof:
            with pytest.raises(RuntimeError):
                prof.__enter__()
        with pytest.raises(RuntimeError):
            lib.autograd.profiler.profile().table()
    # Ops run with the profiler off leave nothing for the next session.
    ember.ones(3).exp()
    with ember.autograd.profiler.profile() as prof:
        pass
    assert len(prof.function_events) == 0
    assert prof.key_averages().table() == ""


def test_threads_record_apart():
    a = ember.randn(8, 8)

    def work(i):
        with ember.autograd.profiler.record_function("worker%d" % i):
            a.tanh()

    with ember.autograd.profiler.profile() as prof:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        a.exp()
    workers = [by_name(prof, "worker%d" % i)[0] for i in range(3)]
    main, = by_name(prof, "aten::exp")
    assert len({w.thread for w in workers} | {main.thread}) == 4
    for w in workers:
        child, = w.cpu_children
        assert child.name == "aten::tanh" and child.thread == w.thread
