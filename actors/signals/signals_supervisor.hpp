#pragma once
// The signal pipeline's supervisor and its graceful drain: what a node
// needs to run the pipeline (options and handles are in pipeline.hpp).

#include "actors/signals/pipeline.hpp"
