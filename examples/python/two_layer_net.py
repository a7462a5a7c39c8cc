"""The first tutorial's two-layer network, trained three ways with `import ember as torch`:
raw autograd with manual SGD, the same with a custom autograd.Function (MyReLU), and the
old `.data` update spelling."""
import ember as torch
from ember.autograd import Variable


class MyReLU(torch.autograd.Function):
    """ReLU written by hand: forward saves its input, backward zeroes the gradient below 0."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


def train(relu, steps=500, old_spelling=False):
    torch.manual_seed(0)
    N, D_in, H, D_out = 64, 1000, 100, 10
    dtype = torch.FloatTensor
    x = Variable(torch.randn(N, D_in).type(dtype), requires_grad=False)
    y = Variable(torch.randn(N, D_out).type(dtype), requires_grad=False)
    w1 = Variable(torch.randn(D_in, H).type(dtype), requires_grad=True)
    w2 = Variable(torch.randn(H, D_out).type(dtype), requires_grad=True)
    learning_rate = 1e-6
    losses = []
    for t in range(steps):
        y_pred = relu(x.mm(w1)).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        if t % 100 == 99:
            print(t, loss.item())
        loss.backward()
        if old_spelling:
            w1.data -= learning_rate * w1.grad.data
            w2.data -= learning_rate * w2.grad.data
            w1.grad.data.zero_()
            w2.grad.data.zero_()
        else:
            with torch.no_grad():
                w1 -= learning_rate * w1.grad
                w2 -= learning_rate * w2.grad
                w1.grad.zero_()
                w2.grad.zero_()
    return losses


if __name__ == "__main__":
    print("clamp(min=0):")
    plain = train(lambda h: h.clamp(min=0))
    print("MyReLU.apply:")
    custom = train(MyReLU.apply)
    print("w.data -= lr * w.grad.data:")
    old = train(lambda h: h.clamp(min=0), old_spelling=True)
    assert plain[-1] < plain[0] * 1e-3, "the loss should fall by three orders of magnitude"
    assert custom == plain and old == plain, "all three must compute the same numbers"
    print("final loss", plain[-1])
