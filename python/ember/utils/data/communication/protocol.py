"""The two halves of the protocol: a client sends one request at a time and waits for its
response; a server takes one request at a time and must answer it before taking the next."""

from . import messages


class EmptyQueue(Exception):
    pass


class Protocol:
    __slots__ = ("request_queue", "response_queue")

    def __init__(self, request_queue, response_queue):
        self.request_queue = request_queue
        self.response_queue = response_queue


class ProtocolClient(Protocol):
    """The side that sends requests: at most one waits for its response."""

    _req_sent = None

    def __init__(self, request_queue, response_queue):
        self.request_queue = request_queue
        self.response_queue = response_queue
        self._req_sent = None

    def can_take_request(self):
        return self._req_sent is None

    def waiting_for_response(self):
        return self._req_sent is not None

    def request_sent(self, request=True):
        if not self.can_take_request():
            raise Exception("Protocol only supports one request in the Queue")
        self._req_sent = request

    def request_served(self, result=None):
        if not self.waiting_for_response():
            raise Exception("Expected no peding requests, but something got served", result)
        self._req_sent = None

    def _send(self, request, what):
        if not self.can_take_request():
            raise Exception(f"Can not {what} while we are still waiting response for previous "
                            "request")
        self.request_queue.put(request)
        self.request_sent(request)

    def _receive(self, block, timeout):
        if not self.waiting_for_response():
            raise Exception("Can not expect any response without submitted request")
        try:
            response = self.response_queue.get(block=block, timeout=timeout)
        except Exception:  # the queue's own "empty" (queue.Empty, TimeoutError, ...)
            raise EmptyQueue("queue is empty")
        self.request_served(response)
        return response


class ProtocolServer(Protocol):
    """The side that answers: holds the request being served."""

    _req_received = None

    def __init__(self, request_queue, response_queue):
        self.request_queue = request_queue
        self.response_queue = response_queue
        self._req_received = None

    def have_pending_request(self):
        return self._req_received is not None

    def get_new_request(self, block=False):
        if self.have_pending_request():
            raise Exception("Trying to get next request, while having one unserved")
        try:
            request = self.request_queue.get(block=block)
        except Exception:
            raise EmptyQueue("queue is empty")
        self._req_received = request
        return request

    def _respond(self, response):
        if not self.have_pending_request():
            raise Exception("Attempting to reply with pending request")
        self.response_queue.put(response)
        self._req_received = None

    def response_terminate(self):
        if self.have_pending_request() and \
                not isinstance(self._req_received, messages.TerminateRequest):
            raise Exception("Replaying with terminate status to other type of message")
        self._respond(messages.TerminateResponse())


class MapDataPipeQueueProtocolServer(ProtocolServer):
    def response_item(self, key, value):
        self._respond(messages.GetItemResponse(key, value))

    def response_len(self, size):
        self._respond(messages.LenResponse(size))

    def response_index_out_of_bound(self):
        self._respond(messages.StopIterationResponse())


class MapDataPipeQueueProtocolClient(ProtocolClient):
    def request_len(self):
        self._send(messages.LenRequest(), "request len")

    def request_item(self, index):
        self._send(messages.GetItemRequest(index), "request item")

    def get_response_len(self, block=False, timeout=None):
        response = self._receive(block, timeout)
        if not isinstance(response, messages.LenResponse):
            raise Exception("Invalid response received")
        return response

    def get_response_item(self, block=False, timeout=None):
        return self._receive(block, timeout)


class IterDataPipeQueueProtocolServer(ProtocolServer):
    def response_reset_iterator(self):
        if self.have_pending_request() and \
                not isinstance(self._req_received, messages.ResetIteratorRequest):
            raise Exception("Replaying with reset status to other type of message")
        self._respond(messages.ResetIteratorResponse())

    def response_next(self, value):
        self._respond(messages.GetNextResponse(value))

    def response_stop_iteration(self):
        self._respond(messages.StopIterationResponse())

    def response_invalid_state(self):
        self._respond(messages.InvalidStateResponse())


class IterDataPipeQueueProtocolClient(ProtocolClient):
    def request_reset_iterator(self):
        self._send(messages.ResetIteratorRequest(), "reset")

    def request_next(self):
        self._send(messages.GetNextRequest(), "request next item")

    def get_response_reset_iterator(self, block=False):
        response = self._receive(block, None)
        if not isinstance(response, messages.ResetIteratorResponse):
            raise Exception("Invalid response received")

    def get_response_next(self, block=False, timeout=None):
        return self._receive(block, timeout)
