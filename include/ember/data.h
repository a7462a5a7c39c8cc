#pragma once
/// Datasets, the DataLoader and dataset readers (torch.utils.data and torchvision.datasets).
#include "ember/data/dataloader.h"
#include "ember/data/dataset.h"
#include "ember/data/idx.h"
#include "ember/data/mnist.h"
