"""ember.utils.data: datasets, samplers and the DataLoader, against torch.utils.data."""
import threading

import numpy as np
import pytest

import ember
from ember.utils import data


def as_lists(batch):
    if isinstance(batch, ember.Tensor) or hasattr(batch, "tolist"):
        return (str(batch.dtype).split(".")[-1], batch.tolist())
    if isinstance(batch, dict):
        return {k: as_lists(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return [as_lists(b) for b in batch]
    return batch


def test_tensor_dataset_loader_shuffles_and_drops():
    x, y = ember.arange(10.0).view(10, 1), ember.arange(10)
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=4, shuffle=True)
    batches = list(loader)
    assert len(loader) == 3 and [b[0].shape[0] for b in batches] == [4, 4, 2]
    assert sorted(v for b in batches for v in b[1].tolist()) == list(range(10))
    for xb, yb in batches:
        assert xb.view(-1).tolist() == [float(v) for v in yb.tolist()]
    dropped = data.DataLoader(data.TensorDataset(x, y), batch_size=4, drop_last=True)
    assert len(dropped) == 2 and len(list(dropped)) == 2
    ember.manual_seed(3)
    first = [b[1].tolist() for b in loader]
    ember.manual_seed(3)
    assert [b[1].tolist() for b in loader] == first


class Pairs:
    """A plain map-style dataset of NumPy arrays, numbers, strings and dicts."""

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": np.full(2, i, dtype=np.float32), "n": i, "f": i / 2, "name": f"item{i}",
                "np": np.float64(i)}


def test_default_collate_matches_torch(torch):
    def run(lib):
        return [as_lists(b) for b in lib.utils.data.DataLoader(Pairs(), batch_size=2)]

    assert run(ember) == run(torch)
    table = np.arange(6.0).reshape(3, 2)
    assert [as_lists(b) for b in data.DataLoader(table, batch_size=2)] == \
        [as_lists(b) for b in torch.utils.data.DataLoader(table, batch_size=2)]
    assert as_lists(list(data.DataLoader(Pairs(), batch_size=None))[1]) == \
        as_lists(list(torch.utils.data.DataLoader(Pairs(), batch_size=None))[1])


def test_collate_errors_match_torch(torch):
    ragged = [[1, 2], [3]]
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal"):
        list(torch.utils.data.DataLoader(ragged, batch_size=2))
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal"):
        list(data.DataLoader(ragged, batch_size=2))
    for kwargs, error, reason in (
            ({"shuffle": True, "sampler": [0, 1]}, ValueError,
             "sampler option is mutually exclusive with shuffle"),
            ({"batch_sampler": [[0]], "batch_size": 2}, ValueError,
             "batch_sampler option is mutually exclusive with batch_size"),
            ({"num_workers": -1}, ValueError, "num_workers option should be non-negative"),
            ({"no_such_option": 1}, TypeError,
             "got an unexpected keyword argument 'no_such_option'")):
        with pytest.raises(error, match=reason) as expected:
            torch.utils.data.DataLoader(ragged, **kwargs)
        with pytest.raises(error, match=reason) as got:
            data.DataLoader(ragged, **kwargs)
        assert str(got.value) == str(expected.value)


def test_samplers_and_batch_samplers():
    ds = list(range(7))
    assert list(data.SequentialSampler(ds)) == list(range(7))
    assert sorted(data.RandomSampler(ds)) == list(range(7))
    draws = list(data.RandomSampler(ds, replacement=True, num_samples=20))
    assert len(draws) == 20 and all(0 <= d < 7 for d in draws)
    assert sorted(data.SubsetRandomSampler([5, 1, 3])) == [1, 3, 5]
    batches = list(data.BatchSampler(data.SequentialSampler(ds), 3, drop_last=False))
    assert batches == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(data.BatchSampler(range(7), 3, drop_last=True)) == 2
    loader = data.DataLoader(ds, batch_sampler=[[6, 0], [3]])
    assert [b.tolist() for b in loader] == [[6, 0], [3]]
    with pytest.raises(ValueError, match="^batch_size should be a positive integer value, but got "
                                         "batch_size=0$"):
        data.BatchSampler(range(3), 0, False)


def _flat(epoch):
    return [v for b in epoch for v in (b.tolist() if hasattr(b, "tolist") else [b])]


@pytest.mark.parametrize("make", [lambda n: data.DataLoader(range(n), batch_size=16, shuffle=True),
                                  lambda n: data.RandomSampler(range(n))],
                         ids=["DataLoader", "RandomSampler"])
def test_shuffle_permutes_anew_each_epoch_and_manual_seed_replays(make):
    # 200 indices: an identity or repeated order by chance (1 in 200!) never happens, so a
    # shuffle that does not shuffle, or reuses one order, fails here.
    n = 200
    ember.manual_seed(5)
    shuffled = make(n)
    first, second = _flat(shuffled), _flat(shuffled)
    for order in (first, second):
        assert sorted(order) == list(range(n)) and order != list(range(n))
    assert first != second
    ember.manual_seed(5)
    assert _flat(shuffled) == first and _flat(shuffled) == second
    ember.manual_seed(5)
    assert _flat(make(n)) == first  # a fresh loader or sampler draws the same first epoch
    ember.manual_seed(6)
    assert _flat(shuffled) != first


def test_subset_concat_and_random_split():
    ds = data.TensorDataset(ember.arange(10.0))
    both = data.ConcatDataset([ds, data.Subset(ds, [9, 8])])
    assert len(both) == 12 and both[10][0].item() == 9.0 and both[-1][0].item() == 8.0
    assert len(ds + ds) == 20
    parts = data.random_split(ds, [7, 3])
    assert [len(p) for p in parts] == [7, 3]
    seen = sorted(int(p[i][0].item()) for p in parts for i in range(len(p)))
    assert seen == list(range(10))
    assert [len(p) for p in data.random_split(range(10), [0.5, 0.3, 0.2])] == [5, 3, 2]
    with pytest.raises(ValueError, match="^Sum of input lengths does not equal the length of the "
                                         "input dataset!$"):
        data.random_split(ds, [4, 4])
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        data.TensorDataset(ember.ones(2), ember.ones(3))


class Stream(data.IterableDataset):
    def __iter__(self):
        return iter(range(5))


def test_iterable_dataset():
    assert [b.tolist() for b in data.DataLoader(Stream(), batch_size=2)] == [[0, 1], [2, 3], [4]]
    assert len(list(data.DataLoader(Stream(), batch_size=2, drop_last=True))) == 2
    with pytest.raises(ValueError, match="^DataLoader with IterableDataset: expected unspecified "
                                         "shuffle option, but got shuffle=True$"):
        data.DataLoader(Stream(), shuffle=True)


def test_workers_keep_the_order_and_run_init():
    threads, ids = set(), []

    class Slow:
        def __len__(self):
            return 40

        def __getitem__(self, i):
            threads.add(threading.get_ident())
            return np.full(3, i, dtype=np.int64)

    loader = data.DataLoader(Slow(), batch_size=4, num_workers=2, worker_init_fn=ids.append)
    got = [b[:, 0].tolist() for b in loader]
    assert got == [list(range(i, i + 4)) for i in range(0, 40, 4)]
    assert sorted(ids) == [0, 1] and threading.get_ident() not in threads


def test_subclassed_tensor_dataset_and_numpy_scalars(torch):
    def run(lib):
        class Augmented(lib.utils.data.TensorDataset):
            def __getitem__(self, i):
                return (self.tensors[0][i] * 100,)

        batches = [b[0].tolist() for b in
                   lib.utils.data.DataLoader(Augmented(lib.arange(4.0)), batch_size=2)]
        scalar = list(lib.utils.data.DataLoader([np.float64(3), np.int64(2)], batch_size=None))
        return batches, [as_lists(s) for s in scalar]

    assert run(ember) == run(torch)
