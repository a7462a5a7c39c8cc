"""torch.version's fields for this build: Ember's version, and no CUDA or HIP."""
__version__ = "0.1.0"
debug = False
cuda = None
hip = None
git_version = "unknown"
