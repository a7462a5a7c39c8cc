"""The second tutorial: NumPy interop, requires_grad propagation, nn.Sequential, a custom
nn.Module, optim.SGD, and a TensorDataset + DataLoader loop, with `import ember as torch`."""
import numpy as np

import ember as torch
import ember.nn as nn
from ember.autograd import Variable


class TwoLayerNN(nn.Module):
    def __init__(self, D_in, H, D_out):
        super(TwoLayerNN, self).__init__()
        self.linear1 = nn.Linear(D_in, H)
        self.relu = nn.ReLU()
        self.linear2 = nn.Linear(H, D_out)

    def forward(self, x):
        h_in = self.linear1(x)
        h_relu = self.relu(h_in)
        return self.linear2(h_relu)


def tensors_and_numpy():
    numpy_array = np.random.randn(10, 10)
    pytorch_tensor = torch.from_numpy(numpy_array)  # shares memory
    numpy_array[0, 0] = 42.0
    assert pytorch_tensor[0, 0].item() == 42.0
    copy = torch.Tensor(numpy_array)  # a float32 copy
    assert copy.dtype is torch.float32
    cpu_tensor = torch.randn(10, 20).type(torch.FloatTensor)
    if torch.cuda.is_available():
        cpu_tensor = cpu_tensor.cuda().cpu()
    print(cpu_tensor.size())


def requires_grad_propagation():
    x = Variable(torch.randn(5, 5))
    y = Variable(torch.randn(5, 5))
    z = Variable(torch.randn(5, 5), requires_grad=True)
    a = x + y
    b = x + z
    print("a.requires_grad", a.requires_grad, "b.requires_grad", b.requires_grad)
    assert not a.requires_grad and b.requires_grad
    with torch.no_grad():
        assert not (x + z).requires_grad


def train_sequential(N=64, D_in=1000, H=100, D_out=10, steps=200):
    x, y = torch.randn(N, D_in), torch.randn(N, D_out)
    model = torch.nn.Sequential(torch.nn.Linear(D_in, H), torch.nn.ReLU(),
                                torch.nn.Linear(H, D_out))
    loss_fn = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)
    first = None
    for t in range(steps):
        loss = loss_fn(model(x), y)
        first = first if first is not None else loss.item()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print("Sequential + SGD:", first, "->", loss.item())
    assert loss.item() < first * 0.01


def train_with_data_loader(N=6400, D_in=100, H=50, D_out=10):
    x_train = np.random.randn(N, D_in).astype(np.float32)
    y_train = (x_train[:, :D_out] * 2.0).astype(np.float32)
    x, y = torch.from_numpy(x_train), torch.from_numpy(y_train)
    training_dataset = torch.utils.data.TensorDataset(x, y)
    data_loader = torch.utils.data.DataLoader(training_dataset, batch_size=64, shuffle=True)
    model = TwoLayerNN(D_in, H, D_out)
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    epoch_losses = []
    for epoch in range(3):
        total = 0.0
        for i, data in enumerate(data_loader):
            inputs, labels = data
            inputs, labels = Variable(inputs), Variable(labels)
            y_pred = model(inputs)
            loss = criterion(y_pred, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        epoch_losses.append(total / N)
        print("epoch", epoch, "loss", total / N)
    assert epoch_losses[-1] < epoch_losses[0] / 3


if __name__ == "__main__":
    torch.manual_seed(0)
    np.random.seed(0)
    tensors_and_numpy()
    requires_grad_propagation()
    train_sequential()
    train_with_data_loader()
