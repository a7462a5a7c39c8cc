"""ember.utils.data: datasets and a DataLoader that batches them, as torch.utils.data."""

from ... import _C


class Dataset:
    """Anything with __getitem__ and __len__."""

    def __getitem__(self, index):
        raise NotImplementedError


class TensorDataset(Dataset):
    """Item i is the tuple of every tensor's row i."""

    def __init__(self, *tensors):
        if any(t.size(0) != tensors[0].size(0) for t in tensors):
            raise ValueError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].size(0)


def default_collate(batch):
    """Stacks tensors, turns numbers into tensors, and recurses into tuples, lists and dicts."""
    first = batch[0]
    if isinstance(first, _C.Tensor):
        return _C.stack(batch, 0)
    if isinstance(first, (bool, int, float)):
        return _C.tensor(batch)
    if isinstance(first, dict):
        return {key: default_collate([b[key] for b in batch]) for key in first}
    if isinstance(first, (tuple, list)):
        return [default_collate(list(items)) for items in zip(*batch)]
    return batch


class DataLoader:
    """Iterates over a dataset in batches, optionally shuffled each epoch."""

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, collate_fn=None,
                 num_workers=0, **unused):
        self.dataset, self.batch_size, self.shuffle = dataset, batch_size, shuffle
        self.drop_last = drop_last
        self.collate_fn = collate_fn or default_collate

    def __iter__(self):
        order = list(range(len(self.dataset)))
        if self.shuffle:
            # Drawn from Ember's generator, so manual_seed fixes the order.
            order = _C.randperm(len(order)).tolist()
        for start in range(0, len(order), self.batch_size):
            indices = order[start:start + self.batch_size]
            if self.drop_last and len(indices) < self.batch_size:
                return
            if isinstance(self.dataset, TensorDataset):
                index = _C.tensor(indices)
                yield [t.index_select(0, index) for t in self.dataset.tensors]
            else:
                yield self.collate_fn([self.dataset[i] for i in indices])

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
