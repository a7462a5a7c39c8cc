#pragma once
/// Reading and writing tensors: safetensors checkpoints and ember::save / ember::load.
#include "ember/io/dlpack.h"
#include "ember/io/safetensors.h"
#include "ember/io/serialize.h"
#include "ember/io/torch_checkpoint.h"
