// The main demo: train a classifier on Fashion-MNIST (Debian's dataset-fashion-mnist package),
// report test accuracy, save a checkpoint, reload it into a fresh model and check that the reloaded
// model scores the same.
//
//   fashion_mnist [--model mlp|cnn|both] [--epochs N] [--batch-size N] [--lr X] [--threads N]
//                 [--data DIR] [--checkpoint-dir DIR] [--train-limit N] [--test-limit N]
//                 [--min-accuracy X] [--distributed]
//
// By default it trains the MLP (5 epochs) and then the CNN (3 epochs). Exits non-zero when an
// accuracy is below --min-accuracy (default: 0.87 for the MLP, 0.90 for the CNN) or a reloaded
// model disagrees with the trained one.
//
// --distributed trains data-parallel over the processes that ember.distributed.run starts
// (`python3 -m ember.distributed.run --nproc-per-node 2 --no-python fashion_mnist
// --distributed`): each rank trains on its share of every global batch of --batch-size, DDP
// averages the gradients, and rank 0 reports, evaluates and checkpoints.
#include <ember/ember.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

namespace nn = ember::nn;
constexpr double kPixelMean = 0.2860, kPixelStd = 0.3530;
namespace F = ember::nn::functional;
using ember::Tensor;
using Clock = std::chrono::steady_clock;

namespace {

struct Flags {
  std::string model = "both";
  int epochs = 0;  // 0: the model's default
  int64_t batch_size = 64;
  double lr = 1e-3;
  int threads = 0;  // 0: every core
  std::string data = "/usr/share/datasets/fashion-mnist";
  std::string checkpoint_dir = ".";
  int64_t train_limit = 0;  // 0: the whole training set
  int64_t test_limit = 0;   // 0: the whole test set
  double min_accuracy = 0;  // 0: the model's default
  bool distributed = false;
  int rank = 0, world = 1;  // this process's place when distributed
};

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "fashion_mnist: " << problem
            << "\nusage: fashion_mnist [--model mlp|cnn|both] [--epochs N] [--batch-size N]"
               " [--lr X] [--threads N] [--data DIR] [--checkpoint-dir DIR] [--train-limit N]"
               " [--test-limit N]"
               " [--min-accuracy X] [--distributed]\n";
  std::exit(2);
}

Flags parse(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--distributed") {
      f.distributed = true;
      continue;
    }
    if (i + 1 >= argc) usage("missing value for " + flag);
    const std::string value = argv[++i];
    try {
      if (flag == "--model")
        f.model = value;
      else if (flag == "--epochs")
        f.epochs = std::stoi(value);
      else if (flag == "--batch-size")
        f.batch_size = std::stoll(value);
      else if (flag == "--lr")
        f.lr = std::stod(value);
      else if (flag == "--threads")
        f.threads = std::stoi(value);
      else if (flag == "--data")
        f.data = value;
      else if (flag == "--checkpoint-dir")
        f.checkpoint_dir = value;
      else if (flag == "--train-limit")
        f.train_limit = std::stoll(value);
      else if (flag == "--test-limit")
        f.test_limit = std::stoll(value);
      else if (flag == "--min-accuracy")
        f.min_accuracy = std::stod(value);
      else
        usage("unknown flag " + flag);
    } catch (const std::logic_error&) {
      usage("bad value '" + value + "' for " + flag);
    }
  }
  if (f.model != "mlp" && f.model != "cnn" && f.model != "both")
    usage("--model must be mlp, cnn or both");
  if (f.batch_size <= 0 || f.epochs < 0) usage("--batch-size and --epochs must be positive");
  return f;
}

nn::Sequential make_model(const std::string& kind) {
  if (kind == "mlp")
    return nn::Sequential(nn::Flatten(), nn::Linear(28 * 28, 256), nn::ReLU(), nn::Linear(256, 128),
                          nn::ReLU(), nn::Linear(128, 10));
  return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(1, 16, 3).padding(1)), nn::BatchNorm2d(16),
                        nn::ReLU(), nn::MaxPool2d(nn::MaxPool2dOptions(2)),
                        nn::Conv2d(nn::Conv2dOptions(16, 32, 3).padding(1)), nn::BatchNorm2d(32),
                        nn::ReLU(), nn::MaxPool2d(nn::MaxPool2dOptions(2)), nn::Flatten(),
                        nn::Linear(32 * 7 * 7, 128), nn::ReLU(), nn::Linear(128, 10));
}

// One line per epoch, redrawn in place on a terminal.
class Progress {
 public:
  Progress(int epoch, int epochs, size_t batches)
      : epoch_(epoch), epochs_(epochs), batches_(batches), tty_(isatty(STDOUT_FILENO)) {}

  // waited: the part of seconds spent waiting for the data loader.
  void update(size_t done, double loss, int64_t samples, double seconds, double waited, bool last) {
    if (!tty_ && !last) return;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(kWidth * done / std::max<size_t>(batches_, 1));
    std::printf("%sepoch %d/%d [%s%s] %3d%%  loss %.4f  %.0f samples/s  data wait %.1f%%%s",
                tty_ ? "\r" : "", epoch_, epochs_, std::string(filled, '#').c_str(),
                std::string(kWidth - filled, '.').c_str(),
                static_cast<int>(100 * done / std::max<size_t>(batches_, 1)), loss,
                samples / std::max(seconds, 1e-9), 100 * waited / std::max(seconds, 1e-9),
                last ? "\n" : "");
    std::fflush(stdout);
  }

 private:
  int epoch_, epochs_;
  size_t batches_;
  bool tty_;
};

double accuracy(nn::Sequential& model, ember::data::DataLoader& loader) {
  ember::NoGradGuard no_grad;
  model->eval();
  int64_t correct = 0, total = 0;
  for (const ember::data::Example<>& batch : loader) {
    Tensor predicted = model->forward(batch.data).argmax(1);
    correct += predicted.eq(batch.target).sum().item<int64_t>();
    total += batch.target.numel();
  }
  model->train();
  return static_cast<double>(correct) / std::max<int64_t>(total, 1);
}

// Trains one model, reports its test accuracy, checkpoints it and checks the reloaded copy.
// Returns false when the accuracy is below the bar or the reloaded model disagrees.
bool train_and_check(const std::string& kind, const Flags& flags,
                     const std::shared_ptr<ember::data::Dataset>& train_data,
                     ember::data::DataLoader& test_loader) {
  const int epochs = flags.epochs > 0 ? flags.epochs : kind == "mlp" ? 5 : 3;
  const double min_accuracy = flags.min_accuracy > 0 ? flags.min_accuracy
                              : kind == "mlp"        ? 0.87
                                                     : 0.90;
  const std::string checkpoint = flags.checkpoint_dir + "/fashion_mnist_" + kind + ".safetensors";
  // Distributed, each rank takes every world-th image and that share of each global batch.
  const int64_t batch = flags.batch_size / flags.world;
  ember::data::DataLoader train_loader(
      train_data, ember::data::DataLoaderOptions(batch).shuffle(true).seed(0).workers(1));
  const bool lead = flags.rank == 0;
  if (lead)
    std::printf("\n%s: %zu training images, %d epochs, batch %lld (%d rank%s)\n", kind.c_str(),
                train_data->size() * flags.world, epochs, static_cast<long long>(flags.batch_size),
                flags.world, flags.world > 1 ? "s" : "");

  ember::manual_seed(0);
  nn::Sequential model = make_model(kind);
  if (lead) std::cout << *model << "\n";
  // DDP broadcasts rank 0's weights at the start and averages the gradients in backward.
  std::unique_ptr<nn::parallel::DistributedDataParallel<nn::SequentialImpl>> ddp;
  if (flags.distributed)
    ddp = std::make_unique<nn::parallel::DistributedDataParallel<nn::SequentialImpl>>(model.ptr());
  const auto forward = [&](const Tensor& x) { return ddp ? (*ddp)(x) : model->forward(x); };
  ember::optim::Adam optimizer(model->parameters(), ember::optim::AdamOptions(flags.lr));
  // The learning rate follows a cosine from lr down to 0 over the whole run, one step a batch.
  ember::optim::CosineAnnealingLR schedule(
      optimizer, std::max<int64_t>(1, epochs * static_cast<int64_t>(train_loader.size())));

  for (int epoch = 1; epoch <= epochs; ++epoch) {
    Progress progress(epoch, epochs, train_loader.size());
    const auto start = Clock::now();
    double loss_sum = 0, waited = 0;  // waited: seconds spent waiting for the loader
    int64_t samples = 0;
    size_t done = 0;
    auto since = [](Clock::time_point t) {
      return std::chrono::duration<double>(Clock::now() - t).count();
    };
    const auto first = Clock::now();
    auto it = train_loader.begin();
    waited += since(first);
    while (it != train_loader.end()) {
      const ember::data::Example<>& batch = *it;
      optimizer.zero_grad();
      Tensor loss = F::cross_entropy(forward(batch.data), batch.target);
      loss.backward();
      optimizer.step();
      schedule.step();
      loss_sum += loss.item<double>() * batch.target.numel();
      samples += batch.target.numel() * flags.world;
      const auto next = Clock::now();
      ++it;
      waited += since(next);
      ++done;
      if (lead)
        progress.update(done, loss_sum * flags.world / samples, samples, since(start), waited,
                        done == train_loader.size());
    }
  }

  if (!lead) return true;  // rank 0 evaluates and checkpoints the (identical) model
  const double trained = accuracy(model, test_loader);
  std::printf("%s test accuracy: %.2f%%\n", kind.c_str(), 100 * trained);
  ember::io::save_safetensors(checkpoint, model->state_dict());
  nn::Sequential reloaded = make_model(kind);
  reloaded->load_state_dict(ember::io::load_safetensors(checkpoint));
  const double restored = accuracy(reloaded, test_loader);
  std::printf("checkpoint %s reloaded: test accuracy %.2f%%\n", checkpoint.c_str(), 100 * restored);
  std::fflush(stdout);
  if (restored != trained) {
    std::fprintf(stderr, "the reloaded %s disagrees with the trained one\n", kind.c_str());
    return false;
  }
  if (trained < min_accuracy) {
    std::fprintf(stderr, "%s accuracy %.4f is below the expected %.2f\n", kind.c_str(), trained,
                 min_accuracy);
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags = parse(argc, argv);
  if (flags.threads > 0) ember::set_num_threads(flags.threads);
  try {
    if (flags.distributed) {
      ember::distributed::init_process_group();
      flags.rank = ember::distributed::get_rank();
      flags.world = ember::distributed::get_world_size();
      if (flags.batch_size % flags.world != 0)
        usage("--batch-size must be a multiple of the number of ranks");
    }
    auto train_set = std::make_shared<ember::data::FashionMNIST>(flags.data, /*train=*/true);
    auto test_set = std::make_shared<ember::data::FashionMNIST>(flags.data, /*train=*/false);
    // Pixels scaled to zero mean and unit variance with the training set's statistics.
    train_set->normalize(kPixelMean, kPixelStd);
    test_set->normalize(kPixelMean, kPixelStd);
    // A random subset of n examples when 0 < n < size (quick runs), else the whole set.
    auto limit = [](std::shared_ptr<ember::data::Dataset> set, int64_t n) {
      const auto size = static_cast<int64_t>(set->size());
      if (n <= 0 || n >= size) return set;
      return std::shared_ptr<ember::data::Dataset>(
          ember::data::random_split(set, {n, size - n}, 0)[0]);
    };
    auto train_data = limit(train_set, flags.train_limit);
    if (flags.world > 1) {
      std::vector<int64_t> mine;
      for (int64_t i = flags.rank; i < static_cast<int64_t>(train_data->size()); i += flags.world)
        mine.push_back(i);
      train_data = std::make_shared<ember::data::Subset>(train_data, std::move(mine));
    }
    const auto test_data = limit(test_set, flags.test_limit);
    ember::data::DataLoader test_loader(test_data, ember::data::DataLoaderOptions(1000));
    if (flags.rank == 0)
      std::printf(
          "Fashion-MNIST from %s: %zu training and %zu test images, %d threads%s\n",
          flags.data.c_str(), train_data->size() * flags.world, test_data->size(),
          ember::get_num_threads(),
          flags.world > 1 ? (" per rank, " + std::to_string(flags.world) + " ranks").c_str() : "");

    bool ok = true;
    for (const std::string kind : {"mlp", "cnn"})
      if (flags.model == kind || flags.model == "both")
        ok = train_and_check(kind, flags, train_data, test_loader) && ok;
    if (flags.distributed) ember::distributed::destroy_process_group();
    return ok ? 0 : 1;
  } catch (const ember::Error& e) {
    std::fprintf(stderr, "fashion_mnist: %s\n", e.what());
    return 1;
  }
}
