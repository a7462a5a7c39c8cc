"""The workloads of tensor_bench.cpp and nn_bench.cpp written against PyTorch, for the PyTorch
column of bench/RESULTS.md. Run with Debian's /usr/bin/python3 (python3-torch); writes a JSON
file shaped like Google Benchmark's, with the same workload names. With BENCH_LIB=ember the same
code runs through Ember's Python package (`import ember as torch`, found on PYTHONPATH), for the
table of rows measured from Python.

Usage: pytorch_bench.py OUT.json   (threads from BENCH_THREADS, BENCH_SMALL=1 to shrink)
       pytorch_bench.py startup    one op and exit, as process_bench.cpp
       pytorch_bench.py seed_rss   the seed network for 500 steps, then peak RSS in KiB
       pytorch_bench.py sdpa_rss L one attention forward and backward at length L, then peak RSS
       pytorch_bench.py mlp_rss M  a 16-layer MLP's forward and backward, plain or checkpointed
                                   every 4 layers (M = plain|checkpoint), then peak RSS"""
import json
import importlib
import os
import resource
import sys
import time

EMBER = os.environ.get("BENCH_LIB") == "ember"
try:
    if EMBER:
        import ember as torch
    else:
        import torch
except ImportError:
    print("pytorch_bench.py: needs python3-torch (scripts/install_deps.sh python3-torch), or "
          "with BENCH_LIB=ember, Ember's package on PYTHONPATH")
    sys.exit(77)  # CTest's skip code

SMALL = "BENCH_SMALL" in os.environ
# Seconds per workload, as --benchmark_min_time in bench/run.sh (0: one timed run, for tests).
MIN_TIME = float(os.environ.get("BENCH_MIN_TIME", "0.2"))


def measure(step, min_time=MIN_TIME, warmups=1):
    """Mean wall time of step() in ns, over at least min_time seconds (and at least one run)
    after `warmups` untimed runs."""
    for _ in range(warmups):
        step()
    iterations, elapsed = 0, 0.0
    batch = 1
    while iterations == 0 or elapsed < min_time:
        begin = time.perf_counter()
        for _ in range(batch):
            step()
        elapsed += time.perf_counter() - begin
        iterations += batch
        batch *= 2
    return elapsed / iterations * 1e9


def elementwise():
    n = 4096 if SMALL else 16 << 20
    a, b = torch.rand(n), torch.rand(n)
    u = torch.rand(n) - 0.5
    c = torch.empty(n)
    rows = {
        "add_alloc": (lambda: a + b, 3), "mul_alloc": (lambda: a * b, 3),
        "add_out": (lambda: torch.add(a, b, out=c), 3),
        "mul_out": (lambda: torch.mul(a, b, out=c), 3),
        "exp_alloc": (lambda: u.exp(), 2), "tanh_alloc": (lambda: u.tanh(), 2),
        "sigmoid_alloc": (lambda: u.sigmoid(), 2),
        "exp_out": (lambda: torch.exp(u, out=c), 2), "tanh_out": (lambda: torch.tanh(u, out=c), 2),
        "sigmoid_out": (lambda: torch.sigmoid(u, out=c), 2),
    }
    for name, (step, arrays) in rows.items():
        ns = measure(step)
        yield {"name": f"BM_{name}/real_time", "real_time": ns,
               "bytes_per_second": n * 4 * arrays / (ns * 1e-9)}


def matrix_products():
    for n in (64, 256, 1024, 2048):
        a, b = torch.randn(n, n), torch.randn(n, n)
        ns = measure(lambda: torch.mm(a, b))
        yield {"name": f"BM_mm/{n}/real_time", "real_time": ns, "GFLOPS": 2 * n**3 / ns}
    n = 256
    a, b = torch.randn(n, n), torch.randn(n, n)
    ns = measure(lambda: torch.mm(a.t(), b.t()))
    yield {"name": f"BM_mm_transposed/{n}/real_time", "real_time": ns, "GFLOPS": 2 * n**3 / ns}


def per_op():
    a, b = torch.ones(1), torch.ones(1)
    yield {"name": "BM_add_scalar_1elem/real_time", "real_time": measure(lambda: a + b)}
    for name, shape, grad in (("add_1elem_grad", (1,), True), ("add_16x16", (16, 16), False),
                              ("add_16x16_grad", (16, 16), True)):
        x, y = torch.ones(shape, requires_grad=grad), torch.ones(shape)
        yield {"name": f"BM_{name}/real_time", "real_time": measure(lambda: x + y)}


def chain_5000_pairs(x):
    y = x
    for _ in range(5000):
        y = (y * 1.0001) + 0.0001
    return y


def autograd_rows():
    x = torch.ones((), requires_grad=True)

    def whole():
        chain_5000_pairs(x).backward()
        x.grad = None

    yield {"name": "BM_autograd_chain_10k/real_time", "real_time": measure(whole)}
    yield {"name": "BM_autograd_chain_10k_forward/real_time",
           "real_time": measure(lambda: chain_5000_pairs(x))}
    # Backward alone: the forward is built outside the timed part.
    total, count = 0.0, 0
    while count == 0 or total < MIN_TIME * 1e9:
        y = chain_5000_pairs(x)
        begin = time.perf_counter()
        y.backward()
        total += (time.perf_counter() - begin) * 1e9
        count += 1
        del y
        x.grad = None
    yield {"name": "BM_autograd_chain_10k_backward/real_time", "real_time": total / count}

    n = 4096 if SMALL else 1 << 20
    xs = torch.rand(n, requires_grad=True)

    def double_backward():
        y = xs.pow(3).sum()
        (g,) = torch.autograd.grad(y, xs, create_graph=True)
        g.sum().backward()
        xs.grad = None

    yield {"name": "BM_double_backward_1M/real_time", "real_time": measure(double_backward)}

    torch.manual_seed(0)
    hidden = 128
    w = (torch.randn(hidden, hidden) * 0.05).requires_grad_()
    u = (torch.randn(hidden, hidden) * 0.05).requires_grad_()
    b = torch.zeros(hidden, requires_grad=True)
    inputs = torch.randn(50, 1, hidden)

    def rnn():
        h = torch.zeros(1, hidden)
        for t in range(50):
            h = torch.tanh(inputs[t].mm(w) + h.mm(u) + b)
        h.sum().backward()
        for p in (w, u, b):
            p.grad = None

    yield {"name": "BM_rnn_50_steps/real_time", "real_time": measure(rnn)}


def seed_loops():
    """The seed's network with manual SGD, and with Sequential + MSELoss + SGD: 500 steps each."""
    n, d_in, h, d_out = 64, 1000, 100, 10
    steps = 2 if SMALL else 500
    torch.manual_seed(0)
    x, y = torch.randn(n, d_in), torch.randn(n, d_out)

    def manual():
        w1 = torch.randn(d_in, h, requires_grad=True)
        w2 = torch.randn(h, d_out, requires_grad=True)
        for _ in range(steps):
            loss = (x.mm(w1).clamp(0).mm(w2) - y).pow(2).sum()
            loss.backward()
            with torch.no_grad():
                w1 -= 1e-6 * w1.grad
                w2 -= 1e-6 * w2.grad
                w1.grad.zero_()
                w2.grad.zero_()

    def sequential():
        model = torch.nn.Sequential(torch.nn.Linear(d_in, h), torch.nn.ReLU(),
                                    torch.nn.Linear(h, d_out))
        loss_fn = torch.nn.MSELoss(reduction="sum")
        optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)
        for _ in range(steps):
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    return manual, sequential


def seed_rows():
    manual, sequential = seed_loops()
    yield {"name": "BM_seed_network_500_steps/real_time", "real_time": measure(manual)}
    yield {"name": "BM_seed_sequential_500_steps/real_time", "real_time": measure(sequential)}


def training_rows():
    nn, F = torch.nn, torch.nn.functional

    def stepper(model, x, target):
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

        def step():
            loss = F.cross_entropy(model(x), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return step

    batch, hidden = (8, 32) if SMALL else (256, 1024)
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                        nn.Linear(hidden, 10))
    yield {"name": "BM_mlp_adam_step/real_time", "real_time": measure(
        stepper(mlp, torch.randn(batch, 784), torch.randint(0, 10, (batch,))))}

    batch = 2 if SMALL else 64
    torch.manual_seed(0)
    conv = nn.Conv2d(1, 32, 3, padding=1)
    images = torch.randn(batch, 1, 28, 28)

    def conv_step():
        conv.zero_grad()
        conv(images).sum().backward()

    yield {"name": "BM_conv2d_fwd_bwd/real_time", "real_time": measure(conv_step)}
    cnn = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
    yield {"name": "BM_cnn_adam_step/real_time", "real_time": measure(
        stepper(cnn, images, torch.randint(0, 10, (batch,))))}

    # Two warm-up steps, as nn_bench.cpp's: optimizer state, then the first step holding it.
    yield {"name": "BM_dcgan_step/real_time", "real_time": measure(dcgan_step(), warmups=2)}

    steps, batch = (3, 2) if SMALL else (50, 16)
    torch.manual_seed(0)
    lstm = nn.LSTM(64, 128, num_layers=2)
    sequence = torch.randn(steps, batch, 64)

    def lstm_step():
        lstm(sequence)[0].sum().backward()
        for p in lstm.parameters():
            p.grad = None

    yield {"name": "BM_lstm_fwd_bwd/real_time", "real_time": measure(lstm_step)}


def dcgan_step():
    """One step of the official DCGAN example (64x64 RGB, nz 100, ngf = ndf = 64, batch 64), as
    BM_dcgan_step in nn_bench.cpp."""
    nn, F = torch.nn, torch.nn.functional
    batch = 2 if SMALL else 64
    torch.manual_seed(0)

    def up(i, o, stride, padding):
        return nn.ConvTranspose2d(i, o, 4, stride, padding, bias=False)

    def down(i, o, stride, padding):
        return nn.Conv2d(i, o, 4, stride, padding, bias=False)

    generator = nn.Sequential(
        up(100, 512, 1, 0), nn.BatchNorm2d(512), nn.ReLU(True), up(512, 256, 2, 1),
        nn.BatchNorm2d(256), nn.ReLU(True), up(256, 128, 2, 1), nn.BatchNorm2d(128), nn.ReLU(True),
        up(128, 64, 2, 1), nn.BatchNorm2d(64), nn.ReLU(True), up(64, 3, 2, 1), nn.Tanh())
    discriminator = nn.Sequential(
        down(3, 64, 2, 1), nn.LeakyReLU(0.2, inplace=True), down(64, 128, 2, 1),
        nn.BatchNorm2d(128), nn.LeakyReLU(0.2, inplace=True), down(128, 256, 2, 1),
        nn.BatchNorm2d(256), nn.LeakyReLU(0.2, inplace=True), down(256, 512, 2, 1),
        nn.BatchNorm2d(512), nn.LeakyReLU(0.2, inplace=True), down(512, 1, 1, 0), nn.Sigmoid())
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    real = torch.rand(batch, 3, 64, 64) * 2 - 1
    ones, zeros = torch.ones(batch), torch.zeros(batch)

    def step():
        discriminator.zero_grad()
        F.binary_cross_entropy(discriminator(real).view(-1), ones).backward()
        fake = generator(torch.randn(batch, 100, 1, 1))
        F.binary_cross_entropy(discriminator(fake.detach()).view(-1), zeros).backward()
        opt_d.step()
        generator.zero_grad()
        F.binary_cross_entropy(discriminator(fake).view(-1), ones).backward()
        opt_g.step()
    return step


def deep_mlp(checkpointed):
    # Not `import torch.utils.checkpoint`, which would bind the name torch to PyTorch itself.
    checkpoint = importlib.import_module(torch.__name__ + ".utils.checkpoint").checkpoint
    torch.manual_seed(0)
    weights = [(torch.randn(512, 512) / 32).requires_grad_() for _ in range(16)]

    def segment(first):
        def run(h):
            for w in weights[first:first + 4]:
                h = torch.nn.functional.dropout((h @ w).relu(), 0.1, training=True)
            return h
        return run

    h = torch.randn(4096, 512)
    for first in range(0, 16, 4):
        if checkpointed:
            h = checkpoint(segment(first), h, use_reentrant=False)
        else:
            h = segment(first)(h)
    h.sum().backward()


def attention_inputs(length):
    torch.manual_seed(0)
    return [torch.randn(1, 8, length, 64, requires_grad=True) for _ in range(3)]


def attention_step(q, k, v):
    # torch 1.13 has only the private F._scaled_dot_product_attention (a math implementation);
    # Ember runs F.scaled_dot_product_attention's fused kernel.
    if EMBER:
        out = torch.nn.functional.scaled_dot_product_attention(q, k, v)
    else:
        out = torch.nn.functional._scaled_dot_product_attention(q, k, v, None, 0.0, False,
                                                                 False)[0]
    out.backward(torch.ones_like(out))
    for t in (q, k, v):
        t.grad = None


def per_sample_rows():
    """Per-sample gradients of the seed network at batch 64: the transform recipe (vmap of grad
    over functional_call; functorch's in torch 1.13) against a loop over samples."""
    n, d_in, h, d_out = (4, 20, 8, 3) if SMALL else (64, 1000, 100, 10)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(d_in, h), torch.nn.ReLU(),
                                torch.nn.Linear(h, d_out))
    x, y = torch.randn(n, d_in), torch.randn(n, d_out)
    params = {k: v.detach() for k, v in model.named_parameters()}
    if EMBER:
        from ember.func import functional_call, grad, vmap
    else:
        from functorch import grad, vmap
        from torch.nn.utils.stateless import functional_call

    def loss(p, xi, yi):
        return (functional_call(model, p, (xi.unsqueeze(0),)) - yi).pow(2).sum()

    per_sample = vmap(grad(loss), in_dims=(None, 0, 0))

    def loop():
        weights = list(model.parameters())
        for i in range(n):
            out = (model(x[i:i + 1]) - y[i]).pow(2).sum()
            torch.autograd.grad(out, weights)

    return [{"name": "per_sample_grads_vmap", "real_time": measure(lambda: per_sample(params, x, y))},
            {"name": "per_sample_grads_loop", "real_time": measure(loop)}]


def attention_rows():
    length, batch = (8, 2) if SMALL else (128, 16)
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(256, 4, dim_feedforward=1024)
    optimizer = torch.optim.AdamW(layer.parameters(), lr=1e-4)
    x = torch.randn(length, batch, 256)

    def encoder_step():
        loss = layer(x).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    yield {"name": "BM_transformer_encoder_layer_step/real_time", "real_time": measure(encoder_step)}
    for length in (1024, 2048, 4096):
        inputs = attention_inputs(64 if SMALL else length)
        yield {"name": f"BM_sdpa_fwd_bwd/{length}/real_time",
               "real_time": measure(lambda: attention_step(*inputs))}


def main(path):
    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "1")))
    rows = []
    for group in (autograd_rows, seed_rows, elementwise, matrix_products, per_op, training_rows,
                  attention_rows, per_sample_rows):
        for row in group():
            rows.append(dict(row, time_unit="ns"))
    with open(path, "w") as f:
        json.dump({"benchmarks": rows}, f)


if __name__ == "__main__":
    if sys.argv[1] == "startup":
        print((torch.ones(1) + torch.ones(1)).item())
    elif sys.argv[1] == "seed_rss":
        torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "1")))
        seed_loops()[0]()
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    elif sys.argv[1] == "sdpa_rss":
        torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "1")))
        attention_step(*attention_inputs(int(sys.argv[2])))
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    elif sys.argv[1] == "mlp_rss":
        torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "1")))
        deep_mlp(sys.argv[2] == "checkpoint")
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    else:
        main(sys.argv[1])
