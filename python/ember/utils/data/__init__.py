"""ember.utils.data: datasets, samplers and the DataLoader that batches them, and the DataPipes
(composable datasets) with DataLoader2, as torch.utils.data."""

from .dataloader import DataLoader, default_collate, default_convert, get_worker_info
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset,
                      TensorDataset, random_split)
from .sampler import (BatchSampler, DistributedSampler, RandomSampler, Sampler,
                      SequentialSampler, SubsetRandomSampler, WeightedRandomSampler)
from .datapipes.datapipe import DFIterDataPipe, DataChunk, IterDataPipe, MapDataPipe
from .datapipes._decorator import (argument_validation, functional_datapipe,
                                   guaranteed_datapipes_determinism, non_deterministic,
                                   runtime_validation, runtime_validation_disabled)
from . import datapipes  # noqa: F401  the submodules, as torch.utils.data has them
from . import (backward_compatibility, communication, dataloader_experimental,  # noqa: F401
               distributed, graph, graph_settings)
from .dataloader_experimental import DataLoader2

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info", "ChainDataset",
           "ConcatDataset", "Dataset", "IterableDataset", "Subset", "TensorDataset",
           "random_split", "BatchSampler", "DistributedSampler", "RandomSampler", "Sampler",
           "SequentialSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "DFIterDataPipe", "DataChunk", "IterDataPipe", "MapDataPipe", "argument_validation",
           "functional_datapipe", "guaranteed_datapipes_determinism", "non_deterministic",
           "runtime_validation", "runtime_validation_disabled", "DataLoader2", "communication"]
