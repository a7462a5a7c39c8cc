"""A character-level language model: a small decoder-only Transformer (nanoGPT's shape) trained
on the English text of Debian's fortunes package, with `import ember as torch`.

    char_transformer.py [--steps N] [--batch-size N] [--context N] [--d-model N] [--layers N]
                        [--heads N] [--lr X] [--weight-decay X] [--warmup N] [--eval-every N]
                        [--threads N] [--seed N] [--data DIR] [--out PATH] [--sample-chars N]
                        [--temperature X] [--max-loss X] [--tiny]

It trains with AdamW, a warm-up + cosine learning-rate schedule (LambdaLR) and gradient
clipping, reports the loss on held-out text (the last tenth of every file) in nats per
character, saves the weights with ember.save and prints a sample. The defaults (2 layers,
d_model 128, 9000 steps of 8 windows of 128 characters) reach about 1.59 nats/char in 7 to 10
minutes on two cores; --tiny is a seconds-long smoke run. Exits non-zero when the final held-out
loss is above --max-loss.
"""
import argparse
import math
import os
import sys
import time

import ember as torch
import ember.nn as nn
import ember.nn.functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, d_model, n_heads):
        super().__init__()
        assert d_model % n_heads == 0
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.qkv(x).split(C, dim=2)
        # [B, T, C] -> [B, heads, T, C / heads]
        q = q.view(B, T, self.n_heads, C // self.n_heads).transpose(1, 2)
        k = k.view(B, T, self.n_heads, C // self.n_heads).transpose(1, 2)
        v = v.view(B, T, self.n_heads, C // self.n_heads).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.proj(y)


class MLP(nn.Module):
    def __init__(self, d_model):
        super().__init__()
        self.fc = nn.Linear(d_model, 4 * d_model)
        # GPT-2's tanh form of GELU: in Ember it costs half the exact (erf) form.
        self.gelu = nn.GELU(approximate="tanh")
        self.proj = nn.Linear(4 * d_model, d_model)

    def forward(self, x):
        return self.proj(self.gelu(self.fc(x)))


class Block(nn.Module):
    def __init__(self, d_model, n_heads):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d_model)
        self.attn = CausalSelfAttention(d_model, n_heads)
        self.ln_2 = nn.LayerNorm(d_model)
        self.mlp = MLP(d_model)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class CharTransformer(nn.Module):
    def __init__(self, vocab_size, context, d_model, n_layers, n_heads):
        super().__init__()
        self.context = context
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        self.pos_emb = nn.Embedding(context, d_model)
        self.blocks = nn.ModuleList([Block(d_model, n_heads) for _ in range(n_layers)])
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)

    def forward(self, idx):
        B, T = idx.size()
        pos = torch.arange(T)
        x = self.tok_emb(idx) + self.pos_emb(pos)
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))

    @torch.no_grad()
    def generate(self, idx, new_tokens, temperature=1.0):
        for _ in range(new_tokens):
            logits = self(idx[:, -self.context:])[:, -1, :]
            probs = F.softmax(logits / temperature, dim=-1)
            idx = torch.cat([idx, torch.multinomial(probs, num_samples=1)], dim=1)
        return idx


def read_corpus(directory, held_out=0.1):
    """The plain-text fortune files (not the .dat indexes, the .u8 links or the off/ folder), as
    bytes: the training text and the held-out text (the last part of every file)."""
    if not os.path.isdir(directory):
        sys.exit(f"char_transformer: no fortunes at {directory} (Debian's fortunes package; "
                 "scripts/install_deps.sh installs it)")
    train, val = bytearray(), bytearray()
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if name.endswith((".dat", ".u8")) or not os.path.isfile(path) or os.path.islink(path):
            continue
        with open(path, "rb") as f:
            text = f.read()
        cut = int(len(text) * (1 - held_out))
        train += text[:cut]
        val += text[cut:]
    if len(val) == 0:
        sys.exit(f"char_transformer: no fortune files in {directory}")
    return bytes(train), bytes(val)


def get_batch(data, batch_size, context):
    """batch_size random windows of the text and the same windows shifted by one character."""
    starts = torch.randint(len(data) - context - 1, (batch_size, 1))
    offsets = starts + torch.arange(context + 1)
    windows = data[offsets]
    return windows[:, :-1], windows[:, 1:]


@torch.no_grad()
def evaluate(model, data, context, max_windows=None, batch_size=64):
    """The mean loss in nats per character over consecutive windows of data: all of them, or
    about max_windows spread evenly over it."""
    model.eval()
    windows = (len(data) - 1) // context
    starts = torch.arange(windows) * context
    if max_windows is not None and windows > max_windows:
        starts = starts[:: windows // max_windows]
    total, count = 0.0, 0
    for first in range(0, len(starts), batch_size):
        offsets = starts[first:first + batch_size, None] + torch.arange(context + 1)
        batch = data[offsets]
        logits = model(batch[:, :-1])
        targets = batch[:, 1:]
        total += F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1),
                                 reduction="sum").item()
        count += targets.numel()
    model.train()
    return total / count


def lr_factor(step, warmup, steps, floor=0.1):
    """A linear warm-up over warmup steps, then a cosine from 1 down to floor at steps."""
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, steps - warmup))
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=9000)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--context", type=int, default=128)
    parser.add_argument("--d-model", type=int, default=128)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--lr", type=float, default=5e-3)
    parser.add_argument("--weight-decay", type=float, default=0.1)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--eval-every", type=int, default=500)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default="/usr/share/games/fortunes")
    parser.add_argument("--out", default="char_transformer.pt")
    parser.add_argument("--sample-chars", type=int, default=400)
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--max-loss", type=float, default=float("inf"),
                        help="fail when the final held-out loss is above this")
    parser.add_argument("--tiny", action="store_true",
                        help="a seconds-long run of a small model (overrides the sizes)")
    args = parser.parse_args()
    if args.tiny:
        args.steps, args.batch_size, args.context = 400, 8, 32
        args.d_model, args.layers, args.heads = 32, 2, 2
        args.warmup, args.eval_every, args.sample_chars = 20, 100, 100
    return args


class Progress:
    """One line, redrawn in place on a terminal; elsewhere printed at each evaluation."""

    def __init__(self, steps):
        self.steps = steps
        self.tty = sys.stdout.isatty()

    def update(self, step, loss, lr, seconds, val_loss=None):
        if not self.tty and val_loss is None:
            return
        line = f"step {step:5d}/{self.steps}  loss {loss:.4f}  lr {lr:.2e}  {seconds:6.1f}s"
        if val_loss is not None:
            line += f"  held-out {val_loss:.4f} nats/char"
        print(("\r" if self.tty else "") + line, end="\n" if val_loss is not None else "",
              flush=True)


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    train_text, val_text = read_corpus(args.data)
    # The symbols are the bytes the text uses: it is nearly all ASCII, so a byte is a character.
    chars = sorted(set(train_text + val_text))
    index = {c: i for i, c in enumerate(chars)}
    encode = lambda text: torch.tensor([index[c] for c in text], dtype=torch.long)
    decode = lambda ids: bytes(chars[i] for i in ids).decode("utf-8", errors="replace")
    train_data, val_data = encode(train_text), encode(val_text)
    print(f"fortunes from {args.data}: {len(train_text)} training and {len(val_text)} held-out "
          f"characters, {len(chars)} symbols, {torch.get_num_threads()} threads")

    model = CharTransformer(len(chars), args.context, args.d_model, args.layers, args.heads)
    print(f"{sum(p.numel() for p in model.parameters())} parameters: {args.layers} layers, "
          f"d_model {args.d_model}, {args.heads} heads, context {args.context}, "
          f"batch {args.batch_size}, {args.steps} steps")
    # Weight decay on the matrices only, not on biases and LayerNorm gains (as nanoGPT).
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}],
                                  lr=args.lr, betas=(0.9, 0.99))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_factor(step, args.warmup, args.steps))

    progress = Progress(args.steps)
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        x, y = get_batch(train_data, args.batch_size, args.context)
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        lr = optimizer.param_groups[0]["lr"]
        optimizer.step()
        scheduler.step()
        # A sample of the held-out text along the way; all of it at the end.
        val_loss = None
        if step == args.steps:
            val_loss = evaluate(model, val_data, args.context)
        elif step % args.eval_every == 0:
            val_loss = evaluate(model, val_data, args.context, max_windows=256)
        progress.update(step, loss.item(), lr, time.perf_counter() - start, val_loss)

    print(f"final held-out loss {val_loss:.4f} nats/char after {time.perf_counter() - start:.1f}s")
    torch.save(model.state_dict(), args.out)
    print(f"saved {args.out}")

    prompt = torch.tensor([[index[c] for c in b"%\n"]], dtype=torch.long)
    sample = model.generate(prompt, args.sample_chars, temperature=args.temperature)
    print(f"sample (temperature {args.temperature}):\n{decode(sample[0, 2:].tolist())}")

    if val_loss > args.max_loss:
        sys.exit(f"char_transformer: held-out loss {val_loss:.4f} is above {args.max_loss}")


if __name__ == "__main__":
    main()
