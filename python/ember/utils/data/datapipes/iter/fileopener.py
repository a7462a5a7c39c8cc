"""FileOpener (`open_files`): (pathname, stream) for each pathname; FileLoader, its deprecated
binary-mode form."""

from .._decorator import functional_datapipe
from ..datapipe import IterDataPipe
from ..utils.common import _deprecation_warning, get_file_binaries_from_pathnames

__all__ = ["FileOpenerIterDataPipe", "FileLoaderIterDataPipe"]


@functional_datapipe("open_files")
class FileOpenerIterDataPipe(IterDataPipe):
    """(pathname, StreamWrapper of the file opened in mode: 'r'/'t'/'rt' text, 'b'/'rb'
    binary) for each pathname of datapipe. length: what len() reports (-1: no length)."""

    def __init__(self, datapipe, mode="r", encoding=None, length=-1):
        super().__init__()
        self.datapipe = datapipe
        self.mode = mode
        self.encoding = encoding
        if self.mode not in ("b", "t", "rb", "rt", "r"):
            raise ValueError(f"Invalid mode {mode}")
        if "b" in mode and encoding is not None:
            raise ValueError("binary mode doesn't take an encoding argument")
        self.length = length

    def __iter__(self):
        yield from get_file_binaries_from_pathnames(self.datapipe, self.mode, self.encoding)

    def __len__(self):
        if self.length == -1:
            raise TypeError(f"{type(self).__name__} instance doesn't have valid length")
        return self.length


class FileLoaderIterDataPipe(IterDataPipe):
    """Deprecated: FileOpener in binary mode."""

    def __new__(cls, datapipe, mode="b", length=-1):
        _deprecation_warning(cls.__name__, deprecation_version="1.12", removal_version="1.13",
                             new_class_name="FileOpener")
        return FileOpenerIterDataPipe(datapipe=datapipe, mode=mode, length=length)
