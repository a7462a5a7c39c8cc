"""DataPipes: composable iterable-style (iter) and map-style (map) datasets, as
torch.utils.data.datapipes. Torch's dataframe datapipes (which need TorchArrow or pandas
tracing) are not here."""

from . import iter  # noqa: F401
from . import map  # noqa: F401
