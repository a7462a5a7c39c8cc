"""Decoder: turns (key, bytes or stream) pairs into values by the key's extension, through a
list of handlers; the basic handlers (text, json, pickle, Ember/torch .pt files, class ids) and
an image handler (needs Pillow and NumPy). Torch's video, audio and .mat handlers need
torchvision, torchaudio and SciPy and are not here."""

import io
import json
import os.path
import pickle

from .common import StreamWrapper

__all__ = ["Decoder", "ImageHandler", "basichandlers", "extension_extract_fn",
           "handle_extension", "imagehandler"]


def basichandlers(extension, data):
    """Decodes text, class ids, json, pickles and .pt files; None for other extensions."""
    if extension in "txt text transcript":  # as torch: any substring of that string matches
        return data.decode("utf-8")
    if extension in "cls cls2 class count index inx id".split():
        try:
            return int(data)
        except ValueError:
            return None
    if extension in "json jsn":
        return json.loads(data)
    if extension in ("pyd", "pickle"):
        return pickle.loads(data)
    if extension == "pt":
        from .....serialization import load
        return load(io.BytesIO(data))
    return None


# name: (kind of result, element type, colour mode)
imagespecs = {
    "l8": ("numpy", "uint8", "l"), "rgb8": ("numpy", "uint8", "rgb"),
    "rgba8": ("numpy", "uint8", "rgba"), "l": ("numpy", "float", "l"),
    "rgb": ("numpy", "float", "rgb"), "rgba": ("numpy", "float", "rgba"),
    "torchl8": ("torch", "uint8", "l"), "torchrgb8": ("torch", "uint8", "rgb"),
    "torchrgba8": ("torch", "uint8", "rgba"), "torchl": ("torch", "float", "l"),
    "torchrgb": ("torch", "float", "rgb"), "torch": ("torch", "float", "rgb"),
    "torchrgba": ("torch", "float", "rgba"), "pill": ("pil", None, "l"),
    "pil": ("pil", None, "rgb"), "pilrgb": ("pil", None, "rgb"),
    "pilrgba": ("pil", None, "rgba"),
}


def handle_extension(extensions, f):
    """A handler calling f(data) for keys ending in one of the space-separated extensions
    (which may hold dots: "seg.jpg"), case-insensitively."""
    targets = [t.split(".") for t in extensions.lower().split()]

    def g(key, data):
        parts = key.lower().split(".")
        for target in targets:
            if len(target) <= len(parts) and parts[-len(target):] == target:
                return f(data)
        return None
    return g


class ImageHandler:
    """Decodes jpg/png/ppm/pgm/pbm/pnm images to a PIL image, a NumPy array (HWC) or a tensor
    (CHW), as uint8 or float in [0, 1], in mode l/rgb/rgba, as imagespec names (see
    imagespecs). Ember has no uint8 dtype: the uint8 tensor specs give int64 tensors."""

    def __init__(self, imagespec):
        assert imagespec in imagespecs, f"unknown image specification: {imagespec}"
        self.imagespec = imagespec.lower()

    def __call__(self, extension, data):
        if extension.lower() not in "jpg jpeg png ppm pgm pbm pnm".split():
            return None
        try:
            import numpy as np
        except ImportError:
            raise ModuleNotFoundError("Package `numpy` is required to be installed for default "
                                      "image decoder.Please use `pip install numpy` to install "
                                      "the package")
        try:
            import PIL.Image
        except ImportError:
            raise ModuleNotFoundError("Package `PIL` is required to be installed for default "
                                      "image decoder.Please use `pip install Pillow` to install "
                                      "the package")
        atype, etype, mode = imagespecs[self.imagespec]
        with io.BytesIO(data) as stream:
            img = PIL.Image.open(stream)
            img.load()
            img = img.convert(mode.upper())
        if atype == "pil":
            return img
        result = np.asarray(img)
        if atype == "numpy":
            return result if etype == "uint8" else result.astype("f") / 255.0
        from ....._creation import as_tensor
        result = np.array(result.transpose(2, 0, 1) if result.ndim == 3 else result)
        if etype == "uint8":
            return as_tensor(result.astype(np.int64))
        return as_tensor(result.astype(np.float32) / 255.0)


def imagehandler(imagespec):
    return ImageHandler(imagespec)


def extension_extract_fn(pathname):
    """The pathname's extension without the dot ("" for none)."""
    ext = os.path.splitext(pathname)[1]
    return ext[1:] if ext else ext


class Decoder:
    """Decodes (key, data) pairs: for each, the first handler's result that is not None, the
    data itself when none answers. Streams are read whole (and closed) first."""

    def __init__(self, *handler, key_fn=extension_extract_fn):
        self.handlers = list(handler)
        self.key_fn = key_fn

    def add_handler(self, *handler):
        """Adds handlers ahead of the others: the newest decide first."""
        if handler:
            self.handlers = list(handler) + self.handlers

    @staticmethod
    def _is_stream_handle(data):
        obj = data.file_obj if isinstance(data, StreamWrapper) else data
        return isinstance(obj, (io.BufferedIOBase, io.RawIOBase))

    def decode1(self, key, data):
        if not data:
            return data
        if Decoder._is_stream_handle(data):
            stream = data
            data = b"".join(data)  # iterating, since .read differs between stream kinds
            stream.close()
        for f in self.handlers:
            result = f(key, data)
            if result is not None:
                return result
        return data

    def decode(self, data):
        """{key: decoded value} for a (key, data) pair or a list of them; keys starting with
        '_' holding bytes are decoded as UTF-8 text."""
        result = {}
        if isinstance(data, tuple):
            data = [data]
        for k, v in data or ():
            if k[0] == "_" and isinstance(v, bytes):
                result[k] = v.decode("utf-8")
                continue
            result[k] = self.decode1(self.key_fn(k), v)
        return result

    def __call__(self, data):
        return self.decode(data)
