#pragma once
/// Training across processes and machines over Gloo: stores, process groups, collectives and
/// DistributedDataParallel.
#include "ember/distributed/collectives.h"
#include "ember/distributed/init.h"
#include "ember/distributed/process_group.h"
#include "ember/distributed/store.h"
#include "ember/nn/parallel/distributed.h"
