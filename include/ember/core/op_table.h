#pragma once
/// Helpers for expanding the op table (op_table.def): a line's flags select what it expands to.

/// EMBER_IF_FULL(surface, code): code when the op's surface comes from the table (`full`, or
/// `no_inplace`: the same without the in-place method, which torch lacks for some ops).
#define EMBER_IF_FULL(surface, ...) EMBER_IF_SURFACE_##surface(__VA_ARGS__)
#define EMBER_IF_SURFACE_full(...) __VA_ARGS__
#define EMBER_IF_SURFACE_no_inplace(...) __VA_ARGS__
#define EMBER_IF_SURFACE_hand(...)

/// EMBER_IF_INPLACE(surface, code): code when the table makes the op's in-place method too.
#define EMBER_IF_INPLACE(surface, ...) EMBER_IF_INPLACE_##surface(__VA_ARGS__)
#define EMBER_IF_INPLACE_full(...) __VA_ARGS__
#define EMBER_IF_INPLACE_no_inplace(...)
#define EMBER_IF_INPLACE_hand(...)

/// EMBER_PROMOTES(dtype): whether integer and bool inputs give a floating result.
#define EMBER_PROMOTES(dtype) EMBER_PROMOTES_##dtype
#define EMBER_PROMOTES_same false
#define EMBER_PROMOTES_float true
