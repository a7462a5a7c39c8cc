"""WeightedRandomSampler, DistributedSampler, ChainDataset and get_worker_info against real
PyTorch: what is deterministic is compared value for value; random draws by their
distribution."""
import collections

import pytest

import ember


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (4, 4, False),
                                                  (3, 5, False), (12, 4, True)])
def test_distributed_sampler_shares_match_torch(torch, n, replicas, drop_last):
    data = list(range(n))
    for rank in range(replicas):
        mine = ember.utils.data.DistributedSampler(data, replicas, rank, shuffle=False,
                                                   drop_last=drop_last)
        ref = torch.utils.data.DistributedSampler(data, replicas, rank, shuffle=False,
                                                  drop_last=drop_last)
        assert list(mine) == list(ref) and len(mine) == len(ref)


def test_distributed_sampler_shuffles_one_order_per_epoch():
    data = list(range(50))

    def shares(epoch):
        out = []
        for rank in range(4):
            s = ember.utils.data.DistributedSampler(data, 4, rank, seed=7)
            s.set_epoch(epoch)
            out.append(list(s))
        return out

    first, again, other = shares(0), shares(0), shares(1)
    assert first == again and first != other
    # Together the replicas cover the dataset (two indices repeated to even the shares out).
    assert set(sum(first, [])) == set(range(50)) and len(sum(first, [])) == 52


def test_distributed_sampler_errors_match_torch(torch):
    for lib in (ember, torch):
        with pytest.raises(ValueError, match=r"Invalid rank 3, rank should be in the interval "
                                             r"\[0, 2\]"):
            lib.utils.data.DistributedSampler(list(range(5)), num_replicas=3, rank=3)
    with pytest.raises(RuntimeError, match="Default process group has not been initialized"):
        ember.utils.data.DistributedSampler(list(range(5)))


def test_weighted_sampler_draws_in_proportion():
    ember.manual_seed(0)
    counts = collections.Counter(ember.utils.data.WeightedRandomSampler([1, 0, 3], 8000))
    assert counts[1] == 0
    assert abs(counts[2] / 8000 - 0.75) < 0.03
    once = list(ember.utils.data.WeightedRandomSampler([5, 1, 0, 2, 9], 4, replacement=False))
    assert sorted(once) == [0, 1, 3, 4]
    first = collections.Counter(
        next(iter(ember.utils.data.WeightedRandomSampler([1, 9], 1, replacement=False)))
        for _ in range(2000))
    assert abs(first[1] / 2000 - 0.9) < 0.03


def test_weighted_sampler_errors_match_torch(torch):
    for lib in (ember, torch):
        sampler = lib.utils.data.WeightedRandomSampler
        with pytest.raises(ValueError, match="num_samples should be a positive integer value, "
                                             "but got num_samples=0"):
            sampler([1.0, 2.0], 0)
        with pytest.raises(ValueError, match="replacement should be a boolean value, but got "
                                             "replacement=1"):
            sampler([1.0, 2.0], 2, replacement=1)
        with pytest.raises(ValueError, match=r"weights should be a 1d sequence but given weights "
                                             r"have shape \(1, 2\)"):
            sampler([[1.0, 2.0]], 2)
        with pytest.raises(RuntimeError, match="cannot sample n_sample > prob_dist.size"):
            list(sampler([1.0, 0.0], 3, replacement=False))
        assert sorted(sampler([1.0, 0.0], 2, replacement=False)) == [0, 1]
    assert len(ember.utils.data.WeightedRandomSampler([1.0, 2.0], 5)) == 5


def test_chain_dataset_matches_torch(torch):
    def run(lib):
        class Count(lib.utils.data.IterableDataset):
            def __init__(self, n):
                self.n = n

            def __iter__(self):
                return iter(range(self.n))

            def __len__(self):
                return self.n

        chained = lib.utils.data.ChainDataset([Count(2), Count(3)])
        return list(chained), len(chained), list(Count(1) + Count(2))

    assert run(ember) == run(torch)


def test_get_worker_info_in_and_out_of_workers():
    assert ember.utils.data.get_worker_info() is None
    seen = []

    def fetch(batch):
        info = ember.utils.data.get_worker_info()
        seen.append((info.id, info.num_workers, info.dataset is data))
        return batch

    data = list(range(12))
    list(ember.utils.data.DataLoader(data, batch_size=3, num_workers=2, collate_fn=fetch))
    assert len(seen) == 4
    assert {s[0] for s in seen} <= {0, 1} and all(s[1] == 2 and s[2] for s in seen)
