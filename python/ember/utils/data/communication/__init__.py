"""The request/response protocol over queues that DataLoader2's workers serve datapipes
through: messages, the queues, the client and server halves of the protocol, and the loops
that put a datapipe behind a pair of queues (iter and map)."""

from . import messages  # noqa: F401
from . import queue  # noqa: F401
from . import protocol  # noqa: F401
from . import iter  # noqa: F401
from . import map  # noqa: F401
from . import eventloop  # noqa: F401
