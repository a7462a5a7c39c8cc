#pragma once
/// Ember's version (the project version in CMakeLists.txt; a test holds the two together).
#define EMBER_VERSION_MAJOR 0
#define EMBER_VERSION_MINOR 1
#define EMBER_VERSION_PATCH 0
#define EMBER_VERSION "0.1.0"
