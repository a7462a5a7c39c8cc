#pragma once
/// Datasets, the DataLoader and dataset readers (torch.utils.data and torchvision.datasets), and
/// LibTorch's data API (torch::data: datasets::Dataset<Self>, map(), transforms, samplers and
/// make_data_loader).
#include "ember/data/dataloader.h"
#include "ember/data/dataset.h"
#include "ember/data/datasets/base.h"
#include "ember/data/datasets/map.h"
#include "ember/data/datasets/mnist.h"
#include "ember/data/datasets/tensor.h"
#include "ember/data/example.h"
#include "ember/data/idx.h"
#include "ember/data/mnist.h"
#include "ember/data/samplers.h"
#include "ember/data/stateless_dataloader.h"
#include "ember/data/transforms.h"
