"""ember.utils: data loading (ember.utils.data), DLPack exchange (ember.utils.dlpack) and
activation checkpointing (ember.utils.checkpoint)."""

from . import checkpoint, data, dlpack
