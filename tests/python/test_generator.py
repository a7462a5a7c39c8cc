"""torch.Generator and the generator= argument: a stream of its own, seeded and replayed as torch's
(the numbers are Ember's, not torch's), in the random functions and in torch.utils.data; and the
factory and DataLoader arguments Ember supports only at their defaults, refused or warned about by
name instead of ignored."""
import gc
import re
import warnings
import weakref

import numpy as np
import pytest

import ember
from ember.utils.data import (DataLoader, DistributedSampler, RandomSampler, SubsetRandomSampler,
                              WeightedRandomSampler, random_split)

DRAWS = {
    "rand": lambda g: ember.rand(5, generator=g),
    "randn": lambda g: ember.randn(2, 3, generator=g),
    "randint": lambda g: ember.randint(0, 100, (6,), generator=g),
    "randint_high": lambda g: ember.randint(100, (6,), generator=g),
    "randperm": lambda g: ember.randperm(10, generator=g),
    "bernoulli": lambda g: ember.bernoulli(ember.full((8,), 0.5), generator=g),
    "bernoulli_p": lambda g: ember.zeros(8).bernoulli(0.5, generator=g),
    "bernoulli_": lambda g: ember.zeros(8).bernoulli_(0.5, generator=g),
    "multinomial": lambda g: ember.multinomial(ember.ones(10), 4, generator=g),
    "multinomial_replacement": lambda g: ember.multinomial(ember.ones(10), 6, True, generator=g),
    "uniform_": lambda g: ember.empty(5).uniform_(-1, 1, generator=g),
    "normal_": lambda g: ember.empty(5).normal_(2, 3, generator=g),
}


@pytest.mark.parametrize("name", DRAWS)
def test_a_seeded_generator_replays_and_leaves_the_global_stream_alone(name):
    draw = DRAWS[name]
    ember.manual_seed(7)
    expected_global = ember.rand(4)
    ember.manual_seed(7)
    first = draw(ember.Generator().manual_seed(123))
    assert ember.equal(ember.rand(4), expected_global)  # the global stream did not move
    assert ember.equal(draw(ember.Generator().manual_seed(123)), first)
    others = [draw(ember.Generator().manual_seed(seed)) for seed in range(4)]
    assert any(not ember.equal(o, first) for o in others)


def test_generator_api_matches_torch(torch):
    for lib in (torch, ember):
        g = lib.Generator()
        assert g.initial_seed() == 67280421310721
        assert str(g.device) == "cpu"
        assert g.manual_seed(5) is g and g.initial_seed() == 5
        assert lib.Generator().manual_seed(-1).initial_seed() == 2 ** 64 - 1
        state = g.get_state()
        a = lib.rand(3, generator=g)
        assert g.set_state(state) is g
        assert lib.equal(lib.rand(3, generator=g), a)
        assert isinstance(lib.manual_seed(9), lib.Generator)
        assert lib.initial_seed() == 9 and lib.default_generator.initial_seed() == 9
        assert lib.random.initial_seed() == 9
        fresh = g.seed()
        assert g.initial_seed() == fresh
        with pytest.raises(TypeError, match=re.escape("got (int, generator=int)") if lib is torch
                           else "generator must be a torch.Generator, not int"):
            lib.rand(2, generator=3)


def test_samplers_and_random_split_follow_their_generator():
    data = list(range(50))

    def orders(make):
        def plain(x):
            return x.tolist() if isinstance(x, ember.Tensor) else x
        return [[plain(x) for x in make(ember.Generator().manual_seed(s))] for s in (1, 1, 2)]

    for make in (lambda g: RandomSampler(data, generator=g),
                 lambda g: RandomSampler(data, replacement=True, num_samples=20, generator=g),
                 lambda g: SubsetRandomSampler(data[::2], generator=g),
                 lambda g: WeightedRandomSampler([1.0] * 50, 20, generator=g),
                 lambda g: WeightedRandomSampler([1.0] * 50, 20, replacement=False, generator=g),
                 lambda g: DataLoader(data, batch_size=7, shuffle=True, generator=g),
                 lambda g: (s.indices for s in random_split(data, [20, 30], generator=g))):
        same, again, other = orders(make)
        assert same == again and same != other
    # Without a generator the order comes from the global stream: manual_seed replays it.
    ember.manual_seed(3)
    first = list(DataLoader(data, batch_size=50, shuffle=True))[0].tolist()
    ember.manual_seed(3)
    assert list(DataLoader(data, batch_size=50, shuffle=True))[0].tolist() == first
    assert sorted(first) == data and first != data


def test_distributed_sampler_orders_by_seed_and_epoch():
    data = list(range(40))
    shares = [DistributedSampler(data, num_replicas=2, rank=r, seed=4) for r in (0, 1)]
    epoch0 = [list(s) for s in shares]
    assert sorted(epoch0[0] + epoch0[1]) == data and epoch0[0] != data[::2]
    assert [list(s) for s in shares] == epoch0
    for s in shares:
        s.set_epoch(1)
    assert [list(s) for s in shares] != epoch0


def test_dataloader_arguments_checked_as_torch(torch):
    cases = [(dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
             (dict(multiprocessing_context="spawn"), "multiprocessing_context can only be used"),
             (dict(prefetch_factor=4), "prefetch_factor option could only be specified"),
             (dict(num_workers=1, multiprocessing_context="bogus"),
              "should specify a valid start method .* but got multiprocessing_context='bogus'")]
    for kwargs, reason in cases:
        with pytest.raises(ValueError, match=reason) as theirs:
            torch.utils.data.DataLoader(list(range(4)), **kwargs)
        with pytest.raises(ValueError, match=reason) as mine:
            DataLoader(list(range(4)), **kwargs)
        assert str(mine.value) == str(theirs.value)
    with pytest.warns(UserWarning, match="has no effect: Ember's workers are threads"):
        DataLoader(list(range(4)), num_workers=1, multiprocessing_context="spawn")
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true"):
        assert list(DataLoader([1, 2], pin_memory=True))[0].tolist() == [1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        DataLoader(list(range(4)), prefetch_factor=None)  # torch 2.x's default


def test_persistent_workers_start_once():
    started = []
    loader = DataLoader(list(range(12)), batch_size=3, num_workers=2, persistent_workers=True,
                        worker_init_fn=started.append)
    epochs = [[b.tolist() for b in loader] for _ in range(3)]
    assert epochs[0] == epochs[2] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]
    assert sorted(started) == [0, 1]
    started.clear()
    loader = DataLoader(list(range(12)), batch_size=3, num_workers=2, worker_init_fn=started.append)
    for _ in range(2):
        list(loader)
    assert sorted(started) == [0, 0, 1, 1]


def test_factory_layout_pin_memory_and_memory_format(torch):
    assert ember.zeros(2, layout=ember.strided, pin_memory=False).layout == ember.strided
    assert repr(ember.strided) == repr(torch.strided) == "torch.strided"
    assert ember.ones(3).is_pinned() is False
    with pytest.raises(RuntimeError, match="Pinned memory requires CUDA"):
        torch.zeros(2, pin_memory=True)
    with pytest.raises(RuntimeError, match=r"zeros\(\): Pinned memory requires CUDA"):
        ember.zeros(2, pin_memory=True)
    with pytest.raises(RuntimeError, match=r"ones\(\): only the strided layout is supported, got "
                                           r"torch.sparse_coo"):
        ember.ones(2, layout=ember.sparse_coo)
    # memory_format belongs to the *_like factories: torch refuses it elsewhere with a TypeError.
    with pytest.raises(TypeError, match=re.escape("got (int, memory_format=torch.memory_format)")):
        torch.zeros(2, memory_format=torch.contiguous_format)
    with pytest.raises(TypeError, match="unexpected keyword argument 'memory_format'"):
        ember.zeros(2, memory_format=ember.contiguous_format)
    x = ember.ones(2, 3)
    for fmt in (ember.contiguous_format, ember.preserve_format):
        assert ember.equal(ember.zeros_like(x, memory_format=fmt), ember.zeros(2, 3))
    with pytest.raises(RuntimeError, match="memory_format torch.channels_last is not supported"):
        ember.zeros_like(ember.ones(1, 2, 3, 4), memory_format=ember.channels_last)


def test_seeds_as_torch_takes_them(torch):
    for lib in (torch, ember):
        lib.manual_seed(np.int64(3))
        assert lib.initial_seed() == 3
        lib.manual_seed(4.0)  # torch.manual_seed takes what int() takes
        assert lib.initial_seed() == 4
        with pytest.raises(TypeError, match="an integer is required" if lib is torch
                           else "manual_seed expected an int as the seed, got int64"):
            lib.Generator().manual_seed(np.int64(3))
        assert (lib.Generator() == None) is False  # noqa: E711
        assert lib.empty(2, memory_format=lib.contiguous_format).shape == (2,)


def test_a_persistent_loader_nobody_holds_is_freed():
    loader = DataLoader(list(range(6)), batch_size=2, num_workers=2, persistent_workers=True)
    assert len(list(loader)) == 3
    ref = weakref.ref(loader)
    del loader
    gc.collect()
    assert ref() is None
