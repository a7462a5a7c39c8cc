#pragma once
/// Helpers for expanding the op table (op_table.def): a line's flags select what it expands to.

/// EMBER_IF_FULL(surface, code): code when the op's surface comes from the table.
#define EMBER_IF_FULL(surface, ...) EMBER_IF_SURFACE_##surface(__VA_ARGS__)
#define EMBER_IF_SURFACE_full(...) __VA_ARGS__
#define EMBER_IF_SURFACE_hand(...)

/// EMBER_PROMOTES(dtype): whether integer and bool inputs give a floating result.
#define EMBER_PROMOTES(dtype) EMBER_PROMOTES_##dtype
#define EMBER_PROMOTES_same false
#define EMBER_PROMOTES_float true
